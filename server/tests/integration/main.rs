//! Every integration test in one binary: linked separately, each file carried its own copy of the
//! whole server, and a dozen copies filled CI's disk.

mod common;

mod actions;
mod agent_access;
mod approval_email;
mod approval_inbox;
mod approval_integrity;
mod approval_routes;
mod audit_log;
mod backtest;
mod command_line;
mod database_faults;
mod decision_lifecycle;
mod evaluation_budgets;
mod explorer_products;
mod first_run;
mod group_commit;
mod hostile_catalogue;
mod hostile_requests;
mod mcp;
mod mixed_load;
mod openapi;
mod outbound_destinations;
mod page_hydration;
mod personal_tokens;
mod policies;
mod product_access;
mod products;
mod receipts;
mod role_matrix;
mod secrets_in_logs;
mod sign_in;
mod sign_in_cost;
mod trace_api;
mod trace_explorer;
mod transport_limits;
