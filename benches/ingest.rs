//! Ingest throughput (MB/s of narrative text: title + narrative + reply) of `hotline ingest`
//! on the shared public exports, beside bare jieba-rs segmentation of the same texts on the
//! same number of threads, measured in the same run.
//!
//! `cargo bench --bench ingest` (needs `../shared` or `$HOTLINE_SHARED`; skips otherwise).
//! Benchmarks:
//! - `segment_jieba`: `Jieba::cut(text, hmm=true)` over every text, in parallel on the rayon
//!   pool (as many threads as tantivy's indexer uses here);
//! - `read`: `ingest::read_path` of the three files (decode, map headers, build cases);
//! - `ingest`: the whole run into a fresh index (read, tag, classify, index, commit, merge).
//!
//! After criterion's report it prints the same-run median MB/s of each and the ratio
//! ingest / bare segmentation, the figure of merit on a shared machine.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput};
use rayon::prelude::*;

use hotline::index::CaseStore;
use hotline::ingest::{read_path, ReadOptions};
use hotline::pipeline::{ingest_paths, text_bytes, IngestOptions};
use hotline::text::segmenter;

/// Per-iteration times of each benchmark, recorded from inside criterion's loops.
static TIMES: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());

fn record(name: &'static str, iters: u64, total: Duration) {
    let per = total / iters.max(1) as u32;
    TIMES.lock().unwrap().push((name, per));
}

fn median(name: &str) -> Option<Duration> {
    let mut v: Vec<Duration> = TIMES
        .lock()
        .unwrap()
        .iter()
        .filter(|(n, _)| *n == name)
        .map(|(_, d)| *d)
        .collect();
    v.sort();
    v.get(v.len() / 2).copied()
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
            let start = Instant::now();
            for _ in 0..iters {
                let n: usize = texts.par_iter().map(|t| jieba.cut(t, true).len()).sum();
                std::hint::black_box(n);
            }
            let d = start.elapsed();
            record("segment_jieba", iters, d);
            d
        })
    });

    g.bench_function("read", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            for _ in 0..iters {
                for f in &files {
                    std::hint::black_box(read_path(f, &ReadOptions::default()).unwrap());
                }
            }
            let d = start.elapsed();
            record("read", iters, d);
            d
        })
    });

    g.bench_function("ingest", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let start = Instant::now();
                let store = CaseStore::open(dir.path()).unwrap();
                let report = ingest_paths(&store, &files, &IngestOptions::default()).unwrap();
                total += start.elapsed();
                assert_eq!(report.stored, 8_311);
            }
            record("ingest", iters, total);
            total
        })
    });
    g.finish();
    c.final_summary();

    let mbps = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    if let (Some(seg), Some(read), Some(ing)) =
        (median("segment_jieba"), median("read"), median("ingest"))
    {
        println!("\nsame-run medians ({:.1} MB of text):", bytes as f64 / 1e6);
        println!("  bare jieba segmentation  {:>8.2} MB/s", mbps(seg));
        println!("  read (csv -> cases)      {:>8.2} MB/s", mbps(read));
        println!("  ingest (read..commit)    {:>8.2} MB/s", mbps(ing));
        println!(
            "  ingest / segmentation    {:>8.1} %",
            100.0 * seg.as_secs_f64() / ing.as_secs_f64()
        );
    }
}
