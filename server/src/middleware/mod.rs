//! Cross-cutting request handling.

mod cross_origin;
mod request_log;
mod security_headers;
mod server_fn_status;

pub use cross_origin::refuse_cross_origin;
pub use request_log::{log_response, request_span};
pub use security_headers::add_security_headers;
pub use server_fn_status::server_fn_status;
