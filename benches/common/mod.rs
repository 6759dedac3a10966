//! Measurement helpers shared by the benches (each bench is its own crate and includes this
//! module with `mod common;`): timing medians and percentiles, process and thread CPU time,
//! directory sizes, numeric environment switches, the cases the scale runs replicate and the
//! same-run bare jieba baseline.

// Every bench uses a different subset of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::time::Instant;

/// The value at quantile `p` (0.0..=1.0) of `v`, nearest rank; sorts `v`. 0 when empty.
pub fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// Median wall-clock seconds of `runs` timed runs of `f`.
pub fn median_secs(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    percentile(&mut t, 0.5)
}

/// CPU seconds (user + system, all threads) this process has used, from /proc/self/stat:
/// less sensitive than wall time to other processes on a shared machine.
pub fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime 13th.
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// CPU time of this thread in ms: unlike wall time, it does not count the time the thread
/// waited for a core on a loaded machine.
pub fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6
}

/// Bytes of all files under `dir`, recursively (0 when it cannot be read).
pub fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

/// A count from the environment (`1_000_000` allowed), else `default`.
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// The cases the scale runs replicate: every row of the shared public exports that has a
/// narrative (hotspot messages, replies, the unlabelled messages and the Shangluo mails).
pub fn scale_templates(shared: &Path) -> Vec<hotline::model::Case> {
    use hotline::ingest::{read_path, ReadOptions};
    let ds = shared.join("datasets");
    let mut templates = Vec::new();
    for f in [
        "tipdm2020c/hotspot_messages.csv",
        "tipdm2020c/replies.csv",
        "tipdm2020c/unlabeled_2801.csv",
        "shangluo_mailbox/mails.csv",
    ] {
        if let Ok(batch) = read_path(&ds.join(f), &ReadOptions::default()) {
            templates.extend(batch.cases);
        }
    }
    assert!(!templates.is_empty(), "no case read from {}", ds.display());
    templates
}

/// `n` cases all received in 2023-01, replicated from `templates` with fresh ids (`M00000000`
/// ...) and times spread over the month's 31 days: the 100,000-case month of issue #16.
pub fn month_cases(
    templates: &[hotline::model::Case],
    n: usize,
) -> impl Iterator<Item = hotline::model::Case> + '_ {
    let base = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).expect("date");
    (0..n).map(move |i| {
        let mut c = templates[i % templates.len()].clone();
        c.id = format!("M{i:08}");
        c.received_at = base
            .checked_add_days(chrono::Days::new((i % 31) as u64))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t + chrono::Duration::seconds((i * 7919 % 86_400) as i64));
        c
    })
}

/// The same-run baseline: bare jieba-rs segmentation (HMM on, as the pipeline cuts) of
/// `texts` on rayon's threads, repeated for at least 3 s. Returns MB/s of wall time and MB per
/// CPU-second.
pub fn bare_jieba_rate<S: AsRef<str> + Sync>(texts: &[S]) -> (f64, f64) {
    use rayon::prelude::*;
    let jieba = hotline::text::segmenter().jieba();
    let bytes: usize = texts.iter().map(|t| t.as_ref().len()).sum();
    let (start, cpu0) = (Instant::now(), cpu_secs());
    let mut rounds = 0usize;
    while rounds == 0 || start.elapsed() < std::time::Duration::from_secs(3) {
        let k: usize = texts
            .par_iter()
            .map(|t| jieba.cut(t.as_ref(), true).len())
            .sum();
        std::hint::black_box(k);
        rounds += 1;
    }
    let mb = (bytes * rounds) as f64 / 1e6;
    (
        mb / start.elapsed().as_secs_f64(),
        mb / (cpu_secs() - cpu0).max(1e-9),
    )
}
