//! Domain operations, one transaction each. Server functions, the JSON API and the command line
//! all call these; none of them writes SQL of its own.

pub mod agents;
pub mod answer_links;
pub mod approval_routes;
pub mod approvals;
pub mod audit;
pub mod backtest;
pub mod decisions;
pub mod delivery;
pub mod dry_run;
pub mod mail;
pub mod names;
pub mod outbound;
pub mod policies;
pub mod policy_diff;
pub mod product_activity;
pub mod products;
pub mod receipts;
pub mod sign_in;
pub mod tokens;
pub mod trace_charts;
pub mod traces;
pub mod users;
