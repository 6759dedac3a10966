//! Hotspots on the Teddy Cup 2020 hotspot set (../shared/datasets/tipdm2020c/hotspot_messages.csv):
//! the regression test on the hand-checked top 10, purity of the known hotspots, and (ignored,
//! run by hand) the comparison with linfa KMeans. Skips when ../shared is absent.
//!
//! `HOTLINE_SHARED=/work/shared cargo test --test hotspots_shared -- --nocapture` prints the
//! top 10; `HOTSPOTS_SHOW=30` prints that many hotspots with their members' titles.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDateTime;
use hotline::hotspots::{self, find_hotspots, HotspotParams};
use hotline::Case;

fn shared_dir() -> Option<PathBuf> {
    hotline::testdata::shared_dir()
}

/// Reads hotspot_messages.csv (留言编号, 留言用户, 留言主题, 留言时间, 留言详情, 点赞数, 反对数).
fn load() -> Option<Vec<Case>> {
    let Some(dir) = shared_dir() else {
        println!("skipped: ../shared is absent (set HOTLINE_SHARED)");
        return None;
    };
    let path = dir.join("datasets/tipdm2020c/hotspot_messages.csv");
    let mut rdr = csv::Reader::from_path(&path).expect("hotspot_messages.csv");
    let mut out = Vec::new();
    for rec in rdr.records() {
        let r = rec.expect("csv row");
        let mut c = Case::new(&r[0], &r[4]);
        c.user = Some(r[1].to_string());
        c.title = Some(r[2].to_string());
        c.received_at = NaiveDateTime::parse_from_str(&r[3], "%Y-%m-%d %H:%M:%S").ok();
        c.likes = r[5].parse().ok();
        c.dislikes = r[6].parse().ok();
        out.push(c);
    }
    Some(out)
}

/// A known hotspot of this data, as a rule over a message's text.
struct Reference {
    name: &'static str,
    rule: fn(&str) -> bool,
}

fn any(t: &str, words: &[&str]) -> bool {
    words.iter().any(|w| t.contains(w))
}

const REFERENCES: &[Reference] = &[
    Reference {
        name: "丽发新城搅拌站",
        rule: |t| t.contains("丽发") && t.contains("搅拌"),
    },
    Reference {
        name: "伊景园滨河苑捆绑车位",
        rule: |t| any(t, &["伊景园", "滨河苑"]) && any(t, &["车位", "捆绑"]),
    },
    Reference {
        name: "魅力之城临街店油烟噪音",
        rule: |t| {
            any(t, &["魅力之城", "魅力城"])
                && any(
                    t,
                    &[
                        "油烟", "噪音", "夜宵", "烧烤", "门面", "商铺", "餐馆", "门店",
                    ],
                )
        },
    },
    Reference {
        name: "经济学院强制实习",
        rule: |t| t.contains("经济学院") && any(t, &["实习", "打工", "工厂", "社会实践"]),
    },
];

/// For each reference: the cluster holding most of its messages, its purity (share of the
/// cluster's messages that fit the rule) and recall (share of the rule's messages in it).
fn purity(cases: &[Case], clusters: &[Vec<usize>]) -> Vec<(&'static str, usize, f64, f64)> {
    REFERENCES
        .iter()
        .map(|r| {
            let fits: Vec<bool> = cases.iter().map(|c| (r.rule)(&c.text())).collect();
            let total = fits.iter().filter(|f| **f).count();
            let best = clusters
                .iter()
                .max_by_key(|m| m.iter().filter(|&&i| fits[i]).count())
                .unwrap();
            let hit = best.iter().filter(|&&i| fits[i]).count();
            (
                r.name,
                best.len(),
                hit as f64 / best.len() as f64,
                hit as f64 / total.max(1) as f64,
            )
        })
        .collect()
}

#[test]
fn top10_on_teddy_cup_hotspots() {
    let Some(cases) = load() else { return };
    let t = Instant::now();
    let mut params = HotspotParams {
        top: 0,
        ..HotspotParams::default()
    };
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f32>().ok());
    if let Some(v) = env("PW") {
        params.vectorize.place_weight = v;
    }
    if let Some(v) = env("MT") {
        params.cluster.merge_threshold = v;
    }
    if let Some(v) = env("ET") {
        params.cluster.edge_threshold = v;
    }
    if let Some(v) = env("SP") {
        params.cluster.same_place_threshold = v;
    }
    if let Some(v) = env("DT") {
        params.cluster.duplicate_threshold = v;
    }
    if let Some(v) = env("PT") {
        params.cluster.problem_threshold = v;
    }
    if let Some(v) = env("PDT") {
        params.cluster.problem_duplicate_threshold = v;
    }
    let all = find_hotspots(&cases, &params);
    println!(
        "{} cases -> {} hotspots in {:?}",
        cases.len(),
        all.len(),
        t.elapsed()
    );
    let show: usize = std::env::var("HOTSPOTS_SHOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let by_id: std::collections::HashMap<&str, &Case> =
        cases.iter().map(|c| (c.id.as_str(), c)).collect();
    for h in all.iter().take(show) {
        println!(
            "#{} heat {:.2} n={} users={} likes={} repeats={} {}..{} | {} | kw {:?}",
            h.rank,
            h.heat,
            h.case_count,
            h.distinct_users,
            h.likes,
            h.repeats,
            h.first.map(|d| d.date().to_string()).unwrap_or_default(),
            h.last.map(|d| d.date().to_string()).unwrap_or_default(),
            h.label,
            h.keywords
        );
        if std::env::var("HOTSPOTS_SHOW").is_ok() {
            for id in &h.case_ids {
                let c = by_id[id.as_str()];
                println!(
                    "      {} {} {}",
                    id,
                    c.received_at
                        .map(|d| d.date().to_string())
                        .unwrap_or_default(),
                    c.title.as_deref().unwrap_or("")
                );
            }
        }
    }
    let vectors = hotspots::vectorize::vectorize(&cases, &params.vectorize);
    let clusters = hotspots::clusters_of(&vectors, &params.cluster);
    let measured = purity(&cases, &clusters);
    for (name, size, p, r) in &measured {
        println!(
            "reference {name}: cluster of {size}, purity {:.2}, recall {:.2}",
            p, r
        );
    }
    // Regression on the hand-checked judgement (see the report): the three big known
    // hotspots lead, the school one is in the top 15, every reference cluster is pure.
    let top10: Vec<&str> = all.iter().take(10).map(|h| h.label.as_str()).collect();
    for place in ["丽发新城", "伊景园", "魅力之城"] {
        assert!(
            top10.iter().any(|l| l.contains(place)),
            "{place} not in the top 10: {top10:?}"
        );
    }
    assert!(
        all.iter().take(15).any(|h| h.label.contains("经济学院")),
        "经济学院 not in the top 15"
    );
    for (name, size, p, r) in &measured {
        assert!(*p >= 0.9, "{name}: purity {p:.2} (cluster of {size})");
        assert!(*r >= 0.7, "{name}: recall {r:.2} (cluster of {size})");
    }
    let lifa = all.iter().find(|h| h.label.contains("丽发新城")).unwrap();
    assert!(lifa.label.contains("搅拌"), "{}", lifa.label);
    assert!(lifa.case_count >= 45, "{}", lifa.case_count);
    if std::env::var("HOTSPOTS_SHOW").is_ok() {
        for r in REFERENCES {
            println!("== where {} went", r.name);
            for m in &clusters {
                if m.iter().any(|&i| (r.rule)(&cases[i].text())) {
                    println!("  cluster of {}", m.len());
                    for &i in m.iter().take(6) {
                        println!(
                            "      {} {}",
                            cases[i].id,
                            cases[i].title.as_deref().unwrap_or("")
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn show_entities() {
    let seg = hotline::text::segmenter();
    for t in [
        "投诉幸福里小区垃圾站臭味严重",
        "A3区郝家坪小学何时扩建？",
        "A3区观沙岭郝家坪小学何时改扩建？",
        "A4区绿地海外滩小区距渝长厦高铁太近了",
        "A市暮云街道丽发新城社区搅拌站灰尘，噪音污染严重",
        "A7县深业睿城小区f区地下车位是否计入公摊面积？",
    ] {
        println!("{t}: {:?}", hotline::hotspots::entities::extract(seg, t));
        let v: Vec<String> = seg
            .jieba()
            .tag(&hotline::hotspots::entities::strip_districts(t), true)
            .iter()
            .map(|x| format!("{}/{}", x.word, x.tag))
            .collect();
        println!("   {}", v.join(" "));
    }
}

#[test]
#[ignore]
fn debug_cluster_cosines() {
    let Some(cases) = load() else { return };
    let params = HotspotParams::default();
    let vectors = hotspots::vectorize::vectorize(&cases, &params.vectorize);
    let clusters = hotspots::clusters_of(&vectors, &params.cluster);
    let ids: Vec<&str> = std::env::var("IDS").unwrap().leak().split(',').collect();
    let cl: Vec<&Vec<usize>> = ids
        .iter()
        .map(|id| {
            clusters
                .iter()
                .find(|m| m.iter().any(|&i| cases[i].id == *id))
                .unwrap()
        })
        .collect();
    let centroid = |m: &Vec<usize>| {
        let mut sum = std::collections::HashMap::new();
        for &i in m {
            for &(f, w) in &vectors.docs[i] {
                *sum.entry(f).or_insert(0.0f32) += w;
            }
        }
        hotspots::vectorize::normalized(sum.into_iter())
    };
    for a in 0..cl.len() {
        for b in a + 1..cl.len() {
            let (ca, cb) = (centroid(cl[a]), centroid(cl[b]));
            println!(
                "{} ({}) vs {} ({}): {:.3}",
                ids[a],
                cl[a].len(),
                ids[b],
                cl[b].len(),
                hotspots::vectorize::dot(&ca, &cb)
            );
        }
    }
    for id in &ids {
        let i = cases.iter().position(|c| c.id == *id).unwrap();
        println!("{id}: {:?}", vectors.analyses[i].entities);
        let mut v = vectors.docs[i].clone();
        v.sort_by(|a, b| b.1.total_cmp(&a.1));
        println!(
            "   {:?}",
            v.iter()
                .take(10)
                .map(|x| (vectors.vocab[x.0 as usize].clone(), x.1))
                .collect::<Vec<_>>()
        );
    }
}

/// linfa KMeans (after random projection) against the chosen clustering, on the same
/// vectors: time and purity/recall of the reference hotspots. Run by hand:
/// `HOTLINE_SHARED=/work/shared cargo test --release --test hotspots_shared compare -- --ignored --nocapture`
#[test]
#[ignore]
fn compare_with_linfa_kmeans() {
    use hotline::hotspots::cluster::{kmeans_baseline, KMeansParams};
    let Some(cases) = load() else { return };
    let params = HotspotParams::default();
    let t = Instant::now();
    let vectors = hotspots::vectorize::vectorize(&cases, &params.vectorize);
    println!("vectorize: {:?}", t.elapsed());
    let t = Instant::now();
    let ours = hotspots::clusters_of(&vectors, &params.cluster);
    println!(
        "candidate pairs + average link: {:?}, {} clusters of 2+",
        t.elapsed(),
        ours.iter().filter(|c| c.len() >= 2).count()
    );
    for (name, size, p, r) in purity(&cases, &ours) {
        println!("  {name}: cluster of {size}, purity {p:.2}, recall {r:.2}");
    }
    let ks: Vec<usize> = std::env::var("KS")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![cases.len() / 8]);
    for k in ks {
        for dims in [64, 256] {
            let t = Instant::now();
            let labels = kmeans_baseline(
                &vectors.docs,
                vectors.vocab.len(),
                &KMeansParams {
                    dims,
                    k,
                    max_iterations: 50,
                    seed: 7,
                },
            )
            .unwrap();
            let elapsed = t.elapsed();
            let mut groups: std::collections::HashMap<usize, Vec<usize>> =
                std::collections::HashMap::new();
            for (i, l) in labels.iter().enumerate() {
                groups.entry(*l).or_default().push(i);
            }
            let clusters: Vec<Vec<usize>> = groups.into_values().collect();
            println!(
                "linfa KMeans k={k} dims={dims}: {elapsed:?}, {} clusters of 2+",
                clusters.iter().filter(|c| c.len() >= 2).count()
            );
            for (name, size, p, r) in purity(&cases, &clusters) {
                println!("  {name}: cluster of {size}, purity {p:.2}, recall {r:.2}");
            }
        }
    }
}

/// The three hotspots that at least two of the three published top-5 tables of this data
/// agree on, each as (name, label rule, member rule): found in our top 5, each with most of
/// its letters on that place and problem.
type Target = (&'static str, fn(&str) -> bool, fn(&str) -> bool);
const PUBLISHED_TOP5: &[Target] = &[
    (
        "丽发新城搅拌站噪音",
        |l| l.contains("丽发新城") && l.contains("搅拌"),
        |t| t.contains("丽发") && t.contains("搅拌"),
    ),
    (
        "伊景园滨河苑捆绑车位",
        |l| any(l, &["伊景园", "滨河苑"]) && any(l, &["车位", "捆绑"]),
        |t| any(t, &["伊景园", "滨河苑"]) && any(t, &["车位", "捆绑"]),
    ),
    (
        "人才购房补贴",
        |l| l.contains("人才") && any(l, &["补贴", "补助"]),
        |t| t.contains("人才") && any(t, &["补贴", "补助", "新政"]),
    ),
];

#[test]
fn published_top5_hotspots_are_in_our_top5() {
    let Some(cases) = load() else { return };
    let all = find_hotspots(
        &cases,
        &HotspotParams {
            top: 10,
            ..HotspotParams::default()
        },
    );
    let by_id: std::collections::HashMap<&str, &Case> =
        cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let top5: Vec<&str> = all.iter().take(5).map(|h| h.label.as_str()).collect();
    for (name, label_rule, member_rule) in PUBLISHED_TOP5 {
        let h = all
            .iter()
            .take(5)
            .find(|h| label_rule(&h.label))
            .unwrap_or_else(|| panic!("{name} not in the top 5: {top5:?}"));
        let fit = h
            .case_ids
            .iter()
            .filter(|id| member_rule(&by_id[id.as_str()].text()))
            .count();
        assert!(
            fit * 10 >= h.case_count * 8,
            "{name}: {fit} of {} letters fit",
            h.case_count
        );
    }
}

/// Regression of our own top 10 of the whole file (hand-read 2026-12: every one a real place
/// or group with its problem): the subjects, in any order, at least 8 of the 10.
#[test]
fn top10_regression() {
    let Some(cases) = load() else { return };
    let all = find_hotspots(&cases, &HotspotParams::default());
    let labels: Vec<&str> = all.iter().map(|h| h.label.as_str()).collect();
    println!("top 10: {labels:?}");
    let expected = [
        "丽发新城",
        "伊景园滨河苑",
        "人才",
        "魅力之城",
        "教师",
        "东六路",
        "凉塘路",
        "深业睿城",
        "经济学院",
        "中海国际",
    ];
    let found = expected
        .iter()
        .filter(|p| labels.iter().any(|l| l.contains(*p)))
        .count();
    assert!(found >= 8, "{found} of 10 expected subjects: {labels:?}");
    // Copies are counted apart, and every hotspot has three distinct letters.
    for h in &all {
        assert!(h.case_count >= 3, "{}: {} letters", h.label, h.case_count);
        assert_eq!(h.duplicates, h.duplicate_ids.len());
        assert!(h.duplicate_ids.iter().all(|d| !h.case_ids.contains(d)));
    }
}

/// Byte offsets where jieba tokens (project dictionary) of `text` start and end.
fn token_edges(text: &str) -> (Vec<usize>, Vec<usize>) {
    let (mut starts, mut ends) = (Vec::new(), Vec::new());
    let mut at = 0;
    for t in hotline::text::segmenter().cut(text) {
        starts.push(at);
        at += t.len();
        ends.push(at);
    }
    (starts, ends)
}

/// Whether the label's start (else its end) is a token boundary in the texts: the longest
/// head (tail) of two or more characters that occurs in them starts (ends) a token in at
/// least one occurrence. `None` when no such head (tail) occurs.
fn edge_is_word(label: &str, texts: &[&str], head: bool) -> Option<bool> {
    let chars: Vec<(usize, char)> = label.char_indices().collect();
    let n = chars.len();
    for k in (2..=n).rev() {
        let part = if head {
            &label[..chars.get(k).map_or(label.len(), |c| c.0)]
        } else {
            &label[chars[n - k].0..]
        };
        let mut seen = false;
        for text in texts {
            let (starts, ends) = token_edges(text);
            for (s, _) in text.match_indices(part) {
                seen = true;
                let ok = if head {
                    starts.binary_search(&s).is_ok()
                } else {
                    ends.binary_search(&(s + part.len())).is_ok()
                };
                if ok {
                    return Some(true);
                }
            }
        }
        if seen {
            return Some(false);
        }
    }
    None
}

/// No label of any hotspot of any month starts or ends in the middle of a word of the
/// letters it came from (a label that is a topic name, the fallback, is not from them).
#[test]
fn no_label_is_cut_mid_word_in_any_month() {
    let Some(cases) = load() else { return };
    let mut months: std::collections::BTreeMap<String, Vec<Case>> = Default::default();
    for c in &cases {
        if let Some(t) = c.received_at {
            months
                .entry(t.format("%Y-%m").to_string())
                .or_default()
                .push(c.clone());
        }
    }
    let by_id: std::collections::HashMap<&str, &Case> =
        cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let (mut checked, mut bad) = (0, Vec::new());
    for (month, month_cases) in &months {
        let hs = find_hotspots(
            month_cases,
            &HotspotParams {
                top: 0,
                ..HotspotParams::default()
            },
        );
        for h in hs {
            if h.topic
                .as_deref()
                .is_some_and(|t| hotline::report::topic_name(t) == h.label)
            {
                continue;
            }
            let texts: Vec<&str> = h
                .case_ids
                .iter()
                .flat_map(|id| {
                    let c = by_id[id.as_str()];
                    [c.title.as_deref().unwrap_or(""), c.narrative.as_str()]
                })
                .collect();
            checked += 1;
            let start = edge_is_word(&h.label, &texts, true);
            let end = edge_is_word(&h.label, &texts, false);
            if start != Some(true) || end != Some(true) {
                bad.push(format!(
                    "{month} {} (start {start:?}, end {end:?})",
                    h.label
                ));
            }
        }
    }
    println!("{checked} labels checked");
    assert!(checked >= 30, "only {checked} hotspots");
    assert!(
        bad.is_empty(),
        "{} labels cut mid-word: {bad:#?}",
        bad.len()
    );
}
