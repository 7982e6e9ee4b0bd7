//! Reusable view pieces.

mod badges;
mod confirm;
mod diff_view;
mod field_error;
mod navigation;
mod page_header;
mod repeat;
mod role_badge;
mod shown_once;
mod time;

pub use badges::{OutcomeBadge, StatusBadge};
pub use confirm::confirm_first;
pub use diff_view::DiffView;
pub use field_error::{last_error, last_success, FieldError, FormError};
pub use navigation::go_to;
pub use page_header::PageHeader;
pub use repeat::every_while_shown;
pub use role_badge::RoleBadge;
pub use shown_once::ShownOnceSecret;
pub use time::{RelativeTime, UtcTime};
