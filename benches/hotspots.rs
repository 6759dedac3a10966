//! Hotspot clustering speed: 5,000 cases (budget < 1 s) and 100,000 cases in one month
//! (budget < 20 s) on 2 cores.
//!
//! The cases are the Teddy Cup hotspot messages (../shared, or `$HOTLINE_SHARED`) replicated
//! with variations (new ids and complainants, times spread over one month, sentences
//! dropped or a follow-up sentence added); without ../shared, invented cases built from
//! place × problem templates. Run: `cargo bench --bench hotspots` (set
//! `HOTSPOTS_BENCH_SKIP_100K=1` to run the small size only). Criterion measures 5,000 cases;
//! then a summary times 5,000 and 100,000 cases (median of 5 and 3 runs) beside bare jieba-rs
//! segmentation of the same texts on the same threads, and prints one line per size.
//! `HOTSPOTS_ONCE=N` runs once on N cases (for callgrind); `HOTLINE_HOTSPOTS_TIMING=1` prints
//! the time of each stage.

mod common;

use common::median_secs;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime};
use criterion::{criterion_group, BenchmarkId, Criterion};
use hotline::hotspots::{find_hotspots, HotspotParams};
use hotline::Case;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// (title, narrative, likes) of the source messages.
fn sources() -> Vec<(String, String, u32)> {
    if let Some(dir) = hotline::testdata::shared_dir() {
        let path = dir.join("datasets/tipdm2020c/hotspot_messages.csv");
        if let Ok(mut rdr) = csv::Reader::from_path(&path) {
            let rows: Vec<(String, String, u32)> = rdr
                .records()
                .filter_map(Result::ok)
                .map(|r| {
                    (
                        r[2].to_string(),
                        r[4].to_string(),
                        r[5].parse().unwrap_or(0),
                    )
                })
                .collect();
            if !rows.is_empty() {
                return rows;
            }
        }
    }
    let places = [
        "幸福里小区",
        "城南中学",
        "滨江路",
        "阳光花园",
        "人民医院",
        "东风菜市场",
        "和平村",
        "锦绣家园",
        "火车站",
        "实验小学",
        "金色港湾",
        "解放路",
        "新华书店",
        "天河公寓",
    ];
    let problems = [
        ("垃圾站臭味", "垃圾清运不及时，臭味很大，蚊蝇滋生。"),
        ("夜间施工噪音扰民", "工地晚上施工，机器轰鸣，居民无法休息。"),
        ("强制补课收费", "强制学生补课并收取费用，家长负担重。"),
        ("停车难乱收费", "停车位不足，物业乱收停车费。"),
        ("路灯不亮", "路灯坏了很久没人修，晚上出行不安全。"),
        ("占道经营", "摊贩占道经营，交通拥堵，卫生差。"),
        ("电梯故障困人", "电梯经常故障困人，维修不及时。"),
        ("停水停电", "经常停水停电，没有提前通知。"),
    ];
    let mut out = Vec::new();
    for p in places {
        for (q, body) in problems {
            out.push((
                format!("{p}{q}"),
                format!("{p}{body}请有关部门尽快处理。"),
                0,
            ));
        }
    }
    out
}

/// `n` cases in December 2019, replicated from the sources with variations.
fn cases(n: usize, seed: u64) -> Vec<Case> {
    let src = sources();
    let mut rng = StdRng::seed_from_u64(seed);
    let start: NaiveDateTime = NaiveDate::from_ymd_opt(2019, 12, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let follow_ups = [
        "问题至今没有解决。",
        "希望尽快处理。",
        "已多次反映。",
        "请相关部门重视。",
    ];
    (0..n)
        .map(|i| {
            let (title, body, likes) = &src[i % src.len()];
            let mut narrative = body.clone();
            if rng.gen_bool(0.3) {
                if let Some((head, _)) = narrative.rsplit_once('。') {
                    if !head.is_empty() {
                        narrative = format!("{head}。");
                    }
                }
            }
            if rng.gen_bool(0.5) {
                narrative.push_str(follow_ups[rng.gen_range(0..follow_ups.len())]);
            }
            Case {
                title: Some(title.clone()),
                user: Some(format!("u{}", rng.gen_range(0..(n as u32 / 2).max(1)))),
                received_at: Some(start + chrono::Duration::seconds(rng.gen_range(0..30 * 86_400))),
                likes: Some(*likes),
                ..Case::new(format!("b{i}"), narrative)
            }
        })
        .collect()
}

/// Bare jieba-rs segmentation of what the hotspots read (title and the first 400 characters
/// of the narrative), on the same rayon threads: the same-run baseline.
fn bare_segmentation(cs: &[Case]) -> usize {
    use rayon::prelude::*;
    let jieba = hotline::text::segmenter().jieba();
    cs.par_iter()
        .map(|c| {
            let body: String = c.narrative.chars().take(400).collect();
            jieba.cut(c.title.as_deref().unwrap_or(""), true).len() + jieba.cut(&body, true).len()
        })
        .sum()
}

/// The figures, one line per size: hotspots time against its budget and against bare
/// segmentation of the same texts measured in the same run.
fn summary(sizes: &[(usize, f64, usize)]) {
    let params = HotspotParams::default();
    println!();
    println!(
        "hotspots on {} threads (median of the runs; budget on 2 cores):",
        rayon::current_num_threads()
    );
    for &(n, budget, runs) in sizes {
        let cs = cases(n, if n <= 5_000 { 1 } else { 2 });
        find_hotspots(&cs[..cs.len().min(500)], &params); // warm-up (dictionary load)
        let hot = median_secs(runs, || {
            std::hint::black_box(find_hotspots(&cs, &params));
        });
        let seg = median_secs(runs, || {
            std::hint::black_box(bare_segmentation(&cs));
        });
        println!(
            "  {n:>7} cases: find_hotspots {hot:7.3} s (budget {budget} s: {}) | bare jieba segmentation {seg:6.3} s | ratio {:.2}x",
            if hot < budget { "met" } else { "MISSED" },
            hot / seg
        );
    }
}

fn bench(c: &mut Criterion) {
    let params = HotspotParams::default();
    let mut group = c.benchmark_group("find_hotspots");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    let small = cases(5_000, 1);
    group.measurement_time(Duration::from_secs(10));
    group.bench_with_input(BenchmarkId::from_parameter(5_000), &small, |b, cs| {
        b.iter(|| find_hotspots(cs, &params))
    });
    group.finish();
}

criterion_group!(benches, bench);

/// `HOTSPOTS_ONCE=N`: one timed run on N cases, no criterion (for callgrind / perf).
fn once(n: usize) {
    let cs = cases(n, if n <= 5_000 { 1 } else { 2 });
    let t = Instant::now();
    let h = find_hotspots(&cs, &HotspotParams::default());
    let s = t.elapsed().as_secs_f64();
    println!("find_hotspots {n} cases: {s:.3} s, {} hotspots", h.len());
    for x in h.iter().take(10) {
        println!(
            "  {:>2} {:7.2} {:5} {}",
            x.rank, x.heat, x.case_count, x.label
        );
    }
}

fn main() {
    if let Some(n) = std::env::var("HOTSPOTS_ONCE")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        once(n);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    let mut sizes = vec![(5_000, 1.0, 5)];
    if std::env::var_os("HOTSPOTS_BENCH_SKIP_100K").is_none() {
        sizes.push((100_000, 20.0, 3));
    }
    summary(&sizes);
}
