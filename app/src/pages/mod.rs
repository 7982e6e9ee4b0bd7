//! One module per area of the product.

pub mod agents;
pub mod answer_link;
pub mod approval_routes;
pub mod approvals;
pub mod audit;
pub mod home;
pub mod layout;
pub mod login;
pub mod not_found;
pub mod policies;
pub mod products;
pub mod profile;
pub mod refusal;
pub mod setup;
pub mod traces;
mod url_query;
pub mod users;
