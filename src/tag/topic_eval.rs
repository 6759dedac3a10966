//! Training and measuring the topic decision on the hand labels (`tests/topics_*.csv`):
//! the keyword-bootstrapped training set plus weighted hand-labelled rows, k-fold
//! cross-validation of the whole decision, and the leave-one-source-out measure (train on
//! the hand labels of two sources, tipdm / replies / shangluo, test on the third), which is
//! the figure for a city whose data the project has never seen.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use super::data::{duplicate_groups, group_folds, Example};
use super::features::FeatureConfig;
use super::keywords::Keywords;
use super::linear::{LinearModel, TrainOptions};
use super::topics::{
    bootstrap, read_check, read_messages, resolve_check, Message, BOOTSTRAP_FILES,
};
use super::train::{fit, Learner};
use super::urgent::train::source_of;
use super::{tagger, Tagger};

/// A hand-labelled row with its message and terms.
#[derive(Debug, Clone)]
pub struct HandRow {
    /// The labels file it came from.
    pub set: String,
    pub example: Example,
    pub message: Message,
}

impl HandRow {
    /// The source of the row's message (tipdm, replies, shangluo).
    pub fn source(&self) -> &'static str {
        source_of(&self.message.file).unwrap_or("other")
    }
}

/// How the topic model is trained: the keyword rules, features, learner and the weight of
/// a hand-labelled row against a keyword-labelled one.
#[derive(Debug, Clone)]
pub struct TopicTraining {
    /// The keyword rules (topics.toml text).
    pub kw_text: String,
    pub cfg: FeatureConfig,
    pub learner: Learner,
    pub opt: TrainOptions,
    pub weight: usize,
}

impl TopicTraining {
    /// The keyword rules parsed.
    pub fn keywords(&self) -> Result<Keywords> {
        Keywords::parse(&self.kw_text)
    }

    /// The topic model from the keyword-labelled `boot` set and the hand rows (each counted
    /// `weight` times).
    pub fn fit<'a>(
        &self,
        boot: &[Example],
        hand: impl IntoIterator<Item = &'a HandRow>,
    ) -> Result<LinearModel> {
        let mut examples = boot.to_vec();
        for h in hand {
            for _ in 0..self.weight.max(1) {
                examples.push(h.example.clone());
            }
        }
        fit(&examples, self.cfg, self.learner, self.opt)
    }

    /// The full tagger (keywords, `model`, the built-in category model) with this training's
    /// keyword rules.
    pub fn tagger(&self, model: LinearModel) -> Result<Tagger> {
        Ok(Tagger::from_parts(
            tagger().category.clone(),
            Some(model),
            self.keywords()?,
            None,
        ))
    }
}

/// The unlabelled messages of the bootstrap files under `root` (../shared/datasets) that
/// exist; `keep` chooses by dataset-relative file.
pub fn load_messages(root: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<Message>> {
    let mut messages = Vec::new();
    for rel in BOOTSTRAP_FILES.iter().filter(|r| keep(r)) {
        if root.join(rel).exists() {
            messages.extend(read_messages(root, rel)?);
        }
    }
    Ok(messages)
}

/// The (file, id) of every row in the labels files: left out of the keyword bootstrap so a
/// held-out row is unseen by it too.
pub fn labelled_ids(paths: &[PathBuf]) -> Result<HashSet<(String, String)>> {
    let mut out = HashSet::new();
    for p in paths {
        out.extend(read_check(p)?.into_iter().map(|r| (r.file, r.id)));
    }
    Ok(out)
}

/// The hand-labelled rows of `paths` joined with their messages under `root`, the first
/// label of a (file, id) kept; returns the rows and how many were not found.
pub fn load_hand(root: &Path, paths: &[PathBuf]) -> Result<(Vec<HandRow>, usize)> {
    let mut hand = Vec::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut missing = 0;
    for p in paths {
        let rows = read_check(p)?;
        let (pairs, m) = resolve_check(root, &rows)?;
        missing += m;
        for (row, message) in pairs {
            if !seen.insert((row.file.clone(), row.id.clone())) {
                continue;
            }
            hand.push(HandRow {
                set: p.display().to_string(),
                example: Example {
                    terms: message.terms(),
                    label: row.topic.clone(),
                    origin: format!("{}:{}", row.file, row.id),
                },
                message,
            });
        }
    }
    Ok((hand, missing))
}

/// Accuracy counts, with how often the decision and the gold say `other`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Score {
    pub n: usize,
    pub correct: usize,
    pub predicted_other: usize,
    pub gold_other: usize,
}

impl Score {
    pub fn add(&mut self, gold: &str, predicted: &str) {
        self.n += 1;
        self.correct += usize::from(gold == predicted);
        self.predicted_other += usize::from(predicted == "other");
        self.gold_other += usize::from(gold == "other");
    }

    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.n.max(1) as f64
    }
}

/// Tags each row's message with `t` (in parallel); the topic ids in row order.
pub fn predict(t: &Tagger, rows: &[&HandRow]) -> Vec<String> {
    rows.par_iter()
        .map(|h| {
            let (title, body) = h.message.title_body();
            t.tag(&title, &body).topic
        })
        .collect()
}

/// The out-of-fold outcome of [`cross_validate`].
#[derive(Debug, Clone)]
pub struct TopicsCv {
    /// Accuracy per fold.
    pub folds: Vec<Score>,
    /// Per labels file.
    pub by_set: BTreeMap<String, Score>,
    pub pooled: Score,
    /// The out-of-fold prediction of every hand row.
    pub predicted: Vec<String>,
}

/// K-fold cross-validation of the whole topic decision over the hand rows: each fold's
/// model is trained on the keyword-labelled set plus the other folds' hand labels, and the
/// full tagger tags the held fold. Near-duplicate rows stay in one fold. With `dump`, the
/// out-of-fold keyword scores and model probabilities go there as JSON lines.
pub fn cross_validate(
    tr: &TopicTraining,
    boot: &[Example],
    hand: &[HandRow],
    k: usize,
    dump: Option<&Path>,
) -> Result<TopicsCv> {
    if hand.len() < k {
        bail!(
            "--cv {k} needs at least {k} hand-labelled rows (--extra), found {}",
            hand.len()
        );
    }
    let examples: Vec<_> = hand.iter().map(|h| h.example.clone()).collect();
    let groups = duplicate_groups(&examples);
    let (fold, _) = group_folds(&groups, k, 20261122);
    let mut predicted: Vec<String> = vec![String::new(); hand.len()];
    let mut dumped: Vec<Option<serde_json::Value>> = vec![None; hand.len()];
    let mut folds = Vec::new();
    for f in 0..k {
        let train = hand.iter().zip(&fold).filter(|(_, &hf)| hf != f);
        let t = tr.tagger(tr.fit(boot, train.map(|(h, _)| h))?)?;
        let held: Vec<usize> = (0..hand.len()).filter(|&i| fold[i] == f).collect();
        let rows: Vec<&HandRow> = held.iter().map(|&i| &hand[i]).collect();
        let mut score = Score::default();
        for (&i, p) in held.iter().zip(predict(&t, &rows)) {
            score.add(&hand[i].example.label, &p);
            predicted[i] = p;
            if dump.is_some() {
                let (title, body) = hand[i].message.title_body();
                let s = t.debug_scores(&title, &body);
                dumped[i] = Some(serde_json::json!({
                    "origin": hand[i].example.origin, "source": hand[i].set,
                    "fold": f, "gold": hand[i].example.label,
                    "kw": s.0, "model": s.1, "category": s.2, "category_conf": s.3,
                }));
            }
        }
        folds.push(score);
    }
    if let Some(path) = dump {
        let mut w = std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        );
        for d in dumped.into_iter().flatten() {
            writeln!(w, "{d}")?;
        }
    }
    let mut by_set: BTreeMap<String, Score> = BTreeMap::new();
    let mut pooled = Score::default();
    for (h, p) in hand.iter().zip(&predicted) {
        by_set
            .entry(h.set.clone())
            .or_default()
            .add(&h.example.label, p);
        pooled.add(&h.example.label, p);
    }
    Ok(TopicsCv {
        folds,
        by_set,
        pooled,
        predicted,
    })
}

/// One rotation of the leave-one-source-out measure.
#[derive(Debug, Clone)]
pub struct HoldOut {
    pub source: String,
    /// Hand rows trained on (the training-role rows of the other sources).
    pub train: usize,
    /// Keyword-labelled messages trained on (none of the held-out source's).
    pub bootstrap: usize,
    /// Training rows (hand or keyword-labelled) left out as near-duplicates of a test row.
    pub dropped: usize,
    /// On the held-out source's rows of the testing-role files (the figure).
    pub score: Score,
    /// On every hand-labelled row of the held-out source, whatever its file: none of them is
    /// trained on in this rotation (a larger, secondary figure).
    pub score_all: Score,
}

/// The label files of the leave-one-source-out measure by their declared role: `train`
/// (training and tuning: tests/topics_train.csv, tests/topics_dev.csv) and `test` (testing:
/// tests/topics_check.csv, tests/topics_holdout.csv). A rotation trains on the `train` rows
/// of the other sources and is scored on the `test` rows of the held-out one.
#[derive(Debug, Clone)]
pub struct LabelRoles {
    pub train: Vec<PathBuf>,
    pub test: Vec<PathBuf>,
}

/// Rows of one rotation, for a peer trained and scored on the same split.
pub struct Split<'a> {
    pub train: &'a [&'a HandRow],
    pub test: &'a [&'a HandRow],
    pub test_all: &'a [&'a HandRow],
}

/// Trains the topic model on the keyword bootstrap and the training-role hand rows of every
/// source but `source`, and scores the full decision on the testing-role hand rows of
/// `source` (and, apart, on all its hand rows). The held-out source's messages are kept out
/// of the bootstrap as well, so nothing of that source is trained on. `write_split` gets the
/// rows of the split (for a peer on the same split).
pub fn hold_out_source(
    tr: &TopicTraining,
    root: &Path,
    labels: &LabelRoles,
    source: &str,
    mut write_split: impl FnMut(&Split) -> Result<()>,
) -> Result<HoldOut> {
    let t0 = Instant::now();
    let (train_rows, m1) = load_hand(root, &labels.train)?;
    let (test_rows, m2) = load_hand(root, &labels.test)?;
    if m1 + m2 > 0 {
        eprintln!("{} labelled rows not found in the datasets", m1 + m2);
    }
    let train: Vec<&HandRow> = train_rows.iter().filter(|h| h.source() != source).collect();
    let test: Vec<&HandRow> = test_rows.iter().filter(|h| h.source() == source).collect();
    let test_all: Vec<&HandRow> = train_rows
        .iter()
        .filter(|h| h.source() == source)
        .chain(test.iter().copied())
        .collect();
    if test.is_empty() {
        bail!("no testing-role rows of source {source} (tipdm, replies or shangluo)");
    }
    let kw = tr.keywords()?;
    let messages = load_messages(root, |rel| source_of(rel) != Some(source))?;
    let all_labels: Vec<PathBuf> = labels.train.iter().chain(&labels.test).cloned().collect();
    let (boot, _) = bootstrap(&kw, &messages, &labelled_ids(&all_labels)?);
    // a text of another source that repeats a held-out one (the tipdm files share ~80
    // messages with replies.csv) is not trained on
    let (boot, train, dropped) = drop_near_duplicates(&test_all, boot, train);
    write_split(&Split {
        train: &train,
        test: &test,
        test_all: &test_all,
    })?;
    let t = tr.tagger(tr.fit(&boot, train.iter().copied())?)?;
    let mut score_all = Score::default();
    let predicted = predict(&t, &test_all);
    for (h, p) in test_all.iter().zip(&predicted) {
        score_all.add(&h.example.label, p);
    }
    // the testing-role rows are the last of test_all
    let mut score = Score::default();
    let first_test = test_all.len() - test.len();
    for (h, p) in test.iter().zip(&predicted[first_test..]) {
        score.add(&h.example.label, p);
    }
    eprintln!(
        "hold-out {source}: trained and tagged in {:.1}s",
        t0.elapsed().as_secs_f64()
    );
    Ok(HoldOut {
        source: source.to_string(),
        dropped,
        train: train.len(),
        bootstrap: boot.len(),
        score,
        score_all,
    })
}

/// `boot` and `train` without the examples that are near-duplicates (as
/// [`duplicate_groups`] finds them) of a `test` row; returns them and how many were dropped.
fn drop_near_duplicates<'a>(
    test: &[&HandRow],
    boot: Vec<Example>,
    train: Vec<&'a HandRow>,
) -> (Vec<Example>, Vec<&'a HandRow>, usize) {
    let all: Vec<Example> = test
        .iter()
        .chain(&train)
        .map(|h| h.example.clone())
        .chain(boot.iter().cloned())
        .collect();
    let groups = duplicate_groups(&all);
    let held: HashSet<usize> = groups[..test.len()].iter().copied().collect();
    let keep = |i: usize| !held.contains(&groups[i]);
    let (n_test, n_train) = (test.len(), train.len());
    let before = n_train + boot.len();
    let train: Vec<&HandRow> = train
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| keep(n_test + i))
        .map(|(_, h)| h)
        .collect();
    let boot: Vec<Example> = boot
        .into_iter()
        .enumerate()
        .filter(|&(i, _)| keep(n_test + n_train + i))
        .map(|(_, e)| e)
        .collect();
    let dropped = before - train.len() - boot.len();
    (boot, train, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_counts_other() {
        let mut s = Score::default();
        s.add("other", "other");
        s.add("water_supply", "other");
        s.add("water_supply", "water_supply");
        assert_eq!(s.n, 3);
        assert_eq!(s.correct, 2);
        assert_eq!(s.predicted_other, 2);
        assert_eq!(s.gold_other, 1);
    }
}
