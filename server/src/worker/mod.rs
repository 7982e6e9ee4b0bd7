//! Background work every server runs.

mod delivery;
mod expiry;
mod sessions;

pub use delivery::deliver_approval_requests;
pub use expiry::sweep_expired_approvals;
pub use sessions::delete_expired_sessions;
