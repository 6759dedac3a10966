//! Tagging throughput (cases/s on all cores) beside bare jieba segmentation of the same texts.
//! Texts: the self-written fixture, plus ../shared hotspot messages when present.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hotline::model::Case;
use hotline::tag::tag_cases;
use hotline::text::segmenter;
use rayon::prelude::*;

fn texts() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let shared = std::env::var_os("HOTLINE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let hot = shared.join("datasets/tipdm2020c/hotspot_messages.csv");
    if let Ok(mut rdr) = csv::Reader::from_path(&hot) {
        for r in rdr.records().flatten().take(2000) {
            out.push((r[2].to_string(), r[4].to_string()));
        }
    }
    if out.is_empty() {
        let fx = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tag/cases.csv");
        let mut rdr = csv::Reader::from_path(fx).expect("fixture");
        let rows: Vec<(String, String)> = rdr
            .records()
            .flatten()
            .map(|r| (r[1].to_string(), r[2].to_string()))
            .collect();
        for _ in 0..50 {
            out.extend(rows.iter().cloned());
        }
    }
    out
}

fn bench(c: &mut Criterion) {
    let texts = texts();
    let bytes: usize = texts.iter().map(|(t, b)| t.len() + b.len()).sum();
    eprintln!(
        "{} texts, mean {} bytes, {} threads",
        texts.len(),
        bytes / texts.len(),
        rayon::current_num_threads()
    );
    let cases: Vec<Case> = texts
        .iter()
        .enumerate()
        .map(|(i, (t, b))| {
            let mut c = Case::new(i.to_string(), b.clone());
            c.title = Some(t.clone());
            c
        })
        .collect();
    let _ = hotline::tag::tagger();
    let mut g = c.benchmark_group("tag");
    g.sample_size(10);
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("segment_only", |b| {
        b.iter(|| {
            cases
                .par_iter()
                .map(|c| segmenter().terms(&c.text()).len())
                .sum::<usize>()
        })
    });
    g.bench_function("tag_cases", |b| {
        b.iter_batched(
            || cases.clone(),
            |mut cs| {
                tag_cases(&mut cs);
                cs
            },
            criterion::BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
