//! Training and evaluating the urgency model on blind-labelled letters (a labels file of
//! `file,id,urgent[,reason]` rows, tests/urgency/labels.csv; the letters themselves are read
//! from ../shared/datasets through ingest, as [`Case`]s, the way `hotline ingest` reads them).
//!
//! Each labelled letter belongs to a source (tipdm, replies, shangluo, by its file). The model
//! is trained on some sources and tested on one it has not seen ([`hold_out`]); inside the
//! training sources a stratified k-fold cross-validation chooses the L2 strength, the weight
//! of the bigram features and the threshold. Training is multiple-instance: a letter is one
//! label over several mentions, so a first fit gives every mention its letter's label and a
//! second keeps, of each urgent letter, only its best-scoring mention as the urgent example.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::features::{mention_features, MentionFeatures};
use super::legacy;
use super::lexicon::Lexicon;
use super::model::{pool, CvFigures, UrgencyModel};
use super::UrgencyError;
use crate::ingest::{read_path, ReadOptions};
use crate::model::Case;

/// The sources, by the start of a labelled row's file (first match wins).
pub const SOURCES: [(&str, &str); 3] = [
    ("tipdm2020c/replies.csv", "replies"),
    ("tipdm2020c/", "tipdm"),
    ("shangluo_mailbox/", "shangluo"),
];

/// The source of a labelled file (`tipdm2020c/replies.csv` → replies).
pub fn source_of(file: &str) -> Option<&'static str> {
    SOURCES
        .iter()
        .find(|(prefix, _)| file.starts_with(prefix))
        .map(|(_, s)| *s)
}

/// One row of a labels file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelRow {
    pub file: String,
    pub id: String,
    pub urgent: bool,
}

/// A labelled letter with its text.
#[derive(Debug, Clone)]
pub struct Letter {
    pub source: String,
    pub file: String,
    pub id: String,
    /// Title and body as the tagger joins them, and the title's length in bytes at its start.
    pub text: String,
    pub title_len: usize,
    pub urgent: bool,
}

impl Letter {
    /// A letter from a case (the text joined as the tagger joins it).
    pub fn from_case(source: &str, file: &str, case: &Case, urgent: bool) -> Letter {
        let title = case.title.as_deref().unwrap_or("");
        let text = super::super::joined(title, &case.narrative).into_owned();
        let title_len = if text.starts_with(title) {
            title.len()
        } else {
            0
        };
        Letter {
            source: source.to_string(),
            file: file.to_string(),
            id: case.id.clone(),
            text,
            title_len,
            urgent,
        }
    }
}

/// Reads a labels file (`file,id,urgent` columns, more ignored; urgent is 1/0).
pub fn read_labels(path: &Path) -> Result<Vec<LabelRow>, UrgencyError> {
    let bad = |m: String| UrgencyError::Labels(format!("{}: {m}", path.display()));
    let mut rdr = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let h = rdr.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| {
        h.iter()
            .position(|c| c.trim() == name)
            .ok_or_else(|| bad(format!("no `{name}` column")))
    };
    let (fi, ii, ui) = (col("file")?, col("id")?, col("urgent")?);
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| bad(format!("row {}: {e}", n + 2)))?;
        let urgent = match rec.get(ui).unwrap_or("").trim() {
            "1" => true,
            "0" => false,
            other => {
                return Err(bad(format!(
                    "row {}: urgent `{other}` is not 0 or 1",
                    n + 2
                )))
            }
        };
        out.push(LabelRow {
            file: rec.get(fi).unwrap_or("").trim().to_string(),
            id: rec.get(ii).unwrap_or("").trim().to_string(),
            urgent,
        });
    }
    Ok(out)
}

/// The labelled letters, read from `datasets` (../shared/datasets) through ingest; also the
/// rows whose file or id was not found, as `file:id`.
pub fn resolve(
    datasets: &Path,
    rows: &[LabelRow],
) -> Result<(Vec<Letter>, Vec<String>), UrgencyError> {
    let mut by_file: BTreeMap<&str, Vec<&LabelRow>> = BTreeMap::new();
    for r in rows {
        by_file.entry(r.file.as_str()).or_default().push(r);
    }
    let mut letters = Vec::new();
    let mut missing = Vec::new();
    for (file, rows) in by_file {
        let Some(source) = source_of(file) else {
            missing.extend(
                rows.iter()
                    .map(|r| format!("{}:{} (unknown source)", r.file, r.id)),
            );
            continue;
        };
        let path = datasets.join(file);
        let batch = read_path(&path, &ReadOptions::default())
            .map_err(|e| UrgencyError::Labels(format!("{e:#}")))?;
        let cases: HashMap<&str, &Case> = batch.cases.iter().map(|c| (c.id.as_str(), c)).collect();
        for r in rows {
            match cases.get(r.id.as_str()) {
                Some(c) => letters.push(Letter::from_case(source, file, c, r.urgent)),
                None => missing.push(format!("{}:{}", r.file, r.id)),
            }
        }
    }
    Ok((letters, missing))
}

/// Precision and recall counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
    pub tn: usize,
}

impl Figures {
    /// Counts predictions against gold labels.
    pub fn of(pairs: impl IntoIterator<Item = (bool, bool)>) -> Figures {
        let mut f = Figures::default();
        for (gold, pred) in pairs {
            match (gold, pred) {
                (true, true) => f.tp += 1,
                (false, true) => f.fp += 1,
                (true, false) => f.fn_ += 1,
                (false, false) => f.tn += 1,
            }
        }
        f
    }

    pub fn precision(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fp).max(1) as f64
    }

    pub fn recall(&self) -> f64 {
        self.tp as f64 / (self.tp + self.fn_).max(1) as f64
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
}

/// The choices of [`fit`].
#[derive(Debug, Clone)]
pub struct FitOptions {
    /// L2 strengths tried (linfa-logistic's alpha, on the summed loss).
    pub alphas: Vec<f64>,
    /// Values of a bigram feature tried (named features are 1).
    pub gram_values: Vec<f32>,
    /// Folds of the cross-validation inside the training letters.
    pub folds: usize,
    pub seed: u64,
    /// Each urgent mention counts this many times (urgent letters are rare).
    pub positive_weight: usize,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            alphas: vec![1.0, 3.0, 10.0],
            gram_values: vec![0.0, 0.5],
            folds: 5,
            seed: 14,
            positive_weight: 3,
        }
    }
}

/// The mentions of each letter.
fn prepare(letters: &[Letter]) -> Vec<Vec<MentionFeatures>> {
    use rayon::prelude::*;
    let lex = Lexicon::builtin();
    letters
        .par_iter()
        .map(|l| mention_features(lex, &l.text, l.title_len))
        .collect()
}

/// Bigram buckets kept as columns: the most frequent, seen in at least `MIN_GRAM_DF` mentions
/// (a dense fit over every bucket is slow and over-fits a few hundred letters).
const MAX_GRAMS: usize = 400;
const MIN_GRAM_DF: usize = 3;

/// The feature columns of a training set: named features seen, the most frequent bigram
/// buckets.
struct Columns {
    named: Vec<String>,
    named_at: HashMap<String, usize>,
    grams: Vec<u32>,
    gram_at: HashMap<u32, usize>,
}

impl Columns {
    fn of(rows: &[&MentionFeatures]) -> Columns {
        let mut named: Vec<String> = rows.iter().flat_map(|m| m.named.iter().cloned()).collect();
        named.sort_unstable();
        named.dedup();
        let mut df: HashMap<u32, usize> = HashMap::new();
        for m in rows {
            for g in &m.grams {
                *df.entry(*g).or_default() += 1;
            }
        }
        let mut by_df: Vec<(u32, usize)> =
            df.into_iter().filter(|&(_, n)| n >= MIN_GRAM_DF).collect();
        by_df.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut grams: Vec<u32> = by_df.into_iter().take(MAX_GRAMS).map(|(g, _)| g).collect();
        grams.sort_unstable();
        Columns {
            named_at: named
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i))
                .collect(),
            gram_at: grams.iter().enumerate().map(|(i, g)| (*g, i)).collect(),
            named,
            grams,
        }
    }

    fn matrix(&self, rows: &[&MentionFeatures], gram_value: f32) -> Array2<f64> {
        // column 0 the prior score, then the named features, then the bigrams
        let k = 1 + self.named.len();
        let mut x = Array2::<f64>::zeros((rows.len(), k + self.grams.len()));
        for (i, m) in rows.iter().enumerate() {
            x[[i, 0]] = f64::from(m.prior);
            for n in &m.named {
                if let Some(&j) = self.named_at.get(n) {
                    x[[i, 1 + j]] = 1.0;
                }
            }
            for g in &m.grams {
                if let Some(&j) = self.gram_at.get(g) {
                    x[[i, k + j]] = f64::from(gram_value);
                }
            }
        }
        x
    }
}

/// One logistic regression over `rows` (label per row); its weights as a model (threshold
/// 0.5, to be set by the caller).
fn fit_rows(
    rows: &[&MentionFeatures],
    labels: &[bool],
    alpha: f64,
    gram_value: f32,
    positive_weight: usize,
) -> Result<UrgencyModel, UrgencyError> {
    let mut xs: Vec<&MentionFeatures> = Vec::with_capacity(rows.len());
    let mut ys: Vec<usize> = Vec::with_capacity(rows.len());
    for (m, &y) in rows.iter().zip(labels) {
        for _ in 0..if y { positive_weight.max(1) } else { 1 } {
            xs.push(m);
            ys.push(usize::from(y));
        }
    }
    if !ys.contains(&1) || !ys.contains(&0) {
        return Err(UrgencyError::Fit(
            "needs urgent and non-urgent mentions".into(),
        ));
    }
    let mut cols = Columns::of(rows);
    if gram_value == 0.0 {
        cols.grams.clear();
        cols.gram_at.clear();
    }
    let x = cols.matrix(&xs, gram_value);
    let ds = Dataset::new(x, Array1::from(ys));
    let fitted = LogisticRegression::default()
        .alpha(alpha)
        .max_iterations(150)
        .fit(&ds)
        .map_err(|e| UrgencyError::Fit(e.to_string()))?;
    // linfa's positive class is the larger one (not urgent): flip to score urgency
    let sign = if fitted.labels().pos.class == 1 {
        1.0
    } else {
        -1.0
    };
    let p = fitted.params();
    let k = 1 + cols.named.len();
    let named = cols
        .named
        .iter()
        .enumerate()
        .map(|(j, n)| (n.clone(), (sign * p[1 + j]) as f32))
        .filter(|(_, w)| *w != 0.0)
        .collect();
    let grams = cols
        .grams
        .iter()
        .enumerate()
        .map(|(j, g)| (*g, (sign * p[k + j]) as f32))
        .filter(|(_, w)| w.abs() >= 1e-4)
        .collect();
    Ok(UrgencyModel {
        trained_on: Vec::new(),
        n_train: 0,
        n_urgent: 0,
        alpha,
        gram_value,
        pooled: false,
        threshold: 0.5,
        bias: (sign * fitted.intercept()) as f32,
        prior_weight: (sign * p[0]) as f32,
        named,
        grams,
        cv: None,
    })
}

/// One configuration of the fit.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Config {
    alpha: f64,
    gram_value: f32,
    pooled: bool,
}

/// The fit over letters' mentions: pooled, one fit over each letter's mentions pooled;
/// else two rounds, multiple-instance.
fn fit_letters(
    mentions: &[&Vec<MentionFeatures>],
    urgent: &[bool],
    c: Config,
    positive_weight: usize,
) -> Result<UrgencyModel, UrgencyError> {
    let Config {
        alpha,
        gram_value,
        pooled,
    } = c;
    if pooled {
        let (rows, labels): (Vec<MentionFeatures>, Vec<bool>) = mentions
            .iter()
            .zip(urgent)
            .filter(|(ms, _)| !ms.is_empty())
            .map(|(ms, &u)| (pool(ms), u))
            .unzip();
        let refs: Vec<&MentionFeatures> = rows.iter().collect();
        let mut m = fit_rows(&refs, &labels, alpha, gram_value, positive_weight)?;
        m.pooled = true;
        return Ok(m);
    }
    let mut rows: Vec<&MentionFeatures> = Vec::new();
    let mut labels: Vec<bool> = Vec::new();
    for (ms, &u) in mentions.iter().zip(urgent) {
        for m in ms.iter() {
            rows.push(m);
            labels.push(u);
        }
    }
    let first = fit_rows(&rows, &labels, alpha, gram_value, positive_weight)?;
    rows.clear();
    labels.clear();
    for (ms, &u) in mentions.iter().zip(urgent) {
        if u {
            if let (_, Some(best)) = first.letter_score(ms) {
                rows.push(best);
                labels.push(true);
            }
        } else {
            rows.extend(ms.iter());
            labels.extend(std::iter::repeat_n(false, ms.len()));
        }
    }
    fit_rows(&rows, &labels, alpha, gram_value, positive_weight)
}

/// The threshold with the best F1 over (score, gold) pairs: halfway between the lowest score
/// it accepts and the next lower one. Also the figures there.
fn best_threshold(scored: &[(f32, bool)]) -> (f32, Figures) {
    let mut s: Vec<(f32, bool)> = scored.to_vec();
    s.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = s.iter().filter(|x| x.1).count();
    let mut best = (0.5f32, Figures::of(s.iter().map(|x| (x.1, x.0 >= 0.5))));
    let mut best_f1 = best.1.f1();
    let mut tp = 0;
    for i in 0..s.len() {
        tp += usize::from(s[i].1);
        if i + 1 < s.len() && s[i + 1].0 == s[i].0 {
            continue;
        }
        let f = Figures {
            tp,
            fp: i + 1 - tp,
            fn_: positives - tp,
            tn: s.len() - (i + 1) - (positives - tp),
        };
        if f.f1() > best_f1 && s[i].0 > 0.0 {
            best_f1 = f.f1();
            let next = s.get(i + 1).map_or(0.0, |x| x.0);
            best = ((s[i].0 + next) / 2.0, f);
        }
    }
    best
}

/// Stratified folds: urgent and other letters each shuffled and dealt round-robin.
fn folds(urgent: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut fold = vec![0; urgent.len()];
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..urgent.len()).filter(|&i| urgent[i] == class).collect();
        idx.shuffle(&mut rng);
        for (n, i) in idx.into_iter().enumerate() {
            fold[i] = n % k;
        }
    }
    fold
}

/// Out-of-fold letter scores of one configuration.
fn out_of_fold(
    mentions: &[Vec<MentionFeatures>],
    urgent: &[bool],
    fold: &[usize],
    k: usize,
    config: Config,
    positive_weight: usize,
) -> Result<Vec<(f32, bool)>, UrgencyError> {
    let mut scored = vec![(0f32, false); urgent.len()];
    for f in 0..k {
        let train: Vec<usize> = (0..urgent.len()).filter(|&i| fold[i] != f).collect();
        let ms: Vec<&Vec<MentionFeatures>> = train.iter().map(|&i| &mentions[i]).collect();
        let ys: Vec<bool> = train.iter().map(|&i| urgent[i]).collect();
        let m = fit_letters(&ms, &ys, config, positive_weight)?;
        for i in (0..urgent.len()).filter(|&i| fold[i] == f) {
            scored[i] = (m.letter_score(&mentions[i]).0, urgent[i]);
        }
    }
    Ok(scored)
}

/// Trains a model on `letters`: the configuration and threshold with the best out-of-fold F1,
/// then a fit on all of them.
pub fn fit(letters: &[Letter], opts: &FitOptions) -> Result<UrgencyModel, UrgencyError> {
    let mentions = prepare(letters);
    let urgent: Vec<bool> = letters.iter().map(|l| l.urgent).collect();
    let k = opts.folds.max(2);
    let fold = folds(&urgent, k, opts.seed);
    let mut best: Option<(Config, f32, Figures)> = None;
    for pooled in [false, true] {
        for &alpha in &opts.alphas {
            for &gram_value in &opts.gram_values {
                let c = Config {
                    alpha,
                    gram_value,
                    pooled,
                };
                let scored = out_of_fold(&mentions, &urgent, &fold, k, c, opts.positive_weight)?;
                let (t, f) = best_threshold(&scored);
                if best.as_ref().is_none_or(|b| f.f1() > b.2.f1()) {
                    best = Some((c, t, f));
                }
            }
        }
    }
    let (config, threshold, cvf) =
        best.ok_or_else(|| UrgencyError::Fit("no configuration to try".into()))?;
    let all: Vec<&Vec<MentionFeatures>> = mentions.iter().collect();
    let mut model = fit_letters(&all, &urgent, config, opts.positive_weight)?;
    let mut sources: Vec<String> = letters.iter().map(|l| l.source.clone()).collect();
    sources.sort_unstable();
    sources.dedup();
    model.trained_on = sources;
    model.n_train = letters.len();
    model.n_urgent = urgent.iter().filter(|u| **u).count();
    model.threshold = threshold;
    model.cv = Some(CvFigures {
        precision: cvf.precision(),
        recall: cvf.recall(),
        f1: cvf.f1(),
    });
    Ok(model)
}

/// The classifier's and the former rule's figures on `letters`.
pub fn evaluate(model: &UrgencyModel, letters: &[Letter]) -> (Figures, Figures) {
    let lex = Lexicon::builtin();
    let ours = Figures::of(letters.iter().map(|l| {
        let urgent = model
            .assess(lex, &l.text, l.title_len)
            .is_some_and(|e| e.urgent);
        (l.urgent, urgent)
    }));
    let baseline = Figures::of(
        letters
            .iter()
            .map(|l| (l.urgent, legacy::is_urgent(&l.text))),
    );
    (ours, baseline)
}

/// A held-out run: the model trained on the other sources, and the figures on `source`.
pub struct HoldOut {
    pub model: UrgencyModel,
    pub test: usize,
    pub test_urgent: usize,
    /// Training letters dropped as near-duplicates of a test letter.
    pub dropped: usize,
    pub ours: Figures,
    pub baseline: Figures,
}

/// Normalised character 3-grams of a text (for spotting the same letter in two sources).
fn trigrams(text: &str) -> HashSet<[char; 3]> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// Trains on every source but `source` (without letters sharing 60 % of their 3-grams with
/// a letter of `source`) and tests on `source`.
pub fn hold_out(
    letters: &[Letter],
    source: &str,
    opts: &FitOptions,
) -> Result<HoldOut, UrgencyError> {
    let (test, rest): (Vec<&Letter>, Vec<&Letter>) =
        letters.iter().partition(|l| l.source == source);
    if test.is_empty() {
        return Err(UrgencyError::Labels(format!(
            "no labelled letters of source `{source}`"
        )));
    }
    let test_grams: Vec<HashSet<[char; 3]>> = test.iter().map(|l| trigrams(&l.text)).collect();
    let close = |l: &Letter| {
        let g = trigrams(&l.text);
        test_grams.iter().any(|t| {
            let small = g.len().min(t.len()).max(1);
            g.intersection(t).count() as f64 >= 0.6 * small as f64
        })
    };
    let train: Vec<Letter> = rest
        .iter()
        .filter(|l| !close(l))
        .map(|l| (*l).clone())
        .collect();
    let dropped = rest.len() - train.len();
    let model = fit(&train, opts)?;
    let test: Vec<Letter> = test.into_iter().cloned().collect();
    let (ours, baseline) = evaluate(&model, &test);
    Ok(HoldOut {
        test: test.len(),
        test_urgent: test.iter().filter(|l| l.urgent).count(),
        model,
        dropped,
        ours,
        baseline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_and_thresholds() {
        assert_eq!(source_of("tipdm2020c/replies.csv"), Some("replies"));
        assert_eq!(source_of("tipdm2020c/labeled_raw.csv"), Some("tipdm"));
        assert_eq!(source_of("shangluo_mailbox/mails.csv"), Some("shangluo"));
        assert_eq!(source_of("other.csv"), None);
        let (t, f) = best_threshold(&[
            (0.9, true),
            (0.8, true),
            (0.6, false),
            (0.3, true),
            (0.1, false),
        ]);
        assert!(t > 0.1 && t < 0.3, "{t}");
        assert_eq!((f.tp, f.fp, f.fn_), (3, 1, 0));
    }
}
