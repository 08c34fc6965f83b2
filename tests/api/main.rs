//! The API, driven over real HTTP and WebSocket connections, one fresh database per test.

mod auth;
mod helpers;
mod limits;
mod schema;
mod transport;
mod users;
mod websocket;
