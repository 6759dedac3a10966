//! The scale run of issue #6 (first part: ingest): replicates the shared public exports to N
//! cases (`HOTLINE_SCALE_N`, default 20,000) with fresh ids and dates spread over 24 months,
//! ingests them with tagging on into a temporary index, and reports ingest MB/s and cases/s,
//! peak RSS (VmHWM), index size on disk, and the same-run baseline of bare jieba-rs
//! segmentation of the same texts on the same threads. Prints a table and writes
//! `target/scale.json`.
//!
//! `HOTLINE_SCALE_N=20000 cargo bench --bench scale` (needs `../shared` or
//! `$HOTLINE_SHARED`; skips otherwise). Set `HOTLINE_SCALE_INDEX_BASELINE=0` to skip the
//! second ingest without tagging (segmentation + indexing baseline), and
//! `HOTLINE_SCALE_COMMIT_EVERY` to change the commit interval (default 20,000).
//!
//! The baseline is the same ingest with tagging off: the same code path (each text tokenized
//! once in parallel, the index taking those tokens, the same commits), less the tagger. The
//! table shows how many texts the index took already tokenized in each ingest, so a regression
//! to segmenting twice shows.
//!
//! Further measurements, off by default so that the CI smoke run stays short:
//! - `HOTLINE_SCALE_SEARCH=1`: search latency on the built index (30 queries each of 1, 2
//!   and 3 words, top 10 with the exact total, stored documents and snippets; p50 / p99 / max
//!   wall time and thread CPU time);
//! - `HOTLINE_SCALE_TAG=1`: tag cases/s on a sample of the templates
//!   (`HOTLINE_SCALE_TAG_SAMPLE`, default 5,000 cases), beside bare jieba segmentation of the
//!   same titles and narratives on the same threads;
//! - `HOTLINE_SCALE_MONTH=1`: hotspots + report (statistics, clustering, Markdown) for one month
//!   of `HOTLINE_SCALE_MONTH_N` (default 100,000) cases replicated into 2023-01 and tagged.

mod common;

use common::{
    bare_jieba_rate, cpu_secs, dir_size, env_count, month_cases, percentile, scale_templates,
    thread_cpu_ms,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Months, NaiveDate};
use rayon::prelude::*;
use serde::Serialize;

use hotline::index::tokenizer::handed_off_texts;
use hotline::index::CaseStore;
use hotline::model::Case;
use hotline::pipeline::{ingest_cases, text_bytes, DEFAULT_COMMIT_EVERY};
use hotline::text::segmenter;

#[derive(Serialize)]
struct ScaleReport {
    cases: usize,
    threads: usize,
    text_mb: f64,
    ingest_secs: f64,
    ingest_mb_per_s: f64,
    ingest_cases_per_s: f64,
    peak_rss_mb: f64,
    index_mb: f64,
    segment_mb_per_s: f64,
    ingest_vs_segment: f64,
    /// MB of text per CPU-second (user + system): steadier than wall time on a shared machine.
    ingest_mb_per_cpu_s: f64,
    segment_mb_per_cpu_s: f64,
    ingest_vs_segment_cpu: f64,
    index_only_mb_per_s: Option<f64>,
    /// Segmentation + indexing per CPU-second (user + system).
    index_only_mb_per_cpu_s: Option<f64>,
    ingest_vs_index_only: Option<f64>,
    ingest_vs_index_only_cpu: Option<f64>,
    commit_every: usize,
    /// Text values written per ingest (title when present, narrative, reply when present).
    texts: u64,
    /// Of those, the texts the index took already tokenized (not segmented again).
    ingest_pretokenized_texts: u64,
    index_only_pretokenized_texts: Option<u64>,
}

fn main() {
    let Some(shared) = hotline::testdata::shared_dir() else {
        println!("skipped: the scale bench needs ../shared/datasets (or $HOTLINE_SHARED)");
        return;
    };
    let n: usize = std::env::var("HOTLINE_SCALE_N")
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(20_000);
    let index_baseline = std::env::var("HOTLINE_SCALE_INDEX_BASELINE").map_or(true, |v| v != "0");
    let commit_every = env_count("HOTLINE_SCALE_COMMIT_EVERY", DEFAULT_COMMIT_EVERY);
    let templates = scale_templates(&shared);
    let threads = rayon::current_num_threads();
    println!(
        "scale: {n} cases replicated from {} templates, {threads} threads",
        templates.len()
    );

    // Bare segmentation baseline: the template texts, repeated for at least 3 s.
    let texts: Vec<&str> = templates
        .iter()
        .flat_map(|c| {
            c.title
                .as_deref()
                .into_iter()
                .chain([c.narrative.as_str()])
                .chain(c.reply.as_deref())
        })
        .collect();
    let (segment_mbps, segment_mb_cpu) = bare_jieba_rate(&texts);

    // Ingest with tagging.
    let text_bytes_total: u64 = (0..n)
        .map(|i| text_bytes(&templates[i % templates.len()]))
        .sum();
    let dir = tempfile::tempdir().unwrap();
    let (start, cpu0) = (Instant::now(), cpu_secs());
    let store = CaseStore::open(dir.path()).unwrap();
    let handed0 = handed_off_texts();
    let summary =
        ingest_cases(&store, replicate(&templates, n), commit_every, true).expect("ingest");
    let shared_texts = handed_off_texts() - handed0;
    let ingest_secs = start.elapsed().as_secs_f64();
    let ingest_cpu = cpu_secs() - cpu0;
    assert_eq!(summary.added, n);
    assert_eq!(store.len() as usize, n);
    let peak_rss_mb = vm_hwm_kb().unwrap_or(0) as f64 / 1024.0;
    let index_mb = dir_size(dir.path()) as f64 / 1e6;
    let search_extra = scale_search(&store);
    drop(store);
    drop(dir);
    let text_mb = text_bytes_total as f64 / 1e6;
    let ingest_mbps = text_mb / ingest_secs;

    // Segmentation + indexing without tagging, same cases.
    let index_only = index_baseline.then(|| {
        let handed0 = handed_off_texts();
        let dir = tempfile::tempdir().unwrap();
        let (start, cpu0) = (Instant::now(), cpu_secs());
        let store = CaseStore::open(dir.path()).unwrap();
        ingest_cases(&store, replicate(&templates, n), commit_every, false).unwrap();
        let wall = start.elapsed().as_secs_f64();
        (
            text_mb / wall,
            text_mb / (cpu_secs() - cpu0).max(1e-9),
            handed_off_texts() - handed0,
        )
    });
    let index_only_mbps = index_only.map(|(w, _, _)| w);
    let index_only_mb_cpu = index_only.map(|(_, c, _)| c);
    // title (when present), narrative and reply (when present) of every case
    let texts: u64 = (0..n)
        .map(|i| {
            let c = &templates[i % templates.len()];
            1 + u64::from(c.title.is_some()) + u64::from(c.reply.is_some())
        })
        .sum();

    let report = ScaleReport {
        cases: n,
        threads,
        text_mb,
        ingest_secs,
        ingest_mb_per_s: ingest_mbps,
        ingest_cases_per_s: n as f64 / ingest_secs,
        peak_rss_mb,
        index_mb,
        segment_mb_per_s: segment_mbps,
        ingest_vs_segment: ingest_mbps / segment_mbps,
        ingest_mb_per_cpu_s: text_mb / ingest_cpu.max(1e-9),
        segment_mb_per_cpu_s: segment_mb_cpu,
        ingest_vs_segment_cpu: text_mb / ingest_cpu.max(1e-9) / segment_mb_cpu,
        index_only_mb_per_s: index_only_mbps,
        index_only_mb_per_cpu_s: index_only_mb_cpu,
        ingest_vs_index_only: index_only_mbps.map(|b| ingest_mbps / b),
        ingest_vs_index_only_cpu: index_only_mb_cpu.map(|b| text_mb / ingest_cpu.max(1e-9) / b),
        commit_every,
        texts,
        ingest_pretokenized_texts: shared_texts,
        index_only_pretokenized_texts: index_only.map(|(_, _, t)| t),
    };
    print_table(&report);
    let extras = scale_extras(&templates, search_extra);
    let out = target_dir().join("scale.json");
    std::fs::create_dir_all(out.parent().unwrap()).ok();
    let mut json = serde_json::to_value(&report).unwrap();
    merge_extras(&mut json, &extras);
    std::fs::write(&out, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    println!("written: {}", out.display());
}

/// `n` cases cycling over the templates, with ids `S00000000`.. and dates spread evenly over
/// the 24 months from 2023-01, generated lazily so the input does not count in peak RSS.
fn replicate(templates: &[Case], n: usize) -> impl Iterator<Item = Case> + '_ {
    let base = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    (0..n).map(move |i| {
        let mut c = templates[i % templates.len()].clone();
        c.id = format!("S{i:08}");
        let month = (i * 24 / n.max(1)) as u32;
        let day = (i % 28) as u64;
        let secs = (i * 7919 % 86_400) as i64;
        c.received_at = base
            .checked_add_months(Months::new(month))
            .and_then(|d| d.checked_add_days(chrono::Days::new(day)))
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t + chrono::Duration::seconds(secs));
        c
    })
}

fn print_table(r: &ScaleReport) {
    println!("\n| measure | value |");
    println!("|---|---|");
    println!("| cases | {} |", r.cases);
    println!("| narrative text | {:.1} MB |", r.text_mb);
    println!("| ingest time (tagging on) | {:.2} s |", r.ingest_secs);
    println!("| ingest throughput | {:.2} MB/s |", r.ingest_mb_per_s);
    println!("| ingest cases/s | {:.0} |", r.ingest_cases_per_s);
    println!(
        "| bare jieba segmentation ({} threads) | {:.2} MB/s |",
        r.threads, r.segment_mb_per_s
    );
    println!(
        "| ingest / bare segmentation | {:.1} % |",
        100.0 * r.ingest_vs_segment
    );
    println!(
        "| per CPU-second: ingest, segmentation, ratio | {:.2} MB, {:.2} MB, {:.1} % |",
        r.ingest_mb_per_cpu_s,
        r.segment_mb_per_cpu_s,
        100.0 * r.ingest_vs_segment_cpu
    );
    if let (Some(b), Some(q)) = (r.index_only_mb_per_s, r.ingest_vs_index_only) {
        println!("| segmentation + indexing, no tagging | {b:.2} MB/s |");
        println!(
            "| (segmentation + indexing) / bare segmentation | {:.1} % |",
            100.0 * b / r.segment_mb_per_s
        );
        println!(
            "| ingest / (segmentation + indexing) | {:.1} % |",
            100.0 * q
        );
    }
    if let (Some(b), Some(q)) = (r.index_only_mb_per_cpu_s, r.ingest_vs_index_only_cpu) {
        println!(
            "| per CPU-second: segmentation + indexing, its ratio to bare segmentation | {b:.2} MB, {:.1} % |",
            100.0 * b / r.segment_mb_per_cpu_s
        );
        println!(
            "| per CPU-second: ingest / (segmentation + indexing) | {:.1} % |",
            100.0 * q
        );
    }
    println!(
        "| texts indexed from tokens made once before writing (tagging on / off) | {} / {} of {} |",
        r.ingest_pretokenized_texts,
        r.index_only_pretokenized_texts
            .map_or("-".to_string(), |t| t.to_string()),
        r.texts
    );
    println!("| peak RSS (VmHWM) | {:.0} MB |", r.peak_rss_mb);
    println!("| index size on disk | {:.1} MB |", r.index_mb);
}

/// Peak resident set size of this process, from /proc/self/status.
fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

// ---- Search, tagging and the month's report (issue #6, second part) ----

/// Search latency on the scale index (see the module doc).
#[derive(Serialize, Clone)]
struct SearchFigures {
    queries: usize,
    runs: usize,
    /// Per query size (1, 2, 3 words): p50, p99, max of wall ms; p50, p99, max of CPU ms.
    sizes: Vec<SearchSize>,
}

#[derive(Serialize, Clone)]
struct SearchSize {
    words: usize,
    wall_p50_ms: f64,
    wall_p99_ms: f64,
    wall_max_ms: f64,
    cpu_p50_ms: f64,
    cpu_p99_ms: f64,
    cpu_max_ms: f64,
}

#[derive(Serialize)]
struct TagFigures {
    sample: usize,
    tag_cases_per_s: f64,
    segment_cases_per_s: f64,
    tag_vs_segment: f64,
}

#[derive(Serialize)]
struct MonthFigures {
    month: String,
    cases: usize,
    tag_secs: f64,
    report_stats_secs: f64,
    hotspots_and_report_secs: f64,
    render_md_secs: f64,
    hotspots: usize,
}

#[derive(Serialize, Default)]
struct Extras {
    #[serde(skip_serializing_if = "Option::is_none")]
    search: Option<SearchFigures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<TagFigures>,
    #[serde(skip_serializing_if = "Option::is_none")]
    month: Option<MonthFigures>,
}

fn env_on(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// `HOTLINE_SCALE_SEARCH=1`: p50 / p99 / max of the full search on the built index.
fn scale_search(store: &CaseStore) -> Option<SearchFigures> {
    use hotline::search::recall::{DEFAULT_WORDS, THREE_TERM_QUERIES, TWO_TERM_QUERIES};
    use hotline::search::{search, SearchRequest};
    if !env_on("HOTLINE_SCALE_SEARCH") {
        return None;
    }
    store.reload().ok()?;
    let rounds = env_count("HOTLINE_SCALE_SEARCH_ROUNDS", 10).max(1);
    let mut sizes = Vec::new();
    let sets: [&[&str]; 3] = [&DEFAULT_WORDS, &TWO_TERM_QUERIES, &THREE_TERM_QUERIES];
    for (i, qs) in sets.into_iter().enumerate() {
        for q in qs {
            search(store, &SearchRequest::new(*q)).expect("search"); // warm
        }
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            for q in qs {
                let (t, c) = (Instant::now(), thread_cpu_ms());
                std::hint::black_box(search(store, &SearchRequest::new(*q)).expect("search"));
                cpu.push(thread_cpu_ms() - c);
                wall.push(t.elapsed().as_secs_f64() * 1000.0);
            }
        }
        sizes.push(SearchSize {
            words: i + 1,
            wall_p50_ms: percentile(&mut wall, 0.5),
            wall_p99_ms: percentile(&mut wall, 0.99),
            wall_max_ms: percentile(&mut wall, 1.0),
            cpu_p50_ms: percentile(&mut cpu, 0.5),
            cpu_p99_ms: percentile(&mut cpu, 0.99),
            cpu_max_ms: percentile(&mut cpu, 1.0),
        });
    }
    Some(SearchFigures {
        queries: sets.iter().map(|s| s.len()).sum(),
        runs: rounds * sets.iter().map(|s| s.len()).sum::<usize>(),
        sizes,
    })
}

/// `HOTLINE_SCALE_TAG=1`: tag cases/s on a sample, beside bare segmentation of the same texts.
fn scale_tag(templates: &[Case]) -> Option<TagFigures> {
    if !env_on("HOTLINE_SCALE_TAG") {
        return None;
    }
    let n = env_count("HOTLINE_SCALE_TAG_SAMPLE", 5_000).max(1);
    let sample: Vec<Case> = (0..n)
        .map(|i| templates[i % templates.len()].clone())
        .collect();
    let jieba = segmenter().jieba();
    // What the tagger reads: title and narrative.
    let seg = |cases: &[Case]| {
        let k: usize = cases
            .par_iter()
            .map(|c| {
                jieba.cut(c.title.as_deref().unwrap_or(""), true).len()
                    + jieba.cut(&c.narrative, true).len()
            })
            .sum();
        std::hint::black_box(k);
    };
    seg(&sample[..n.min(500)]); // warm the dictionary
    let mut warm = sample[..n.min(200)].to_vec();
    hotline::tag::tag_cases(&mut warm); // load the models
    let t = Instant::now();
    seg(&sample);
    let seg_s = t.elapsed().as_secs_f64();
    let mut tagged = sample.clone();
    let t = Instant::now();
    hotline::tag::tag_cases(&mut tagged);
    let tag_s = t.elapsed().as_secs_f64();
    Some(TagFigures {
        sample: n,
        tag_cases_per_s: n as f64 / tag_s,
        segment_cases_per_s: n as f64 / seg_s,
        tag_vs_segment: seg_s / tag_s,
    })
}

/// `HOTLINE_SCALE_MONTH=1`: one month of `HOTLINE_SCALE_MONTH_N` cases (2023-01), tagged, then
/// the report's statistics alone, hotspots + report, and the Markdown rendering.
fn scale_month(templates: &[Case]) -> Option<MonthFigures> {
    use hotline::report::{self, Format, ReportOptions, YearMonth};
    if !env_on("HOTLINE_SCALE_MONTH") {
        return None;
    }
    let n = env_count("HOTLINE_SCALE_MONTH_N", 100_000).max(1);
    let month = YearMonth::new(2023, 1).expect("month");
    let mut cases: Vec<Case> = month_cases(templates, n).collect();
    let t = Instant::now();
    hotline::tag::tag_cases(&mut cases);
    let tag_secs = t.elapsed().as_secs_f64();
    let stats = ReportOptions {
        hotspots: false,
        ..ReportOptions::with_title("扩展测试")
    };
    let t = Instant::now();
    std::hint::black_box(report::build_month(&cases, month, &stats));
    let report_stats_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let built = report::build_month(&cases, month, &ReportOptions::with_title("扩展测试"));
    let md = report::render(&built, Format::Markdown).expect("render");
    let hotspots_and_report_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    std::hint::black_box(report::render(&built, Format::Markdown).expect("render"));
    let render_md_secs = t.elapsed().as_secs_f64();
    std::hint::black_box(md);
    Some(MonthFigures {
        month: "2023-01".into(),
        cases: built.total,
        tag_secs,
        report_stats_secs,
        hotspots_and_report_secs,
        render_md_secs,
        hotspots: built.hotspots.len(),
    })
}

/// Runs the switched-on extra measurements and prints their table rows.
fn scale_extras(templates: &[Case], search: Option<SearchFigures>) -> Extras {
    let extras = Extras {
        search,
        tag: scale_tag(templates),
        month: scale_month(templates),
    };
    if let Some(s) = &extras.search {
        for z in &s.sizes {
            println!(
                "| search {}-word, top 10 + exact count + snippets ({} runs) | p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (thread CPU: p50 {:.2}, p99 {:.2}, max {:.2} ms) |",
                z.words,
                s.runs / s.sizes.len().max(1),
                z.wall_p50_ms,
                z.wall_p99_ms,
                z.wall_max_ms,
                z.cpu_p50_ms,
                z.cpu_p99_ms,
                z.cpu_max_ms
            );
        }
    }
    if let Some(t) = &extras.tag {
        println!(
            "| tagging ({} cases) | {:.0} cases/s |\n| bare jieba segmentation of the same titles + narratives | {:.0} cases/s |\n| tagging / bare segmentation | {:.1} % |",
            t.sample,
            t.tag_cases_per_s,
            t.segment_cases_per_s,
            100.0 * t.tag_vs_segment
        );
    }
    if let Some(m) = &extras.month {
        println!(
            "| month {} of {} cases: tagging | {:.2} s |\n| report statistics (no hotspots) | {:.2} s |\n| hotspots + report (build + Markdown) | {:.2} s ({} hotspots) |\n| Markdown rendering alone | {:.3} s |",
            m.month,
            m.cases,
            m.tag_secs,
            m.report_stats_secs,
            m.hotspots_and_report_secs,
            m.hotspots,
            m.render_md_secs
        );
    }
    extras
}

/// Adds the extra measurements to the JSON report (keys `search`, `tag`, `month`).
fn merge_extras(json: &mut serde_json::Value, extras: &Extras) {
    if let (Some(obj), Ok(serde_json::Value::Object(more))) =
        (json.as_object_mut(), serde_json::to_value(extras))
    {
        obj.extend(more);
    }
}
