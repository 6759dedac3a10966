//! Recall and precision of single-word searches against substring search on the shared
//! datasets (skipped when ../shared is absent).

use hotline::index::CaseStore;
use hotline::search::query::QueryOptions;
use hotline::search::recall::{load_shared_cases, measure, pooled, DEFAULT_WORDS};

#[test]
fn single_words_find_95_percent_of_substring_matches() {
    let Some(shared) = hotline::testdata::shared_dir() else {
        println!("skipped: ../shared not found (set HOTLINE_SHARED)");
        return;
    };
    let cases = load_shared_cases(&shared).unwrap();
    let store = CaseStore::in_memory().unwrap();
    store.upsert(&cases).unwrap();
    let words: Vec<String> = DEFAULT_WORDS.iter().map(|w| w.to_string()).collect();
    // Substring search is the reference, so a dictionary compound is matched whole here: its
    // parts near each other (工资被拖欠 for 拖欠工资) are found on purpose by default and are
    // tested in search_analyst.rs; with them, 拖欠工资 returns 92 cases for 29 substring hits.
    let opts = QueryOptions {
        compound_slop: None,
        ..QueryOptions::default()
    };
    let rows = measure(&store, &cases, &words, opts).unwrap();
    let mut bad = Vec::new();
    for r in &rows {
        println!(
            "{}\trelevant={}\treturned={}\trecall={:.3}\tprecision={:.3}",
            r.word, r.relevant, r.returned, r.recall, r.precision
        );
        // every word at least 90%; the substring misses left are false substrings
        // (小学位于 for 学位, 关停电梯 for 停电)
        if r.recall < 0.90 || r.precision < 0.90 {
            bad.push(r.word.clone());
        }
    }
    assert!(bad.is_empty(), "below 90%: {bad:?}");
    let (recall, precision) = pooled(&rows);
    println!("pooled recall={recall:.4} precision={precision:.4}");
    assert!(recall >= 0.95 && precision >= 0.95);
    let n = rows.len() as f64;
    let mean_r = rows.iter().map(|r| r.recall).sum::<f64>() / n;
    let mean_p = rows.iter().map(|r| r.precision).sum::<f64>() / n;
    assert!(
        mean_r >= 0.95 && mean_p >= 0.95,
        "mean recall {mean_r}, precision {mean_p}"
    );
}
