//! Latency of `/api/search` under 8 concurrent clients, beside the CLI search of the same
//! queries in the same run: p50 / p99 of the HTTP answers (server in this process, clients on
//! 8 threads with keep-alive), of `hotline search --json` as a staff member's terminal runs it
//! (process start, store open, search), and of the library call alone.
//!
//! `cargo build --release && cargo run --release --example serve_latency -- [INDEX_DIR] [ROUNDS]`
//! (default: a store built from corpus/ in a temporary directory; 50 rounds per client).

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use hotline::index::CaseStore;
use hotline::pipeline::{ingest_paths, IngestOptions};
use hotline::search::{self, SearchRequest};
use hotline::serve::{self, ServeConfig};

const QUERIES: [&str; 16] = [
    "路灯",
    "停水",
    "噪音",
    "班车",
    "拖欠工资",
    "垃圾",
    "物业",
    "占道经营",
    "路灯 不亮",
    "\"噪音扰民\"",
    "停车 收费",
    "学校",
    "医保",
    "违建 -咨询",
    "燃气",
    "养老保险",
];

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn summary(name: &str, mut v: Vec<Duration>) {
    v.sort();
    println!(
        "{name}: n={} p50={:.2} ms p99={:.2} ms max={:.2} ms",
        v.len(),
        pct(&v, 0.50),
        pct(&v, 0.99),
        v.last().unwrap().as_secs_f64() * 1000.0
    );
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let _tmp;
    let index = match args.first() {
        Some(dir) => PathBuf::from(dir),
        None => {
            let dir = tempfile::tempdir().unwrap();
            let index = dir.path().join("index");
            let store = CaseStore::open(&index).unwrap();
            let corpus = hotline::testdata::project_dir().join("corpus");
            let (files, _) = hotline::ingest::input_files(&[corpus]).unwrap();
            ingest_paths(&store, &files, &IngestOptions::default()).unwrap();
            _tmp = dir;
            index
        }
    };
    let rounds: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(50);
    let store = CaseStore::open(&index).unwrap();
    println!("store: {} cases in {}", store.len(), index.display());

    let server = serve::spawn(&ServeConfig {
        index: index.clone(),
        addr: "127.0.0.1:0".parse().unwrap(),
        token: None,
        max_upload_mb: 1,
    })
    .unwrap();
    let base = format!("{}/api/search?q=", server.url());
    // warm-up: every query once
    for q in QUERIES {
        ureq::get(&format!("{base}{}", enc(q))).call().unwrap();
    }
    let started = Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let base = base.clone();
            std::thread::spawn(move || {
                let agent = ureq::Agent::new();
                let mut times = Vec::new();
                for i in 0..rounds {
                    let q = QUERIES[(t * 7 + i) % QUERIES.len()];
                    let t0 = Instant::now();
                    let res = agent.get(&format!("{base}{}", enc(q))).call().unwrap();
                    let _ = res.into_string().unwrap();
                    times.push(t0.elapsed());
                }
                times
            })
        })
        .collect();
    let http: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let wall = started.elapsed().as_secs_f64();
    println!(
        "8 clients x {rounds} requests in {wall:.2} s ({:.0} requests/s)",
        http.len() as f64 / wall
    );
    summary("/api/search, 8 concurrent clients", http);

    let mut lib = Vec::new();
    for _ in 0..3 {
        for q in QUERIES {
            let t0 = Instant::now();
            let _ = search::search(&store, &SearchRequest::new(q)).unwrap();
            lib.push(t0.elapsed());
        }
    }
    summary("library search::search, one caller", lib);

    let bin = std::env::var("HOTLINE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| hotline::testdata::project_dir().join("target/release/hotline"));
    if !bin.exists() {
        println!("CLI skipped: no {} (cargo build --release)", bin.display());
        return;
    }
    let mut cli = Vec::new();
    for q in QUERIES {
        let t0 = Instant::now();
        let out = Command::new(&bin)
            .args(["search", q, "--json", "--index"])
            .arg(&index)
            .output()
            .unwrap();
        assert!(out.status.success());
        cli.push(t0.elapsed());
    }
    summary("CLI `hotline search --json`, one at a time", cli);
}
