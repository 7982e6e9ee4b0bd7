//! Background work every server runs.

mod delivery;
mod expiry;

pub use delivery::deliver_approval_requests;
pub use expiry::sweep_expired_approvals;
