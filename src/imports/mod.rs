//! Imports: customers (with their first contacts), contacts, leads and products from CSV
//! (UTF-8, GBK and other encodings) or XLSX files, every row checked as the API checks it,
//! duplicates refused against the database and earlier rows, written in batches with the job's
//! progress so a re-run resumes, refused rows reported in an error file. Through the API
//! (`startImport`, `importJob`) and the command line (`salesgraph import`).

pub mod cli;
pub mod columns;
pub mod contacts;
pub mod customers;
pub mod errors;
pub mod graphql;
pub mod kinds;
pub mod leads;
pub mod products;
pub mod rows;
pub mod service;
pub mod table;
pub mod types;
