//! Short-lived copies of what every agent request reads before it can act: the agent behind an
//! API key, the policy versions bound to that agent, and the catalogue's few global facts
//! (whether it is in use, which policies may be scoped to products). Without them each of a decision's calls
//! pays a database round trip for the same answer.
//!
//! A change made through this server (revoke, rotate, freeze, bind, publish…) drops every copy at
//! once, so it applies to the very next request. A change made elsewhere (another server, the
//! command line) applies within `FRESH_FOR`.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use super::store::{agents::KeyHolderRow, bindings::BoundVersionRow};

/// How long a copy may answer for changes this server did not make.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Past this many copies a shelf is emptied rather than grown: a bound, not an eviction policy.
const MAX_ENTRIES: usize = 10_000;

#[derive(Clone, Default)]
pub struct AccessCache {
    inner: Arc<Shelves>,
}

#[derive(Default)]
struct Shelves {
    generation: AtomicU64,
    key_holders: Shelf<KeyHolderRow>,
    bound_versions: Shelf<Arc<Vec<BoundVersionRow>>>,
    /// Whether the data product catalogue holds an active product (one entry).
    catalogue_in_use: Shelf<bool>,
    /// The latest versions of policies that may be scoped to products (one entry).
    product_scoped: Shelf<Arc<Vec<BoundVersionRow>>>,
}

impl std::fmt::Debug for AccessCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessCache").finish_non_exhaustive()
    }
}

/// Taken before a database read: a copy stored with it is void if anything changed meanwhile.
#[derive(Clone, Copy)]
pub struct Generation(u64);

impl AccessCache {
    /// Forgets every copy; call after committing any change to keys, agents, bindings, policies
    /// or data products.
    pub fn invalidate(&self) {
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        self.inner.key_holders.clear();
        self.inner.bound_versions.clear();
        self.inner.catalogue_in_use.clear();
        self.inner.product_scoped.clear();
    }

    pub fn generation(&self) -> Generation {
        Generation(self.inner.generation.load(Ordering::Acquire))
    }

    pub fn key_holder(&self, key_digest: &str) -> Option<KeyHolderRow> {
        self.inner.key_holders.get(key_digest, self.generation())
    }

    pub fn keep_key_holder(&self, key_digest: &str, read_at: Generation, holder: KeyHolderRow) {
        self.inner.key_holders.put(key_digest, read_at, holder);
    }

    pub fn bound_versions(&self, agent_id: &str) -> Option<Arc<Vec<BoundVersionRow>>> {
        self.inner.bound_versions.get(agent_id, self.generation())
    }

    pub fn keep_bound_versions(
        &self,
        agent_id: &str,
        read_at: Generation,
        versions: Arc<Vec<BoundVersionRow>>,
    ) {
        self.inner.bound_versions.put(agent_id, read_at, versions);
    }
}

impl AccessCache {
    pub fn catalogue_in_use(&self) -> Option<bool> {
        self.inner.catalogue_in_use.get("", self.generation())
    }

    pub fn keep_catalogue_in_use(&self, read_at: Generation, in_use: bool) {
        self.inner.catalogue_in_use.put("", read_at, in_use);
    }

    pub fn product_scoped(&self) -> Option<Arc<Vec<BoundVersionRow>>> {
        self.inner.product_scoped.get("", self.generation())
    }

    pub fn keep_product_scoped(&self, read_at: Generation, versions: Arc<Vec<BoundVersionRow>>) {
        self.inner.product_scoped.put("", read_at, versions);
    }
}

struct Copy<V> {
    value: V,
    generation: u64,
    taken: Instant,
}

struct Shelf<V> {
    copies: Mutex<HashMap<String, Copy<V>>>,
}

impl<V> Default for Shelf<V> {
    fn default() -> Self {
        Self {
            copies: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Shelf<V> {
    fn get(&self, key: &str, now: Generation) -> Option<V> {
        let copies = self
            .copies
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        copies
            .get(key)
            .filter(|copy| copy.generation == now.0 && copy.taken.elapsed() < FRESH_FOR)
            .map(|copy| copy.value.clone())
    }

    fn put(&self, key: &str, read_at: Generation, value: V) {
        let mut copies = self
            .copies
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if copies.len() >= MAX_ENTRIES {
            copies.clear();
        }
        copies.insert(
            key.to_owned(),
            Copy {
                value,
                generation: read_at.0,
                taken: Instant::now(),
            },
        );
    }

    fn clear(&self) {
        self.copies
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(name: &str) -> KeyHolderRow {
        KeyHolderRow {
            agent_id: format!("id-{name}"),
            agent_name: name.to_owned(),
            frozen_reason: None,
            global_freeze: None,
            last_seen_at: None,
            key_expires_at: None,
        }
    }

    #[test]
    fn a_kept_copy_answers_until_something_changes() {
        let cache = AccessCache::default();
        cache.keep_key_holder("digest", cache.generation(), holder("bot"));

        assert_eq!(cache.key_holder("digest").unwrap().agent_name, "bot");
        cache.invalidate();
        assert!(cache.key_holder("digest").is_none());
    }

    #[test]
    fn a_copy_read_before_a_change_is_never_kept() {
        let cache = AccessCache::default();
        let read_at = cache.generation();
        cache.invalidate();

        cache.keep_key_holder("digest", read_at, holder("bot"));

        assert!(cache.key_holder("digest").is_none());
    }
}
