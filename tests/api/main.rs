//! The API, driven over real HTTP and WebSocket connections, one fresh database per test.

// A failed unwrap is a failed assertion here, with the value in the message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod amendments;
mod analytics;
mod approvals;
mod asked;
mod auth;
mod billing;
mod child_lists;
mod client_contract;
mod colleagues;
mod columns;
mod configuration;
mod contracts;
mod customers;
mod existence;
mod fixtures;
mod fuzz;
mod helpers;
mod hostile;
mod input_problems;
mod inputs;
mod instances;
mod jobs;
mod layering;
mod leads;
mod limits;
mod line_items;
mod money_bounds;
mod opportunities;
mod ordering;
mod orders;
mod outage;
mod overlays;
mod persisted;
mod playbook;

mod price_books;
mod processes;
mod products;
mod quote_documents;
mod quotes;
mod refunds;
mod schema;
mod seed;
mod sessions;
mod stuck;
mod sync;
mod transfers;
mod transport;
mod users;
mod visits;
mod websocket;
mod win_loss;
mod write_rights;
