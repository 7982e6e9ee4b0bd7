//! Identifiers: time-ordered UUIDs (v7), so ids sort by creation and index well.

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
