//! Authentication.
//!
//! - `login` takes e-mail and password and returns a short-lived access token (HS256 JWT with
//!   `iss`, `aud`, `exp`, `typ` checked and the algorithm pinned) and an opaque refresh token,
//!   stored only as a SHA-256 hash.
//! - Unknown e-mail, wrong password and deactivated account fail alike (`UNAUTHENTICATED`), at
//!   the same cost. Failures are counted per account and per client address in the database;
//!   past the limit within the window, `login` answers `RATE_LIMITED` with `retryAfterSeconds`.
//!   Each executed `login` field is one attempt, so aliases and batches cannot multiply tries.
//! - `refreshToken` rotates: the old token is spent and a new one issued in the same family.
//!   Presenting a spent token again revokes the whole family — unless it comes within the grace
//!   window and its successor was never used (the response was lost), in which case the answer
//!   carries that same successor (derived from the spent token under a server key), so a replay
//!   never forks the family nor takes the session from the user who holds it.
//! - Each access token carries the user's token version; a role change, deactivation or password
//!   change bumps it, and the token stops working once this instance's viewer cache (or any
//!   instance's, within `SALESGRAPH_VIEWER_CACHE_SECS`) sees the new version.
//! - Passwords are hashed with argon2id on a blocking thread.

pub mod cache;
pub mod graphql;
pub mod links;
pub mod on_behalf;
pub mod passwords;
pub mod service;
pub mod throttle;
pub mod tokens;
