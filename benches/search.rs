//! Query latency of `hotline search` on the shared datasets replicated (with new ids) to
//! `HOTLINE_BENCH_N` cases (default 100,000): 30 queries each of 1, 2 and 3 words, top 10,
//! `HOTLINE_BENCH_ROUNDS` (default 10) timed passes after one warm-up pass. For each size it
//! prints p50 / p99 / max of wall time and of thread CPU time (the CPU figure does not count
//! waiting for a core, so it survives a loaded machine) for:
//! - `one pass (before)`: the query with its proximity clause, exact count and top 10 from one
//!   collector pass over every match (how search ranked before the proximity rescoring);
//! - `rank+count`: [`ranked`], what search does now (proximity added to the best 200 by BM25;
//!   a flat term union ranked with block-max WAND and counted apart);
//! - `full search`: [`search`], adding stored documents and snippets;
//!
//! and the time breakdown of the three slowest queries by median thread CPU (with and without
//! synonyms).
//!
//! The index is built once (no tagging: the queries do not use tags; two indexing threads,
//! 1 GiB writer budget) into `target/bench-index-N-<format>`, where `<format>` hashes the
//! schema, the tokenizer's output on a probe text and this bench's format version; a
//! `complete` marker says the build finished, and later runs reuse it. Skips without
//! ../shared. `HOTLINE_BENCH_QUICK=1` skips the criterion part; `HOTLINE_BENCH_PHASES='停水
//! 小区;噪音'` prints only those queries' breakdowns; `HOTLINE_BENCH_PROFILE='停水 小区'`
//! repeats one query for 8 s (for `perf record`).
//!
//! `HOTLINE_SHARED=/work/shared HOTLINE_BENCH_N=1000000 HOTLINE_BENCH_QUICK=1 cargo bench --bench search`
//! (the 1M index takes ~1.8 GiB under target/; delete it when done).

mod common;

use common::{dir_size, env_count, median_secs, percentile, thread_cpu_ms};
use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use hotline::index::CaseStore;
use hotline::search::recall::{
    load_shared_cases, DEFAULT_WORDS, THREE_TERM_QUERIES as THREE, TWO_TERM_QUERIES as TWO,
};
use hotline::search::{build_query, build_search_query, ranked, search, SearchRequest};
use tantivy::collector::{Count, TopDocs};

/// Bumped when the way this bench builds its index changes.
const BENCH_FORMAT: u32 = 2;

/// FNV-1a of the schema, the tokenizer's output on a probe text and [`BENCH_FORMAT`]: an index
/// built by another schema or tokenizer gets another directory.
fn format_key() -> u64 {
    let (schema, _) = hotline::index::schema();
    let probe = hotline::index::tokenizer::index_tokens(
        "市民反映丽发新城小区路灯不亮，拖欠农民工工资３个月，ＡＢＣ公交车站😀",
    );
    let text = format!(
        "{}|{probe:?}|{BENCH_FORMAT}",
        serde_json::to_string(&schema).unwrap_or_default()
    );
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

fn index_dir(n: usize) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!(
        "target/bench-index-{n}-{:08x}",
        format_key() as u32
    ))
}

/// Opens the cached index of `n` cases, or builds it (all threads, large writer budget, no
/// tagging) and marks it complete.
fn build(n: usize, dir: &Path) -> CaseStore {
    let marker = dir.join("complete");
    if marker.is_file() {
        let store = CaseStore::open(dir).expect("open bench index");
        if store.len() as usize == n {
            eprintln!("reusing {} ({} cases)", dir.display(), n);
            return store;
        }
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("remove incomplete bench index");
    }
    let store = CaseStore::open(dir).expect("open bench index");
    let shared = hotline::testdata::shared_dir().expect("shared datasets");
    let base = load_shared_cases(&shared).expect("load datasets");
    let t = Instant::now();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let writer: tantivy::IndexWriter = store
        .index()
        .writer_with_num_threads(threads, 1 << 30)
        .expect("writer");
    let mut k = 0;
    'outer: for round in 0.. {
        for c in &base {
            if k == n {
                break 'outer;
            }
            let mut c = c.clone();
            c.id = format!("{}-r{round}", c.id);
            let doc = store
                .into_doc(c, hotline::index::hash64("bench"))
                .expect("doc");
            writer.add_document(doc).expect("add");
            k += 1;
            if k % 100_000 == 0 {
                eprintln!("  indexed {k} in {:.0}s", t.elapsed().as_secs_f64());
            }
        }
    }
    let mut writer = writer;
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merge");
    let store = CaseStore::open(dir).expect("reopen");
    std::fs::write(&marker, format!("{n}\n")).expect("marker");
    println!(
        "built {} cases in {:.1}s ({threads} threads, {} base cases)",
        store.len(),
        t.elapsed().as_secs_f64(),
        base.len()
    );
    store
}

/// What [`latencies`] times.
#[derive(Clone, Copy)]
enum Mode {
    /// `search`: ranking, exact count, stored documents, snippets.
    Full,
    /// `ranked`: ranking (proximity rescoring of the top 200) and exact count.
    Ranked,
    /// The way search ranked before: one query with the proximity clause, the exact count
    /// and the top 10 from one collector pass over every match.
    OnePass,
}

struct Latency {
    p50: f64,
    p99: f64,
    max: f64,
    cpu_p50: f64,
    cpu_p99: f64,
    cpu_max: f64,
    count: usize,
    /// (median thread CPU ms, query) of the slowest queries, slowest first.
    slowest: Vec<(f64, String)>,
}

/// Latencies in ms over `rounds` passes of `queries`: the full search, or only ranking and
/// counting (no stored documents, no snippets).
fn latencies(store: &CaseStore, queries: &[&str], rounds: usize, mode: Mode) -> Latency {
    let searcher = store.reader().searcher();
    let mut v = Vec::new();
    let mut cpu = Vec::new();
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); queries.len()];
    for _ in 0..rounds {
        for (qi, q) in queries.iter().enumerate() {
            let req = SearchRequest::new(*q);
            let (t, c) = (Instant::now(), thread_cpu_ms());
            match mode {
                Mode::Full => {
                    std::hint::black_box(search(store, &req).expect("search"));
                }
                Mode::Ranked => {
                    let q = build_search_query(store, &req).expect("query");
                    std::hint::black_box(ranked(&searcher, &q, 10, 0).expect("search"));
                }
                Mode::OnePass => {
                    let (q, _) = build_query(store, &req).expect("query");
                    let top = TopDocs::with_limit(10).order_by_score();
                    std::hint::black_box(searcher.search(&*q, &(Count, top)).expect("search"));
                }
            }
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            let cpu_ms = thread_cpu_ms() - c;
            cpu.push(cpu_ms);
            v.push(ms);
            per[qi].push(cpu_ms);
        }
    }
    let mut slowest: Vec<(f64, String)> = per
        .iter_mut()
        .zip(queries)
        .map(|(p, q)| (percentile(p, 0.5), q.to_string()))
        .collect();
    slowest.sort_by(|a, b| b.0.total_cmp(&a.0));
    slowest.truncate(3);
    Latency {
        p50: percentile(&mut v, 0.5),
        p99: percentile(&mut v, 0.99),
        max: v.iter().copied().fold(0.0, f64::max),
        cpu_p50: percentile(&mut cpu, 0.5),
        cpu_p99: percentile(&mut cpu, 0.99),
        cpu_max: cpu.iter().copied().fold(0.0, f64::max),
        count: v.len(),
        slowest,
    }
}

/// Median ms of `f` over `reps` runs.
fn median_ms(reps: usize, f: impl FnMut()) -> f64 {
    1000.0 * median_secs(reps, f)
}

/// Where the time of one query goes: building the query, the top 10 of the matching query
/// alone, the exact count alone, ranking and counting as the search does them (with the
/// proximity rescoring), the full search (adds stored documents and snippets).
fn phases(store: &CaseStore, q: &str) -> String {
    let searcher = store.reader().searcher();
    let req = SearchRequest::new(q);
    let built = build_search_query(store, &req).expect("query");
    let build = median_ms(20, || {
        std::hint::black_box(build_search_query(store, &req).expect("query"));
    });
    let top_ms = median_ms(10, || {
        let top = TopDocs::with_limit(10).order_by_score();
        std::hint::black_box(searcher.search(&*built.matching, &top).expect("top"));
    });
    let mut total = 0;
    let count_ms = median_ms(10, || {
        total = searcher.search(&*built.matching, &Count).expect("count");
    });
    let ranked_ms = median_ms(10, || {
        std::hint::black_box(ranked(&searcher, &built, 10, 0).expect("ranked"));
    });
    let full_ms = median_ms(10, || {
        std::hint::black_box(search(store, &req).expect("search"));
    });
    let mut plain = req.clone();
    plain.options.synonyms = false;
    let nosyn_ms = median_ms(10, || {
        std::hint::black_box(search(store, &plain).expect("search"));
    });
    format!(
        "{q:<14} hits {total:>7}: build {build:.3} | top10 {top_ms:.3} | count {count_ms:.3} | rank+count {ranked_ms:.3} | full {full_ms:.3} ms | full without synonyms {nosyn_ms:.3} ms (term union: {})",
        built.term_union
    )
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    if hotline::testdata::shared_dir().is_none() {
        eprintln!("skipped: ../shared not found (set HOTLINE_SHARED)");
        return;
    }
    let n = env_count("HOTLINE_BENCH_N", 100_000);
    let rounds = env_count("HOTLINE_BENCH_ROUNDS", 10).max(1);
    let dir = index_dir(n);
    let store = build(n, &dir);
    let searcher = store.reader().searcher();
    println!(
        "index: {} cases, {} segments, {:.1} MiB on disk ({})",
        store.len(),
        searcher.segment_readers().len(),
        dir_size(&dir) as f64 / 1024.0 / 1024.0,
        dir.display()
    );
    if let Ok(q) = std::env::var("HOTLINE_BENCH_PROFILE") {
        // Repeat one query for `perf record`: HOTLINE_BENCH_PROFILE='停水 小区'.
        let t = Instant::now();
        let mut k = 0;
        while t.elapsed().as_secs() < 8 {
            std::hint::black_box(search(&store, &SearchRequest::new(q.as_str())).expect("search"));
            k += 1;
        }
        println!("{q}: {k} searches, {:.3} ms each", 8000.0 / k as f64);
        return;
    }
    if let Ok(qs) = std::env::var("HOTLINE_BENCH_PHASES") {
        // Only the time breakdown of some queries: HOTLINE_BENCH_PHASES='停水 小区;消防通道'.
        for q in qs.split(';') {
            search(&store, &SearchRequest::new(q)).expect("warm");
            println!("    {}", phases(&store, q));
        }
        return;
    }
    println!("load average before: {}", loadavg());
    let sizes: [(&str, &[&str]); 3] = [
        ("1-term", &DEFAULT_WORDS[..]),
        ("2-term", &TWO[..]),
        ("3-term", &THREE[..]),
    ];
    for (name, qs) in sizes {
        // warm the page cache and the synonym tables
        latencies(&store, qs, 1, Mode::Full);
        let o = latencies(&store, qs, rounds, Mode::OnePass);
        let q = latencies(&store, qs, rounds, Mode::Ranked);
        let f = latencies(&store, qs, rounds, Mode::Full);
        println!(
            "{name}: one pass (before) wall p50={:.3} p99={:.3} max={:.3} ms | thread CPU p50={:.3} p99={:.3} max={:.3} ms ({} runs)",
            o.p50, o.p99, o.max, o.cpu_p50, o.cpu_p99, o.cpu_max, o.count
        );
        println!(
            "{name}: rank+count   wall p50={:.3} p99={:.3} max={:.3} ms | thread CPU p50={:.3} p99={:.3} max={:.3} ms ({} runs)",
            q.p50, q.p99, q.max, q.cpu_p50, q.cpu_p99, q.cpu_max, q.count
        );
        println!(
            "{name}: full search  wall p50={:.3} p99={:.3} max={:.3} ms | thread CPU p50={:.3} p99={:.3} max={:.3} ms ({} runs; top 10 with exact count, docs, snippets)",
            f.p50, f.p99, f.max, f.cpu_p50, f.cpu_p99, f.cpu_max, f.count
        );
        for (cpu_ms, q) in &f.slowest {
            println!("    CPU {cpu_ms:.3} ms | {}", phases(&store, q));
        }
    }
    println!("load average after: {}", loadavg());
    if std::env::var_os("HOTLINE_BENCH_QUICK").is_some() {
        return;
    }
    let mut g = c.benchmark_group("search");
    g.sample_size(20);
    for (name, qs) in sizes {
        g.bench_function(name, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % qs.len();
                search(&store, &SearchRequest::new(qs[i])).expect("search")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
