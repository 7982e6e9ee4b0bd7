//! Offline verification throughput: `cargo bench -p verdict-receipt` (the issue's goal is
//! ≥ 10,000 receipts/s for `verdict receipt verify`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use verdict_receipt::{action_digest, sample_receipt, verify, Action, KeySet};

fn benches(c: &mut Criterion) {
    let keys = KeySet::generate().expect("a key");
    let jwks = keys.jwks();
    let document = keys.sign(sample_receipt()).to_json().into_bytes();
    let mut group = c.benchmark_group("receipts");
    group.throughput(Throughput::Elements(1));
    group.bench_function("verify", |b| {
        b.iter(|| assert!(verify(std::hint::black_box(&document), &jwks).verified()))
    });
    group.bench_function("sign", |b| b.iter(|| keys.sign(sample_receipt())));
    let action: Action = serde_json::from_str(
        r#"{"product":"billing","operation":"refund.create","arguments":{"amount":950,"currency":"USD","order":"o_123","reason":"damaged"}}"#,
    )
    .expect("an action");
    group.bench_function("action_digest", |b| {
        b.iter(|| action_digest(std::hint::black_box(&action)))
    });
    group.finish();
}

criterion_group!(receipts, benches);
criterion_main!(receipts);
