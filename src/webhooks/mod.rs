//! Outbound webhooks: endpoints admins register, an outbox written with every change they may
//! subscribe to, and a sender that delivers each event signed (Standard Webhooks), retrying on
//! a schedule, once across instances.

pub mod address;
pub mod courier;
pub mod deliveries;
pub mod delivery;
pub mod graphql;
pub mod loaders;
pub mod scope;
pub mod service;
pub mod signing;
pub mod types;
