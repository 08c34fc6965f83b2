//! Service accounts, their scopes and API keys: how other systems (an ERP, a website form) call
//! the API without a person signing in.

pub mod graphql;
pub mod keys;
pub mod loaders;
pub mod scopes;
pub mod service;
pub mod types;
