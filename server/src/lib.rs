//! The Verdict server: configuration, the HTTP router and the command-line operations.
//! `main.rs` only parses the command line and calls into here.

pub mod api_v1;
pub mod commands;
pub mod config;
mod health;
pub mod mcp;
mod middleware;
pub mod router;
pub mod telemetry;
pub mod transport;
pub mod worker;
