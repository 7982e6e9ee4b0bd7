//! The explorer's charts as SVG drawn on the server: they render without JavaScript and follow
//! the filter, because the filter is the URL.

use leptos::prelude::*;

use crate::model::{format_utc, RiskTier, TierCount, TraceCharts, VolumeBucket, WaitBucket};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 160.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;

/// The outcomes stacked in each bar, bottom up, with the class that colours them.
const STACK: [(&str, &str); 4] = [
    ("allow", "chart-allow"),
    ("requires exception", "chart-requires"),
    ("deny", "chart-deny"),
    ("not evaluated", "chart-none"),
];

#[component]
pub fn TraceChartsView(charts: TraceCharts) -> impl IntoView {
    let unit = if charts.bucket_millis < 86_400_000 {
        "hour"
    } else {
        "day"
    };
    view! {
        <section class="charts" aria-label="Charts of the filtered decisions">
            <figure>
                <figcaption>
                    {format!("Decisions per {unit} by outcome, {} to {}", format_utc(charts.from), format_utc(charts.to))}
                </figcaption>
                <VolumeChart buckets=charts.volume bucket_millis=charts.bucket_millis />
                <ul class="chart-legend">
                    {STACK.iter().map(|(label, class)| view! {
                        <li><span class=format!("swatch {class}")></span>{*label}</li>
                    }).collect_view()}
                </ul>
            </figure>
            <figure>
                <figcaption>"Time to answer approval requests"</figcaption>
                <WaitChart buckets=charts.approval_times />
            </figure>
            <figure>
                <figcaption>"Decisions by risk tier"</figcaption>
                <TierChart tiers=charts.risk_tiers />
            </figure>
        </section>
    }
}

#[component]
fn VolumeChart(buckets: Vec<VolumeBucket>, bucket_millis: i64) -> impl IntoView {
    let total: i64 = buckets.iter().map(VolumeBucket::total).sum();
    let peak = buckets
        .iter()
        .map(VolumeBucket::total)
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_width = WIDTH - LEFT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = plot_width / buckets.len().max(1) as f64;
    let bar_width = (slot * 0.8).max(1.0);
    let first = buckets.first().map(|bucket| bucket.start);
    let last = buckets.last().map(|bucket| bucket.start);
    let unit = if bucket_millis < 86_400_000 {
        "hour"
    } else {
        "day"
    };
    let noun = if total == 1 { "decision" } else { "decisions" };
    let summary = format!("{total} {noun}; the busiest {unit} had {peak}.");
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=summary>
            <line class="chart-axis" x1=LEFT y1=TOP x2=LEFT y2=HEIGHT - BOTTOM />
            <line class="chart-axis" x1=LEFT y1=HEIGHT - BOTTOM x2=WIDTH y2=HEIGHT - BOTTOM />
            <text class="chart-label" x=LEFT - 4.0 y=TOP + 8.0 text-anchor="end">{peak}</text>
            <text class="chart-label" x=LEFT - 4.0 y=HEIGHT - BOTTOM text-anchor="end">"0"</text>
            {first.map(|start| view! {
                <text class="chart-label" x=LEFT y=HEIGHT - 6.0>{format_utc(start)}</text>
            })}
            {last.filter(|last| Some(*last) != first).map(|start| view! {
                <text class="chart-label" x=WIDTH y=HEIGHT - 6.0 text-anchor="end">{format_utc(start)}</text>
            })}
            {buckets.into_iter().enumerate().filter(|(_, bucket)| bucket.total() > 0).map(|(index, bucket)| {
                let x = LEFT + index as f64 * slot + (slot - bar_width) / 2.0;
                let counts = [bucket.allow, bucket.requires_exception, bucket.deny, bucket.not_evaluated];
                let mut base = HEIGHT - BOTTOM;
                let segments = counts.iter().zip(STACK).filter(|(count, _)| **count > 0).map(|(count, (_, class))| {
                    let height = *count as f64 / peak as f64 * plot_height;
                    base -= height;
                    view! { <rect class=class x=format!("{x:.1}") y=format!("{base:.1}") width=format!("{bar_width:.1}") height=format!("{height:.1}") /> }
                }).collect_view();
                let title = format!(
                    "{}: {} decisions ({} allow, {} requires exception, {} deny, {} not evaluated)",
                    format_utc(bucket.start), bucket.total(), bucket.allow, bucket.requires_exception, bucket.deny, bucket.not_evaluated
                );
                view! { <g><title>{title}</title>{segments}</g> }
            }).collect_view()}
        </svg>
    }
}

#[component]
fn WaitChart(buckets: Vec<WaitBucket>) -> impl IntoView {
    let answered: i64 = buckets.iter().map(|bucket| bucket.answered).sum();
    let bars = buckets
        .into_iter()
        .map(|bucket| (bucket.label, bucket.answered, "chart-wait"))
        .collect();
    let summary = format!("{answered} answered approval requests by time to answer.");
    view! { <BarList bars summary /> }
}

/// The bars' colours are the tier badges' (green, blue, amber, red), from the chart palette.
fn tier_bar(tier: Option<RiskTier>) -> (&'static str, &'static str) {
    match tier {
        Some(RiskTier::ReadOnly) => ("read only", "chart-allow"),
        Some(RiskTier::LocalWrite) => ("local write", "chart-wait"),
        Some(RiskTier::Network) => ("network", "chart-requires"),
        Some(RiskTier::Delegated) => ("delegated", "chart-requires"),
        Some(RiskTier::Destructive) => ("destructive", "chart-deny"),
        None => ("no product used", "chart-none"),
    }
}

#[component]
fn TierChart(tiers: Vec<TierCount>) -> impl IntoView {
    let total: i64 = tiers.iter().map(|count| count.decisions).sum();
    let bars = tiers
        .into_iter()
        .map(|count| {
            let (label, class) = tier_bar(count.tier);
            (label.to_owned(), count.decisions, class)
        })
        .collect();
    let noun = if total == 1 { "decision" } else { "decisions" };
    let summary = format!("{total} {noun} by the highest risk tier of the data they used.");
    view! { <BarList bars summary /> }
}

/// Horizontal bars, one a row: a label, a bar as long as its count (the longest filling the
/// width) and the count.
#[component]
fn BarList(bars: Vec<(String, i64, &'static str)>, summary: String) -> impl IntoView {
    const ROW: f64 = 20.0;
    const LABEL: f64 = 110.0;
    let peak = bars
        .iter()
        .map(|(_, count, _)| *count)
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW * bars.len() as f64;
    view! {
        <svg class="chart" viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=summary>
            {bars.into_iter().enumerate().map(|(index, (label, count, class))| {
                let y = index as f64 * ROW;
                let width = count as f64 / peak as f64 * (WIDTH - LABEL - 60.0);
                view! {
                    <text class="chart-label" x=LABEL - 6.0 y=y + 14.0 text-anchor="end">{label}</text>
                    <rect class=class x=LABEL y=y + 4.0 width=format!("{width:.1}") height=ROW - 8.0 />
                    <text class="chart-label" x=LABEL + width + 6.0 y=y + 14.0>{count}</text>
                }
            }).collect_view()}
        </svg>
    }
}
