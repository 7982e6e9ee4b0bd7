//! The explorer's charts: the filtered decisions per hour or day by outcome, how long their
//! approval requests waited, and how many reached each risk tier. Computed in SQL over the charted window only, so a year of history
//! costs what the window holds.

use crate::{
    error::AppResult,
    model::{RiskTier, TierCount, TraceCharts, TraceFilter, VolumeBucket, WaitBucket},
    ssr::{
        db::Db,
        store::traces::{approval_time_counts, outcome_counts, tier_counts},
    },
};

use super::traces::prepare;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;
/// The window charted when the filter names no start.
const DEFAULT_WINDOW: i64 = 14 * DAY;
/// Windows up to this long are charted per hour, longer ones per day.
const HOURLY_UP_TO: i64 = 3 * DAY;
/// The most buckets a chart draws; a longer window is shortened to its newest part.
const MAX_BUCKETS: i64 = 400;

const WAIT_LABELS: [&str; 6] = [
    "under 1 min",
    "1–10 min",
    "10 min–1 h",
    "1–4 h",
    "4–24 h",
    "a day or more",
];

pub async fn charts(db: &Db, filter: &TraceFilter, now: i64) -> AppResult<TraceCharts> {
    let prepared = prepare(db, filter).await?;
    let to = filter.to.unwrap_or(now + 1);
    let requested_from = filter.from.unwrap_or(to - DEFAULT_WINDOW).min(to);
    let bucket_millis = if to - requested_from <= HOURLY_UP_TO {
        HOUR
    } else {
        DAY
    };
    let first_bucket = (requested_from / bucket_millis).max(to / bucket_millis - MAX_BUCKETS);
    let from = (first_bucket * bucket_millis).max(requested_from);

    let mut window = prepared.list_filter().clone();
    window.from = Some(from);
    window.to = Some(to);
    // Three read-only aggregates on three pooled connections, at once.
    let (counts, waits, tiers) = tokio::try_join!(
        outcome_counts(&db.pool, db.backend, &window, bucket_millis),
        approval_time_counts(&db.pool, db.backend, &window),
        tier_counts(&db.pool, db.backend, &window),
    )?;

    Ok(TraceCharts {
        from,
        to,
        bucket_millis,
        volume: volume(first_bucket * bucket_millis, to, bucket_millis, &counts),
        approval_times: WAIT_LABELS
            .iter()
            .enumerate()
            .map(|(index, label)| WaitBucket {
                label: (*label).to_owned(),
                answered: waits
                    .iter()
                    .filter(|(bucket, _)| *bucket == index as i64)
                    .map(|(_, answered)| answered)
                    .sum(),
            })
            .collect(),
        risk_tiers: risk_tiers(&tiers),
    })
}

/// Every tier, least risky first, then `None`, filled from the `(tier or "none", count)` rows.
fn risk_tiers(counts: &[(String, i64)]) -> Vec<TierCount> {
    let tiers = RiskTier::ALL.iter().copied().map(Some).chain([None]);
    tiers
        .map(|tier| TierCount {
            tier,
            decisions: counts
                .iter()
                .filter(|(name, _)| *name == tier.map_or("none", RiskTier::as_str))
                .map(|(_, decisions)| decisions)
                .sum(),
        })
        .collect()
}

/// Every bucket from `first_start` up to `to`, filled from the `(start, outcome, count)` rows.
fn volume(
    first_start: i64,
    to: i64,
    bucket_millis: i64,
    counts: &[(i64, String, i64)],
) -> Vec<VolumeBucket> {
    let mut buckets: Vec<VolumeBucket> = (0..=MAX_BUCKETS)
        .map(|index| first_start + index * bucket_millis)
        .take_while(|start| *start < to)
        .map(|start| VolumeBucket {
            start,
            ..VolumeBucket::default()
        })
        .collect();
    for (start, outcome, count) in counts {
        let Some(bucket) = buckets.get_mut(((start - first_start) / bucket_millis) as usize) else {
            continue;
        };
        match outcome.as_str() {
            "allow" => bucket.allow += count,
            "requires_exception" => bucket.requires_exception += count,
            "deny" => bucket.deny += count,
            _ => bucket.not_evaluated += count,
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::{risk_tiers, volume, HOUR, WAIT_LABELS};
    use crate::{model::RiskTier, ssr::store::traces::APPROVAL_TIME_BOUNDS};

    #[test]
    fn every_bucket_of_the_window_is_drawn_and_filled_by_outcome() {
        let counts = vec![
            (0, "allow".to_owned(), 3),
            (2 * HOUR, "deny".to_owned(), 1),
            (2 * HOUR, "none".to_owned(), 2),
        ];

        let buckets = volume(0, 3 * HOUR, HOUR, &counts);

        assert_eq!(buckets.len(), 3);
        assert_eq!((buckets[0].allow, buckets[0].total()), (3, 3));
        assert_eq!(buckets[1].total(), 0);
        assert_eq!((buckets[2].deny, buckets[2].not_evaluated), (1, 2));
    }

    #[test]
    fn every_tier_is_counted_least_risky_first_then_none() {
        let counts = vec![("network".to_owned(), 2), ("none".to_owned(), 5)];

        let tiers = risk_tiers(&counts);

        let listed: Vec<(Option<RiskTier>, i64)> = tiers
            .iter()
            .map(|count| (count.tier, count.decisions))
            .collect();
        assert_eq!(
            listed,
            [
                (Some(RiskTier::ReadOnly), 0),
                (Some(RiskTier::LocalWrite), 0),
                (Some(RiskTier::Network), 2),
                (Some(RiskTier::Delegated), 0),
                (Some(RiskTier::Destructive), 0),
                (None, 5),
            ]
        );
    }

    #[test]
    fn there_is_a_label_for_each_wait_bucket() {
        assert_eq!(WAIT_LABELS.len(), APPROVAL_TIME_BOUNDS.len() + 1);
    }
}
