//! Parsed policies by content hash. A published version never changes, so a parsed copy is
//! valid forever; parsing (and compiling CEL) once instead of per evaluation is most of the
//! evaluation cost saved.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use verdict_policy::Policy;

use crate::error::{AppError, AppResult};

/// Beyond this many distinct versions the cache starts over rather than growing without bound.
const CAPACITY: usize = 1024;

#[derive(Debug, Default)]
pub struct PolicyCache {
    parsed: Mutex<HashMap<String, Arc<Policy>>>,
}

impl PolicyCache {
    pub fn get(&self, content_hash: &str, source: &str) -> AppResult<Arc<Policy>> {
        if let Some(policy) = self.lock().get(content_hash) {
            return Ok(policy.clone());
        }
        let policy = Arc::new(Policy::parse(source).map_err(|error| {
            tracing::error!(
                ?error,
                content_hash,
                "a published policy version no longer parses"
            );
            AppError::Internal
        })?);
        let mut parsed = self.lock();
        if parsed.len() >= CAPACITY {
            parsed.clear();
        }
        parsed.insert(content_hash.to_owned(), policy.clone());
        Ok(policy)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Policy>>> {
        // A poisoned lock only means a panic mid-insert of an immutable value; the map is intact.
        self.parsed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
