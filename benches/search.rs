//! Query latency of `hotline search` on the shared datasets replicated (with new ids) to
//! `HOTLINE_BENCH_N` cases (default 100,000): p50 / p99 of 1-, 2- and 3-term queries, top 10,
//! for the bare tantivy query and for the full search (count, snippets), and the index size.
//! The index is built once into `target/bench-index-N` and reused. Skips without ../shared.

use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use hotline::index::CaseStore;
use hotline::search::recall::{load_shared_cases, DEFAULT_WORDS};
use hotline::search::{build_query, search, SearchRequest};
use tantivy::collector::TopDocs;

const TWO: [&str; 10] = [
    "小区 停车",
    "拖欠 工资",
    "路灯 不亮",
    "噪音 扰民",
    "物业 收费",
    "公交 线路",
    "学位 入学",
    "油烟 烧烤",
    "拆迁 补偿",
    "开发商 交房",
];
const THREE: [&str; 10] = [
    "小区 停车 收费",
    "拖欠 农民工 工资",
    "路灯 不亮 晚上",
    "噪音 扰民 施工",
    "物业 电梯 维修",
    "公交 线路 增加",
    "学位 入学 小学",
    "油烟 烧烤 扰民",
    "拆迁 补偿 安置",
    "开发商 交房 延期",
];

fn bench_n() -> usize {
    std::env::var("HOTLINE_BENCH_N")
        .ok()
        .and_then(|s| s.replace('_', "").parse().ok())
        .unwrap_or(100_000)
}

fn dir_size(p: &Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| {
                    let m = e.metadata().map(|m| m.len()).unwrap_or(0);
                    if e.path().is_dir() {
                        dir_size(&e.path())
                    } else {
                        m
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn build(n: usize, dir: &Path) -> CaseStore {
    let store = CaseStore::open(dir).expect("open bench index");
    if store.len() as usize >= n {
        return store;
    }
    let shared = hotline::testdata::shared_dir().expect("shared datasets");
    let base = load_shared_cases(&shared).expect("load datasets");
    let t = Instant::now();
    let mut writer = store.writer().expect("writer");
    writer.delete_all_documents().expect("clear");
    let mut k = 0;
    'outer: for round in 0.. {
        for c in &base {
            if k == n {
                break 'outer;
            }
            let mut c = c.clone();
            c.id = format!("{}-r{round}", c.id);
            let doc = store.to_doc(&c, "bench").expect("doc");
            writer.add_document(doc).expect("add");
            k += 1;
            if k % 100_000 == 0 {
                eprintln!("  indexed {k}");
            }
        }
    }
    writer.commit().expect("commit");
    writer.wait_merging_threads().expect("merge");
    let store = CaseStore::open(dir).expect("reopen");
    eprintln!(
        "built {} cases in {:.1}s",
        store.len(),
        t.elapsed().as_secs_f64()
    );
    store
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i]
}

/// p50 and p99 in ms, and the query with the slowest median.
fn latencies(store: &CaseStore, queries: &[&str], rounds: usize, full: bool) -> (f64, f64, String) {
    let searcher = store.reader().searcher();
    let mut v = Vec::new();
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); queries.len()];
    for _ in 0..rounds {
        for (qi, q) in queries.iter().enumerate() {
            let req = SearchRequest::new(*q);
            let t = Instant::now();
            if full {
                std::hint::black_box(search(store, &req).expect("search"));
            } else {
                let (query, _) = build_query(store, &req).expect("query");
                let top = searcher
                    .search(&*query, &TopDocs::with_limit(10).order_by_score())
                    .expect("search");
                std::hint::black_box(top);
            }
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            v.push(ms);
            per[qi].push(ms);
        }
    }
    let slowest = per
        .iter_mut()
        .enumerate()
        .map(|(i, p)| (percentile(p, 0.5), i))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(m, i)| format!("{} ({m:.2} ms)", queries[i]))
        .unwrap_or_default();
    (percentile(&mut v, 0.5), percentile(&mut v, 0.99), slowest)
}

fn bench(c: &mut Criterion) {
    if hotline::testdata::shared_dir().is_none() {
        eprintln!("skipped: ../shared not found (set HOTLINE_SHARED)");
        return;
    }
    let n = bench_n();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("target/bench-index-{n}"));
    let store = build(n, &dir);
    println!(
        "index: {} cases, {:.1} MiB on disk ({})",
        store.len(),
        dir_size(&dir) as f64 / 1024.0 / 1024.0,
        dir.display()
    );
    for (name, qs) in [
        ("1-term", &DEFAULT_WORDS[..10]),
        ("2-term", &TWO[..]),
        ("3-term", &THREE[..]),
    ] {
        // warm up
        latencies(&store, qs, 2, true);
        let (p50, p99, slow) = latencies(&store, qs, 30, false);
        let (f50, f99, fslow) = latencies(&store, qs, 10, true);
        println!(
            "{name}: query top10 p50={p50:.3} ms p99={p99:.3} ms (slowest {slow}) | full search (count+snippets) p50={f50:.3} ms p99={f99:.3} ms (slowest {fslow})"
        );
    }
    if std::env::var_os("HOTLINE_BENCH_QUICK").is_some() {
        return;
    }
    let mut g = c.benchmark_group("search");
    g.sample_size(20);
    for (name, qs) in [
        ("1-term", &DEFAULT_WORDS[..10]),
        ("2-term", &TWO[..]),
        ("3-term", &THREE[..]),
    ] {
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
