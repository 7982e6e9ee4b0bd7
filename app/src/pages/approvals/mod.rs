//! The approval inbox: what waits for a person's judgment, and each request with what the
//! approver needs to decide.

mod delivery;
mod inbox;
mod request;

pub use inbox::ApprovalsPage;
pub use request::ApprovalRequestPage;
