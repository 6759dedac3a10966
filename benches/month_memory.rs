//! Peak memory of a 100,000-case month (issue #16: under 500 MB for `report` and `hotspots`).
//!
//! Builds once, under `target/bench-month-N`, a store of N work orders (`HOTLINE_MONTH_N`,
//! default 100,000) all received in 2023-01, replicated from the tipdm messages and replies
//! with fresh ids ([`common::month_cases`]) and ingested with tagging; later runs reuse it
//! (delete the directory to rebuild). Then it runs this build's `hotline` binary on the store:
//! `report --month 2023-01 --out FILE`, `hotspots --month 2023-01 --json`, and, as the
//! same-run baseline, `stats` (starts, opens the same store and counts every case), and prints
//! each process's peak RSS (the child's `ru_maxrss`, what `/usr/bin/time -f %M` reports) and
//! wall time. The outputs are left beside the store (`target/bench-month-N.out/`: `report.md`,
//! `hotspots.json`) to compare across builds. The store is built in a child process so that
//! the measuring process stays small (a child's `ru_maxrss` starts from its parent's size).
//!
//! `HOTLINE_SHARED=../shared cargo bench --bench month_memory` (skips without the shared
//! datasets).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use hotline::index::CaseStore;
use hotline::ingest::{read_path, ReadOptions};
use hotline::pipeline::{ingest_cases, DEFAULT_COMMIT_EVERY};

/// Set in the child process that only builds the store.
const BUILD_ONLY: &str = "HOTLINE_MONTH_BUILD_ONLY";

/// Where the store of `n` cases lives: `target/bench-month-N`.
fn store_dir(n: usize) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join(format!("bench-month-{n}"))
}

/// The store of `n` cases in 2023-01 under `target/`, built if missing.
fn month_store(shared: &Path, n: usize) -> PathBuf {
    let dir = store_dir(n);
    if let Ok(store) = CaseStore::open_existing(&dir) {
        if store.len() as usize == n {
            println!("reusing the store in {}", dir.display());
            return dir;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let ds = shared.join("datasets/tipdm2020c");
    let mut templates = Vec::new();
    for f in ["hotspot_messages.csv", "replies.csv"] {
        let batch = read_path(&ds.join(f), &ReadOptions::default()).expect("read templates");
        templates.extend(batch.cases);
    }
    assert!(!templates.is_empty(), "no case read from {}", ds.display());
    let t = Instant::now();
    let store = CaseStore::open(&dir).expect("store");
    let cases = common::month_cases(&templates, n);
    let summary = ingest_cases(&store, cases, DEFAULT_COMMIT_EVERY, true).expect("ingest");
    assert_eq!(summary.added, n);
    println!(
        "built the store of {n} cases ({} templates) in {} in {:.0} s",
        templates.len(),
        dir.display(),
        t.elapsed().as_secs_f64()
    );
    dir
}

/// Runs `hotline ARGS` with its standard output into `out`; its wall time in seconds and
/// peak RSS in MB (ru_maxrss of the reaped child).
// The child is reaped by `wait4` (which also gives its rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn peak_of(args: &[&str], out: &Path) -> (f64, f64) {
    let t = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(args)
        .stdout(std::fs::File::create(out).expect("output file"))
        .stderr(Stdio::null())
        .spawn()
        .expect("run hotline");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped; both pointers are valid.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "hotline {args:?} failed ({status})"
    );
    (t.elapsed().as_secs_f64(), usage.ru_maxrss as f64 / 1024.0)
}

fn main() {
    let Some(shared) = hotline::testdata::shared_dir() else {
        println!("skipped: the month memory bench needs ../shared/datasets (or $HOTLINE_SHARED)");
        return;
    };
    let n = common::env_count("HOTLINE_MONTH_N", 100_000).max(1);
    if std::env::var_os(BUILD_ONLY).is_some() {
        month_store(&shared, n);
        return;
    }
    // The store is built in a child process: a child's peak RSS (ru_maxrss) starts from the
    // size of the process that spawned it, so the measuring process must stay small.
    let status = Command::new(std::env::current_exe().expect("this bench's path"))
        .env(BUILD_ONLY, "1")
        .status()
        .expect("build the store");
    assert!(status.success(), "building the store failed");
    let dir = store_dir(n);
    let index = dir.to_str().expect("a UTF-8 path");
    // Outputs go beside the store: `report --out` refuses a target inside the index.
    let outputs = dir.with_extension("out");
    std::fs::create_dir_all(&outputs).expect("output directory");
    let dir = outputs;
    let report_md = dir.join("report.md");
    let runs = [
        (
            "baseline: `hotline stats`",
            vec!["stats", "--index", index],
            dir.join("stats.txt"),
        ),
        (
            "`hotline report --month 2023-01`",
            vec![
                "report",
                "--month",
                "2023-01",
                "--index",
                index,
                "--out",
                report_md.to_str().expect("a UTF-8 path"),
            ],
            dir.join("report.out"),
        ),
        (
            "`hotline hotspots --month 2023-01 --json`",
            vec!["hotspots", "--month", "2023-01", "--index", index, "--json"],
            dir.join("hotspots.json"),
        ),
    ];
    println!("\n| {n} cases in 2023-01 | peak RSS | wall | target |\n|---|---|---|---|");
    for (name, args, out) in &runs {
        let (secs, mb) = peak_of(args, out);
        let target = if name.starts_with("baseline") {
            ""
        } else {
            "< 500 MB"
        };
        println!("| {name} | {mb:.0} MB | {secs:.1} s | {target} |");
    }
}
