//! Server functions, one file per area. Each is thin: check the role, parse the input, call a
//! service. Their URLs are fixed (`/api/<name>`) so scripts and tests can name them.

pub mod agents;
pub mod answer_links;
pub mod approval_routes;
pub mod approvals;
pub mod audit;
pub mod auth;
pub mod backtest;
pub mod codec;
pub mod policies;
pub mod products;
pub mod receipts;
pub mod tokens;
pub mod traces;
pub mod users;
