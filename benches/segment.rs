//! Segmentation throughput (MB/s) on the narrative texts of the shared public exports (or on
//! the seed reports in corpus/ when `../shared` is absent): bare jieba-rs on one thread and
//! on the rayon pool, the pipeline's [`Segmenter::tokens`] and [`Segmenter::terms`], and the
//! index tokenizer ([`ZhTokenizer`]) as tantivy drives it.
//!
//! `cargo bench --bench segment`
//!
//! [`Segmenter::tokens`]: hotline::text::Segmenter::tokens
//! [`Segmenter::terms`]: hotline::text::Segmenter::terms
//! [`ZhTokenizer`]: hotline::index::tokenizer::ZhTokenizer

use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput};
use rayon::prelude::*;
use tantivy::tokenizer::{TokenStream, Tokenizer};

use hotline::index::tokenizer::ZhTokenizer;
use hotline::ingest::{read_path, ReadOptions};
use hotline::text::segmenter;

fn texts() -> (Vec<String>, &'static str) {
    if let Some(shared) = hotline::testdata::shared_dir() {
        let ds = shared.join("datasets");
        let mut out = Vec::new();
        for f in [
            "tipdm2020c/hotspot_messages.csv",
            "tipdm2020c/replies.csv",
            "shangluo_mailbox/mails.csv",
        ] {
            if let Ok(b) = read_path(&ds.join(f), &ReadOptions::default()) {
                for c in b.cases {
                    out.extend(c.title);
                    out.push(c.narrative);
                    out.extend(c.reply);
                }
            }
        }
        if !out.is_empty() {
            return (out, "shared exports");
        }
    }
    println!("../shared is absent: segmenting the seed reports in corpus/ instead");
    let corpus = hotline::testdata::project_dir().join("corpus");
    let mut out = Vec::new();
    for e in std::fs::read_dir(corpus).into_iter().flatten().flatten() {
        if let Ok(t) = std::fs::read_to_string(e.path()) {
            out.extend(
                t.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            );
        }
    }
    (out, "corpus seeds")
}

fn main() {
    let (texts, what) = texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "{} texts from the {what}, {:.1} MB, {} rayon threads",
        texts.len(),
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );
    let seg = segmenter();
    let jieba = seg.jieba();

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();
    let mut g = c.benchmark_group("segment");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.sampling_mode(SamplingMode::Flat);
    g.bench_function("jieba_cut_1_thread", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| jieba.cut(t, true).len())
                .sum::<usize>()
        })
    });
    g.bench_function("jieba_cut_parallel", |b| {
        b.iter(|| {
            texts
                .par_iter()
                .map(|t| jieba.cut(t, true).len())
                .sum::<usize>()
        })
    });
    g.bench_function("segmenter_tokens_parallel", |b| {
        b.iter(|| texts.par_iter().map(|t| seg.tokens(t).len()).sum::<usize>())
    });
    g.bench_function("segmenter_terms_parallel", |b| {
        b.iter(|| texts.par_iter().map(|t| seg.terms(t).len()).sum::<usize>())
    });
    g.bench_function("zh_tokenizer_parallel", |b| {
        b.iter(|| {
            texts
                .par_iter()
                .map(|t| {
                    let mut tok = ZhTokenizer::default();
                    let mut stream = tok.token_stream(t);
                    let mut n = 0usize;
                    while stream.advance() {
                        n += stream.token().text.len();
                    }
                    n
                })
                .sum::<usize>()
        })
    });
    g.finish();
    c.final_summary();
}
