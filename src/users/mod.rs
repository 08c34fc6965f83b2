//! Users and teams.
//!
//! - E-mail addresses are unique regardless of case and surrounding spaces; they are stored
//!   trimmed and lower-cased.
//! - Only admins create and change users and teams, and list them all. Every change is audited
//!   in its transaction; updates require the version the admin last saw (`CONFLICT` otherwise).
//! - A role change or deactivation bumps the user's token version, so access tokens issued
//!   before it stop working (within the viewer-cache time on other instances); deactivation also
//!   revokes every refresh token. Admins cannot deactivate or demote themselves.
//! - A team's manager must be an active `SALES_MANAGER`. Team names are unique ignoring case
//!   and spacing.
//! - Users see themselves, managers also the members of the teams they manage, admins everyone
//!   (see `policy`).

pub mod bootstrap;
pub mod checks;
pub mod graphql;
pub mod loaders;
pub mod service;
pub mod teams;
pub mod types;

pub use crate::identity::{PERSON, SERVICE};

crate::read_at!(entity::user::Model {
    id,
    email,
    display_name,
    role,
    team_id,
    timezone,
    active,
    kind,
    token_version,
    version,
    created_at,
    updated_at,
});
