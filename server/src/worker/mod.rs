//! Background work every server runs.

mod expiry;

pub use expiry::sweep_expired_approvals;
