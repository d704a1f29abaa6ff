//! MRZ parse time per document, on the same inputs `bench/mrz_python.py`
//! gives the Python `mrz` package (see `bench/mrz.sh`).

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

/// One line per document kind, shared with the Python script.
pub const DOCS: &str = include_str!("../bench/mrz_docs.txt");

fn docs() -> Vec<(String, String)> {
    DOCS.split("\n\n")
        .filter(|d| !d.trim().is_empty())
        .map(|d| {
            let (name, body) = d.split_once('\n').expect("name line then MRZ lines");
            (name.trim_start_matches("# ").to_owned(), body.trim().to_owned())
        })
        .collect()
}

fn parse(c: &mut Criterion) {
    for (name, mrz) in docs() {
        assert!(ghiseu::identity::parse_mrz(&mrz).is_ok_and(|m| m.valid), "{name} must be valid");
        c.bench_function(&format!("parse {name}"), |b| b.iter(|| ghiseu::identity::parse_mrz(black_box(&mrz))));
    }
}

criterion_group!(benches, parse);
criterion_main!(benches);
