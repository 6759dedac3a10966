//! Tagging throughput (cases/s on all cores) beside bare jieba segmentation of the same texts.
//! Texts: ../shared hotspot messages when present (`$HOTLINE_SHARED` first), else the
//! self-written fixture.
//!
//! Besides criterion's figures it prints a same-run summary: rounds of bare jieba `cut`,
//! `Segmenter::terms` (cut + normalisation + stopwords, what tagging reads) and `tag_cases`,
//! interleaved so machine load hits all three alike, with the median cases/s of each and
//! the ratios. The ratio, not the absolute, is the figure of merit on a shared machine.
//!
//! It also prints the cost of tagging alone on one thread, as ingest pays it: each case's
//! index tokens are made beforehand ([`CaseTokens::of`]) and the rounds time
//! [`pipeline::tag_case`] (the ingest path, no segmentation) beside one-thread bare jieba
//! `cut`, in thread CPU time per case. `HOTLINE_TAG_ONLY=N` runs just N passes of that
//! tagging loop and exits (for `valgrind --tool=callgrind --toggle-collect='*tag_with*'`).

use std::path::PathBuf;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hotline::index::CaseTokens;
use hotline::model::Case;
use hotline::pipeline;
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
    let tokens: Vec<CaseTokens> = cases.par_iter().map(CaseTokens::of).collect();
    if let Some(passes) = std::env::var("HOTLINE_TAG_ONLY")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
    {
        let mut tagged = cases.clone();
        for _ in 0..passes {
            for (c, t) in tagged.iter_mut().zip(&tokens) {
                pipeline::tag_case(c, t);
            }
        }
        std::hint::black_box(&tagged);
        std::process::exit(0);
    }
    single_thread(&cases, &tokens);
    summary(&cases, bytes);
    let mut g = c.benchmark_group("tag");
    g.sample_size(10);
    g.throughput(Throughput::Elements(cases.len() as u64));
    g.bench_function("jieba_cut", |b| {
        b.iter(|| {
            cases
                .par_iter()
                .map(|c| segmenter().cut(&c.text()).len())
                .sum::<usize>()
        })
    });
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

/// CPU time of the calling thread, in seconds.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// One thread: tagging from index tokens (the ingest path) beside bare jieba `cut`, thread
/// CPU µs per case, medians over interleaved rounds.
fn single_thread(cases: &[Case], tokens: &[CaseTokens]) {
    let rounds: usize = std::env::var("HOTLINE_TAG_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut tagged = cases.to_vec();
    let (mut cut, mut tag) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = thread_cpu();
        let n: usize = cases.iter().map(|c| segmenter().cut(&c.text()).len()).sum();
        cut.push(thread_cpu() - t);
        let t = thread_cpu();
        for (c, k) in tagged.iter_mut().zip(tokens) {
            pipeline::tag_case(c, k);
        }
        tag.push(thread_cpu() - t);
        std::hint::black_box(n);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (cut, tag) = (median(&mut cut), median(&mut tag));
    let n = cases.len() as f64;
    eprintln!("one thread, thread CPU medians over {rounds} interleaved rounds:");
    eprintln!(
        "  jieba cut (bare segmentation)  {:>8.1} µs/case",
        cut / n * 1e6
    );
    eprintln!(
        "  tag_case from index tokens     {:>8.1} µs/case",
        tag / n * 1e6
    );
    eprintln!("  tag only / jieba cut = {:.3}", tag / cut);
}

/// Interleaved rounds of the three jobs; prints median cases/s and MB/s and the ratios.
fn summary(cases: &[Case], bytes: usize) {
    let rounds: usize = std::env::var("HOTLINE_TAG_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let mut tagged = cases.to_vec();
    let mut times: [Vec<f64>; 3] = Default::default();
    for _ in 0..rounds {
        let t = Instant::now();
        let n: usize = cases
            .par_iter()
            .map(|c| segmenter().cut(&c.text()).len())
            .sum();
        times[0].push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let m: usize = cases
            .par_iter()
            .map(|c| segmenter().terms(&c.text()).len())
            .sum();
        times[1].push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        tag_cases(&mut tagged);
        times[2].push(t.elapsed().as_secs_f64());
        std::hint::black_box((n, m));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let [cut, terms, tag] = times.each_mut().map(median);
    let n = cases.len() as f64;
    let mb = bytes as f64 / 1e6;
    eprintln!(
        "same-run medians over {rounds} interleaved rounds, {} threads:",
        rayon::current_num_threads()
    );
    for (name, t) in [
        ("jieba cut (bare segmentation)", cut),
        ("segmenter terms (cut+normalise+stopwords)", terms),
        ("tag_cases", tag),
    ] {
        eprintln!("  {name:<42} {:>9.0} cases/s {:>7.2} MB/s", n / t, mb / t);
    }
    eprintln!(
        "  tag / jieba cut = {:.3}   tag / segmenter terms = {:.3}",
        cut / tag,
        terms / tag
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
