//! Policies: the list, the editor with its live preview, and the version history.

mod backtest;
mod code_editor;
mod editor;
mod editor_browser;
mod history;
mod list;
mod preview;
mod recent;

pub use editor::PolicyEditorPage;
pub use history::PolicyHistoryPage;
pub use list::PoliciesPage;
