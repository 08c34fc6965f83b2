//! Exports: customers, contacts, leads or deals as CSV or XLSX, within the asker's visibility,
//! streamed page by page (never the whole table in memory), formula cells neutralised, every
//! export audited. Through the API (`startExport`, then its signed `downloadUrl`) and the
//! command line (`salesgraph export`).

pub mod file;
pub mod graphql;
pub mod rows;
pub mod service;
pub mod types;
