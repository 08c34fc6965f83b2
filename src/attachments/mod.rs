//! Attachments: photos, documents and contract scans on visits, follow-ups, customers, deals,
//! contracts and quotes.
//!
//! - Uploaded through the GraphQL multipart request spec (`Upload`), streamed to disk by the
//!   HTTP layer and then to storage ([`crate::storage`]): memory stays bounded whatever the
//!   size. Checked by content, never by name: size, type by magic bytes, an image's pixels
//!   from its header (a decompression bomb is refused), a photo's EXIF GPS and time read.
//! - Seen by whoever sees the record; added and removed by whoever may change it.
//! - Downloaded with a bearer token or a short-lived signed link (`Attachment.url`).
//! - A crash mid-upload or mid-removal leaves a row the orphan sweep clears with its object.

pub mod access;
pub mod graphql;
pub mod links;
pub mod loaders;
pub mod model;
pub mod service;
pub mod sniff;
pub mod types;
