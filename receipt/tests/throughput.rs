//! Offline verification throughput, measured in a release build:
//! `cargo test -p verdict-receipt --release --test throughput -- --nocapture`.
//! The goal (issue 17) is at least 10,000 receipts a second on one core. The figure is printed,
//! not asserted: timings belong in measurements, not in pass/fail tests (a loaded CI machine
//! would fail it). It does check that every receipt verified.

use std::time::Instant;

use verdict_receipt::{sample_receipt, verify, KeySet};

#[test]
fn offline_verification_throughput() {
    let keys = KeySet::generate().unwrap();
    let jwks = keys.jwks();
    let documents: Vec<Vec<u8>> = (0..200)
        .map(|index| {
            let mut receipt = sample_receipt();
            receipt.decision_id = format!("dec_{index}");
            keys.sign(receipt).to_json().into_bytes()
        })
        .collect();
    let rounds = if cfg!(debug_assertions) { 2 } else { 100 };
    let started = Instant::now();
    let mut verified = 0usize;
    for _ in 0..rounds {
        for document in &documents {
            verified += usize::from(verify(document, &jwks).verified());
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(verified, rounds * documents.len());
    let per_second = verified as f64 / elapsed.as_secs_f64();
    println!(
        "verified {verified} receipts ({} bytes each) in {elapsed:.2?}: {per_second:.0} receipts/s on one thread",
        documents[0].len()
    );
}
