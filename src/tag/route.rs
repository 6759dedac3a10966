//! Department suggestions learned from the department field of earlier cases: a linear model
//! (the same hashed features, a narrower hash space, one class per department with at least
//! two cases) trained by `hotline train --route`, evaluated with a time split by
//! `hotline eval route`.

use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rayon::prelude::*;

use super::data::{join_text, Example};
use super::features::FeatureConfig;
use super::linear::{LinearModel, TrainOptions};
use super::train::{fit, Learner};
use crate::text::segmenter;

const DEPT_COLS: [&str; 4] = ["reply_agency", "承办单位", "department", "处理部门"];
const DATE_COLS: [&str; 4] = ["query_date", "留言时间", "received_at", "受理时间"];
const TITLE_COLS: [&str; 3] = ["title", "留言主题", "标题"];
const BODY_COLS: [&str; 4] = ["query", "留言详情", "narrative", "诉求内容"];

/// Hash space of the route model (2^14 buckets keeps ~100 departments near 2 MB).
pub const ROUTE_BITS: u32 = 14;

/// A case with its department and date.
pub struct RouteExample {
    pub example: Example,
    pub date: Option<NaiveDate>,
}

/// Reads cases with a department column (e.g. shangluo_mailbox/mails.csv, reply_agency).
pub fn load_route(path: &Path) -> Result<Vec<RouteExample>> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let headers = rdr.headers()?.clone();
    let find = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h.trim() == *n))
    };
    let dept = find(&DEPT_COLS).with_context(|| {
        format!(
            "{}: no department column ({})",
            path.display(),
            DEPT_COLS.join(" / ")
        )
    })?;
    let date = find(&DATE_COLS);
    let title = find(&TITLE_COLS);
    let body = find(&BODY_COLS).with_context(|| {
        format!(
            "{}: no text column ({})",
            path.display(),
            BODY_COLS.join(" / ")
        )
    })?;
    let mut raw = Vec::new();
    for (row, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: row {}: bad csv", path.display(), row + 1))?;
        let d = rec.get(dept).unwrap_or("").trim().to_string();
        let t = title.and_then(|i| rec.get(i)).unwrap_or("");
        let b = rec.get(body).unwrap_or("");
        let text = join_text(&[t, b]);
        if d.is_empty() || text.is_empty() {
            continue;
        }
        let when = date
            .and_then(|i| rec.get(i))
            .and_then(|s| NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").ok());
        raw.push((row + 1, d, text, when));
    }
    let file = path.display().to_string();
    Ok(raw
        .into_par_iter()
        .map(|(row, d, text, when)| RouteExample {
            example: Example {
                terms: segmenter().terms(&text),
                label: d,
                origin: format!("{file}:row {row}"),
            },
            date: when,
        })
        .collect())
}

/// Trains the route model on departments with at least two cases.
pub fn train_route(examples: &[Example]) -> Result<LinearModel> {
    let mut counts = std::collections::HashMap::new();
    for e in examples {
        *counts.entry(e.label.as_str()).or_insert(0usize) += 1;
    }
    let kept: Vec<Example> = examples
        .iter()
        .filter(|e| counts[e.label.as_str()] >= 2)
        .cloned()
        .collect();
    let cfg = FeatureConfig {
        bits: ROUTE_BITS,
        ..FeatureConfig::default()
    };
    let mut m = fit(
        &kept,
        cfg,
        Learner::Svm,
        TrainOptions {
            c: 0.3,
            epochs: 20,
            seed: 11,
        },
    )?;
    m.temperature = 3.0;
    Ok(m)
}

/// Top-1 and top-3 accuracy of `model` on `test` (departments the model never saw count as
/// misses).
pub fn route_accuracy(model: &LinearModel, test: &[Example]) -> (f64, f64) {
    let hits: Vec<(bool, bool)> = test
        .par_iter()
        .map(|e| {
            let x = model.cfg.vectorize(&e.terms, &model.idf);
            let s = model.scores(&x);
            let mut order: Vec<usize> = (0..s.len()).collect();
            order.sort_by(|&a, &b| s[b].total_cmp(&s[a]));
            let top: Vec<&str> = order
                .iter()
                .take(3)
                .map(|&i| model.classes[i].as_str())
                .collect();
            (
                top.first() == Some(&e.label.as_str()),
                top.contains(&e.label.as_str()),
            )
        })
        .collect();
    let n = hits.len().max(1) as f64;
    (
        hits.iter().filter(|h| h.0).count() as f64 / n,
        hits.iter().filter(|h| h.1).count() as f64 / n,
    )
}
