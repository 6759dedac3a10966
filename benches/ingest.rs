//! Ingest throughput (MB/s of narrative text: title + narrative + reply) of `hotline ingest`
//! on the shared public exports, beside bare jieba-rs segmentation of the same texts on the
//! same number of threads, measured in the same run.
//!
//! `cargo bench --bench ingest` (needs `../shared` or `$HOTLINE_SHARED`; skips otherwise).
//! Benchmarks:
//! - `segment_jieba`: `Jieba::cut(text, hmm=true)` over every text, in parallel on the rayon
//!   pool (as many threads as tantivy's indexer uses here);
//! - `read`: `ingest::read_path` of the three files (decode, map headers, build cases);
//! - `ingest_no_tag`: the same run without tagging (segmentation + indexing);
//! - `ingest`: the whole run into a fresh index (read, tag, classify, index, commit, merge).
//!
//! After criterion's report it prints the same-run median MB/s of each and the ratio
//! ingest / bare segmentation, the figure of merit on a shared machine.

mod common;

use common::cpu_secs;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use rayon::prelude::*;

use hotline::index::CaseStore;
use hotline::ingest::{read_path, ReadOptions};
use hotline::pipeline::{ingest_paths, text_bytes, IngestOptions};
use hotline::text::segmenter;

/// Per-iteration wall and CPU seconds of each benchmark, recorded inside criterion's loops.
static TIMES: Mutex<Vec<(&'static str, f64, f64)>> = Mutex::new(Vec::new());

fn record(name: &'static str, iters: u64, wall: Duration, cpu: f64) {
    let n = iters.max(1) as f64;
    TIMES
        .lock()
        .unwrap()
        .push((name, wall.as_secs_f64() / n, cpu / n));
}

/// Median (wall, CPU) seconds per iteration.
fn median(name: &str) -> Option<(f64, f64)> {
    let rows: Vec<(f64, f64)> = TIMES
        .lock()
        .unwrap()
        .iter()
        .filter(|(n, _, _)| *n == name)
        .map(|(_, w, c)| (*w, *c))
        .collect();
    let pick = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied()
    };
    Some((
        pick(rows.iter().map(|r| r.0).collect())?,
        pick(rows.iter().map(|r| r.1).collect())?,
    ))
}

fn main() {
    let Some(shared) = hotline::testdata::shared_dir() else {
        println!("skipped: the ingest bench needs ../shared/datasets (or $HOTLINE_SHARED)");
        return;
    };
    let ds = shared.join("datasets");
    let files: Vec<PathBuf> = [
        "tipdm2020c/hotspot_messages.csv",
        "tipdm2020c/replies.csv",
        "shangluo_mailbox/mails.csv",
    ]
    .iter()
    .map(|f| ds.join(f))
    .collect();

    // The texts of the cases, as ingest indexes them.
    let mut texts = Vec::new();
    let mut bytes = 0u64;
    for f in &files {
        let batch = read_path(f, &ReadOptions::default()).expect("shared file reads");
        for c in batch.cases {
            bytes += text_bytes(&c);
            texts.extend(c.title);
            texts.push(c.narrative);
            texts.extend(c.reply);
        }
    }
    let jieba = segmenter().jieba();
    println!(
        "{} texts, {:.1} MB of narrative text, {} rayon threads",
        texts.len(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(15))
        .configure_from_args();
    let mut g = c.benchmark_group("ingest");
    g.throughput(Throughput::Bytes(bytes));
    g.sampling_mode(SamplingMode::Flat);

    g.bench_function("segment_jieba", |b| {
        b.iter_custom(|iters| {
            let (start, cpu) = (Instant::now(), cpu_secs());
            for _ in 0..iters {
                let n: usize = texts.par_iter().map(|t| jieba.cut(t, true).len()).sum();
                std::hint::black_box(n);
            }
            let d = start.elapsed();
            record("segment_jieba", iters, d, cpu_secs() - cpu);
            d
        })
    });

    g.bench_function("read", |b| {
        b.iter_custom(|iters| {
            let (start, cpu) = (Instant::now(), cpu_secs());
            for _ in 0..iters {
                for f in &files {
                    std::hint::black_box(read_path(f, &ReadOptions::default()).unwrap());
                }
            }
            let d = start.elapsed();
            record("read", iters, d, cpu_secs() - cpu);
            d
        })
    });

    g.bench_function("ingest_no_tag", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut cpu = 0.0;
            let opts = IngestOptions {
                tag: false,
                ..IngestOptions::default()
            };
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let (start, cpu0) = (Instant::now(), cpu_secs());
                let store = CaseStore::open(dir.path()).unwrap();
                let report = ingest_paths(&store, &files, &opts).unwrap();
                total += start.elapsed();
                cpu += cpu_secs() - cpu0;
                assert_eq!(report.stored, 8_311);
            }
            record("ingest_no_tag", iters, total, cpu);
            total
        })
    });

    g.bench_function("ingest", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut cpu = 0.0;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let (start, cpu0) = (Instant::now(), cpu_secs());
                let store = CaseStore::open(dir.path()).unwrap();
                let report = ingest_paths(&store, &files, &IngestOptions::default()).unwrap();
                total += start.elapsed();
                cpu += cpu_secs() - cpu0;
                assert_eq!(report.stored, 8_311);
            }
            record("ingest", iters, total, cpu);
            total
        })
    });
    g.finish();
    c.final_summary();

    let mb = bytes as f64 / 1e6;
    if let (Some(seg), Some(read), Some(bare), Some(ing)) = (
        median("segment_jieba"),
        median("read"),
        median("ingest_no_tag"),
        median("ingest"),
    ) {
        println!("\nsame-run medians ({mb:.1} MB of text): wall MB/s, and MB per CPU-second");
        for (name, (wall, cpu)) in [
            ("bare jieba segmentation", seg),
            ("read (csv -> cases)", read),
            ("ingest, no tagging", bare),
            ("ingest (read..commit)", ing),
        ] {
            println!(
                "  {name:<24} {:>8.2} MB/s  {:>8.2} MB/CPU-s",
                mb / wall,
                mb / cpu.max(1e-9)
            );
        }
        println!(
            "  ingest / segmentation    {:>7.1} % (wall)  {:>7.1} % (CPU)",
            100.0 * seg.0 / ing.0,
            100.0 * seg.1 / ing.1.max(1e-9)
        );
        println!(
            "  no-tag / segmentation    {:>7.1} % (wall)  {:>7.1} % (CPU)",
            100.0 * seg.0 / bare.0,
            100.0 * seg.1 / bare.1.max(1e-9)
        );
        println!(
            "  ingest / no-tag ingest   {:>7.1} % (wall)  {:>7.1} % (CPU)",
            100.0 * bare.0 / ing.0,
            100.0 * bare.1 / ing.1.max(1e-9)
        );
    }
}
