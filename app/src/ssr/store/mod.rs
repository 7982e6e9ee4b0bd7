//! SQL, one file per aggregate. Every function takes any executor (pool, connection or
//! transaction) so services decide the transaction boundaries.

pub mod agents;
pub mod answer_links;
pub mod approval_routes;
pub mod approvals;
pub mod audit;
pub mod backtest_runs;
pub mod bindings;
pub mod decisions;
pub mod deliveries;
pub mod flags;
pub mod login_failures;
pub mod policies;
pub mod product_uses;
pub mod products;
pub mod recorded_evaluations;
pub mod script;
pub mod tokens;
pub mod traces;
pub mod users;
pub mod values;
