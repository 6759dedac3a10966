//! `hotline tag`, `train`, `retag`, `eval classify`, `eval route` and `eval topics`.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;
use clap::Args;
use rayon::prelude::*;

use super::IndexArgs;
use crate::index::CaseStore;
use crate::model::Case;
use crate::tag::data::load_all;
use crate::tag::features::FeatureConfig;
use crate::tag::json::tag_json;
use crate::tag::linear::{LinearModel, Loss, TrainOptions};
use crate::tag::route::{
    route_accuracy, route_examples, train_route, train_route_with, train_store, RouteExample,
    RouteSettings,
};
use crate::tag::topic_eval::{self, TopicTraining};
use crate::tag::topics::{bootstrap, read_check, resolve_check};
use crate::tag::train::{cross_validate, evaluate, fit_with, FitOptions, IdfMode, Learner};
use crate::tag::{tagger, Tagger};

#[derive(Args, Debug)]
pub struct TagArgs {
    /// The text to tag (or --stdin).
    pub text: Vec<String>,
    /// Read JSONL lines {"id", "text"} from stdin, write one JSON object per line.
    #[arg(long)]
    pub stdin: bool,
    /// Print JSON (always on with --stdin).
    #[arg(long)]
    pub json: bool,
    /// Load category.bin / topics.bin / route.bin / topics.toml from this directory instead of
    /// the built-in models.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Suggest departments with the route model learned from this case store (`hotline train
    /// --route --index DIR`, or an ingest); without one, the built-in model.
    #[arg(long, env = "HOTLINE_INDEX")]
    pub index: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Labelled data (csv); repeat for several files. With --topics: the datasets directory
    /// (../shared/datasets) to bootstrap from. With --route: exports read as `hotline ingest`
    /// reads them. Not with --urgency.
    #[arg(long, required_unless_present_any = ["urgency", "index"], num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// With --route: learn from the departments of the cases in this store and keep the model
    /// in the store's directory (tagging that store then uses it).
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Text column, or several joined with `+` (default: 分词文本, else title + body).
    #[arg(long)]
    pub text_col: Option<String>,
    /// Label column (default 一级标签 / 一级分类 / label).
    #[arg(long)]
    pub label_col: Option<String>,
    /// Where to write the model (default models/category, models/topics or models/route;
    /// `.bin` is added).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// k-fold cross-validation (grouped by near-duplicate) before training; prints cv_macro_f1.
    /// With --topics: over the --extra hand-labelled rows, of the whole topic decision
    /// (keywords + a model trained on the bootstrap and the other folds); prints
    /// topics_cv_accuracy.
    #[arg(long)]
    pub cv: Option<usize>,
    /// Only cross-validate, write no model.
    #[arg(long)]
    pub no_save: bool,
    #[arg(long, value_enum, default_value = "svm")]
    pub learner: LearnerArg,
    /// Inverse regularisation strength (default 2 for the category model, 0.5 for --topics).
    #[arg(long)]
    pub c: Option<f32>,
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// log2 of the number of hashed feature buckets (default 18; 14 with --topics: the
    /// same accuracy on the topic sets as 16, with a quarter of the weights).
    #[arg(long)]
    pub bits: Option<u32>,
    /// Feature families: any of w (words), b (word bigrams), c (character n-grams).
    #[arg(long, default_value = "wbc")]
    pub features: String,
    /// Lengths of the character n-grams, as MIN-MAX (default: the built-in feature set's).
    #[arg(long, value_parser = parse_char_range)]
    pub chars: Option<(u8, u8)>,
    /// SVM loss.
    #[arg(long, value_enum, default_value = "squared-hinge")]
    pub loss: LossArg,
    /// Class weighting: each class's cost times (n / (k · n_class))^BALANCE (0: none;
    /// default 1, balanced).
    #[arg(long)]
    pub balance: Option<f32>,
    /// IDF formula.
    #[arg(long, value_enum, default_value = "smooth")]
    pub idf: IdfArg,
    /// Drop buckets seen in fewer training documents than this.
    #[arg(long, default_value_t = 1)]
    pub min_df: u32,
    /// NB-SVM: scale each class's features by |log-count ratio|^NB (0: off; default 0.5).
    #[arg(long)]
    pub nb: Option<f32>,
    /// Share of a logistic-regression model mixed into the SVM (0: none).
    #[arg(long, default_value_t = 0.0)]
    pub mix: f32,
    /// With --cv: split at random instead of by near-duplicate group (inflated; comparison
    /// only).
    #[arg(long)]
    pub random_split: bool,
    /// Train the department-suggestion model from the cases' departments (承办单位 ...): of the
    /// store of --index, or of the --data exports.
    #[arg(long)]
    pub route: bool,
    /// Train the topic model from keyword-labelled messages of the datasets in --data.
    #[arg(long)]
    pub topics: bool,
    /// With --topics: a check set (file,id,topic) whose messages are left out of training.
    #[arg(long)]
    pub exclude: Vec<PathBuf>,
    /// With --topics: hand-labelled rows (file,id,topic) added to the keyword-labelled set
    /// (each counted `--extra-weight` times; `other` rows teach the model an `other` class).
    #[arg(long)]
    pub extra: Vec<PathBuf>,
    #[arg(long, default_value_t = 3)]
    pub extra_weight: usize,
    /// With --topics: the keyword rules (topics.toml) to bootstrap and cross-validate with
    /// (default: the built-in models/topics.toml).
    #[arg(long)]
    pub keywords: Option<PathBuf>,
    /// With --topics --cv: write the out-of-fold keyword scores and model probabilities of
    /// every hand-labelled row as JSON lines (for tuning the decision).
    #[arg(long)]
    pub cv_dump: Option<PathBuf>,
    /// Train the urgency classifier from --labels (default models/urgency.json, or
    /// models/urgency-without-SOURCE.json with --hold-out).
    #[arg(long)]
    pub urgency: bool,
    /// With --urgency: the labels file (file,id,urgent[,reason]).
    #[arg(long, default_value = "tests/urgency/labels.csv")]
    pub labels: PathBuf,
    /// With --urgency: train on every source but this one (tipdm, replies, shangluo) and
    /// print urgency_precision / urgency_recall on it.
    #[arg(long)]
    pub hold_out: Option<String>,
    /// With --urgency: the shared directory holding datasets/ (default $HOTLINE_SHARED or
    /// ../shared).
    #[arg(long)]
    pub shared: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RetagArgs {
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Args, Debug)]
pub struct EvalClassifyArgs {
    #[arg(long, required = true, num_args = 1..)]
    pub data: Vec<PathBuf>,
    #[arg(long)]
    pub text_col: Option<String>,
    #[arg(long)]
    pub label_col: Option<String>,
    /// Model file (default: the built-in models/category.bin).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EvalRouteArgs {
    /// The case store whose history is split.
    #[arg(long, env = "HOTLINE_INDEX", required_unless_present = "data")]
    pub index: Option<PathBuf>,
    /// Exports read as `hotline ingest` reads them, instead of a store.
    #[arg(long, conflicts_with = "index", num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Train on cases received before this date (YYYY-MM-DD), test on the rest.
    #[arg(long)]
    pub split: NaiveDate,
    /// Leave out cases received on or after this date (tune on an earlier split, keep the
    /// latest cases for the test).
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// Write the split as DIR/train.csv and DIR/test.csv (id, received_at, text, department)
    /// for a peer to be trained and scored on the same cases (benches/peers/route_peer.py).
    #[arg(long)]
    pub dump_split: Option<PathBuf>,
    /// SVM inverse regularisation.
    #[arg(long)]
    pub c: Option<f32>,
    /// log2 of the hashed feature buckets.
    #[arg(long)]
    pub bits: Option<u32>,
    /// Character n-gram lengths, MIN-MAX.
    #[arg(long, value_parser = parse_char_range)]
    pub chars: Option<(u8, u8)>,
    /// Feature families: any of w (words), b (word bigrams), c (character n-grams).
    #[arg(long)]
    pub features: Option<String>,
    /// Class weighting power (0: none, 1: balanced).
    #[arg(long)]
    pub balance: Option<f32>,
    /// Leave out departments with fewer training cases.
    #[arg(long)]
    pub min_cases: Option<usize>,
}

#[derive(Args, Debug)]
pub struct EvalTopicsArgs {
    /// The hand-labelled check set (file,id,topic).
    #[arg(long, default_value = "tests/topics_check.csv")]
    pub data: PathBuf,
    /// The shared directory holding datasets/ (default $HOTLINE_SHARED or ../shared).
    #[arg(long)]
    pub shared: Option<PathBuf>,
    /// Load models from this directory instead of the built-in ones.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Print every miss.
    #[arg(long)]
    pub verbose: bool,
    /// Write per-message keyword scores and model probabilities as JSON lines (for tuning).
    #[arg(long)]
    pub dump: Option<PathBuf>,
    /// Leave one source out instead: train the topic model on the keyword bootstrap and the
    /// --train-labels rows of the other sources, test on this source's --test-labels rows
    /// (tipdm, replies, shangluo, or all for the three rotations). Prints
    /// holdout_accuracy_SOURCE= (and holdout_all_accuracy_SOURCE= over all its labelled rows).
    #[arg(long)]
    pub hold_out_source: Option<String>,
    /// With --hold-out-source: the training- and tuning-role labels (file,id,topic).
    #[arg(
        long,
        num_args = 1..,
        default_values = ["tests/topics_train.csv", "tests/topics_dev.csv"]
    )]
    pub train_labels: Vec<PathBuf>,
    /// With --hold-out-source: the testing-role labels (never trained or tuned on).
    #[arg(
        long,
        num_args = 1..,
        default_values = ["tests/topics_check.csv", "tests/topics_holdout.csv"]
    )]
    pub test_labels: Vec<PathBuf>,
    /// With --hold-out-source: write each rotation's split (SOURCE-train.csv, SOURCE-test.csv,
    /// SOURCE-test-all.csv: text,topic) here, for a peer trained and scored on the same rows.
    #[arg(long)]
    pub split_dir: Option<PathBuf>,
    /// With --hold-out-source: the keyword rules (default the built-in models/topics.toml),
    /// to compare two versions on the same split.
    #[arg(long)]
    pub keywords: Option<PathBuf>,
    /// With --hold-out-source: how many times a hand-labelled row counts against a
    /// keyword-labelled one.
    #[arg(long, default_value_t = 10)]
    pub extra_weight: usize,
}

/// `--learner`: which learner fits the weights (see [`Learner`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LearnerArg {
    /// Hand-written one-vs-rest linear SVM, dual coordinate descent (the default).
    Svm,
    /// Hand-written multinomial logistic regression by SGD.
    Logreg,
    /// linfa-logistic (dense multinomial L-BFGS) over the most frequent buckets.
    Linfa,
}

impl From<LearnerArg> for Learner {
    fn from(a: LearnerArg) -> Learner {
        match a {
            LearnerArg::Svm => Learner::Svm,
            LearnerArg::Logreg => Learner::Logreg,
            LearnerArg::Linfa => Learner::Linfa,
        }
    }
}

/// `--loss`: the SVM loss (see [`Loss`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LossArg {
    /// Hinge loss (liblinear `-s 3`).
    Hinge,
    /// Squared hinge loss (liblinear `-s 1`, the default).
    SquaredHinge,
}

impl From<LossArg> for Loss {
    fn from(a: LossArg) -> Loss {
        match a {
            LossArg::Hinge => Loss::Hinge,
            LossArg::SquaredHinge => Loss::SquaredHinge,
        }
    }
}

/// `--idf`: the IDF formula (see [`IdfMode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IdfArg {
    /// ln((1+n)/(1+df)) + 1 (the default).
    Smooth,
    /// ln((1+n)/(1+df)), no +1: words in every document count nothing.
    Plain,
    /// 1 for every bucket seen (TF only).
    Unit,
}

impl From<IdfArg> for IdfMode {
    fn from(a: IdfArg) -> IdfMode {
        match a {
            IdfArg::Smooth => IdfMode::Smooth,
            IdfArg::Plain => IdfMode::Plain,
            IdfArg::Unit => IdfMode::Unit,
        }
    }
}

/// Parses `--chars MIN-MAX` (1 <= MIN <= MAX <= 4).
fn parse_char_range(s: &str) -> std::result::Result<(u8, u8), String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("expected MIN-MAX, e.g. 1-2, got {s:?}"))?;
    let a: u8 = a.trim().parse().map_err(|e| format!("{a:?}: {e}"))?;
    let b: u8 = b.trim().parse().map_err(|e| format!("{b:?}: {e}"))?;
    if !(1..=b).contains(&a) || b > 4 {
        return Err(format!("need 1 <= MIN <= MAX <= 4, got {a}-{b}"));
    }
    Ok((a, b))
}

/// `cfg` with the character n-gram lengths of `--chars`, when given.
fn with_chars(cfg: FeatureConfig, chars: Option<(u8, u8)>) -> FeatureConfig {
    match chars {
        Some((char_min, char_max)) => FeatureConfig {
            char_min,
            char_max,
            ..cfg
        },
        None => cfg,
    }
}

fn model_path(out: Option<PathBuf>, default: &str) -> PathBuf {
    let p = out.unwrap_or_else(|| PathBuf::from(default));
    if p.extension().is_some() {
        p
    } else {
        p.with_extension("bin")
    }
}

fn write_model(model: &LinearModel, path: &Path) -> Result<usize> {
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    let bytes = model.to_bytes();
    crate::outfile::write(path, &bytes, &crate::outfile::Protected::default())?;
    Ok(bytes.len())
}

fn load_tagger(dir: &Option<PathBuf>) -> Result<Option<Tagger>> {
    dir.as_ref().map(|d| Tagger::from_dir(d)).transpose()
}

/// The tagger of `tag --index DIR`: the store's route model over the other models (none:
/// the built-in route model, said on stderr).
fn store_tagger_of(dir: &Path, base: Option<Tagger>) -> Result<Tagger> {
    let store = CaseStore::open_existing(dir)?;
    let base = match base {
        Some(t) => t,
        None => match crate::tag::store_tagger(&store)? {
            Some(t) => return Ok(t),
            None => Tagger::builtin(),
        },
    };
    match crate::tag::route::load_store_model(&store)? {
        Some(m) => Ok(base.with_store_route(m)),
        None => {
            eprintln!(
                "hotline: {} 没有自己的部门模型（先运行 hotline train --route --index {}），使用内置模型",
                dir.display(),
                dir.display()
            );
            Ok(base)
        }
    }
}

pub fn run(args: TagArgs) -> Result<ExitCode> {
    let mut own = load_tagger(&args.model_dir)?;
    if let Some(dir) = &args.index {
        own = Some(store_tagger_of(dir, own)?);
    }
    let t: &Tagger = own.as_ref().unwrap_or_else(|| tagger());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.stdin {
        let stdin = std::io::stdin();
        let lines: Vec<String> = stdin
            .lock()
            .lines()
            .collect::<std::io::Result<_>>()
            .context("cannot read stdin")?;
        let results: Vec<Result<Option<serde_json::Value>>> = lines
            .par_iter()
            .enumerate()
            .map(|(n, line)| {
                if line.trim().is_empty() {
                    return Ok(None);
                }
                let v: serde_json::Value = serde_json::from_str(line)
                    .with_context(|| format!("stdin line {}: not JSON", n + 1))?;
                let text = v
                    .get("text")
                    .and_then(|x| x.as_str())
                    .with_context(|| format!("stdin line {}: no \"text\" string", n + 1))?;
                let title = v.get("title").and_then(|x| x.as_str()).unwrap_or("");
                let tags = t.tag(title, text);
                Ok(Some(tag_json(v.get("id"), text, &tags)))
            })
            .collect();
        for r in results {
            if let Some(v) = r? {
                writeln!(out, "{v}")?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.text.is_empty() {
        bail!("give a text to tag, or --stdin");
    }
    let text = args.text.join(" ");
    let tags = t.tag("", &text);
    if args.json {
        writeln!(out, "{}", tag_json(None, &text, &tags))?;
    } else {
        let topic_name = t
            .keywords
            .position(&tags.topic)
            .map(|i| t.keywords.topics[i].name.clone())
            .unwrap_or_default();
        writeln!(
            out,
            "类别: {} ({:.2})",
            tags.category, tags.category_confidence
        )?;
        writeln!(
            out,
            "主题: {} {} ({:.2})",
            tags.topic, topic_name, tags.topic_confidence
        )?;
        if !tags.secondary_topics.is_empty() {
            let s: Vec<String> = tags
                .secondary_topics
                .iter()
                .map(|s| format!("{} ({:.2})", s.name, s.score))
                .collect();
            writeln!(out, "次要主题: {}", s.join(", "))?;
        }
        writeln!(out, "依据: {}", tags.evidence.join(", "))?;
        let d: Vec<String> = tags
            .department_suggestions
            .iter()
            .map(|s| format!("{} ({:.2})", s.name, s.score))
            .collect();
        writeln!(out, "建议部门: {}", d.join(", "))?;
        writeln!(out, "紧急: {}", if tags.urgent { "是" } else { "否" })?;
        if let Some(u) = &tags.urgency {
            writeln!(
                out,
                "紧急依据: {} ({}) 「{}」 {} 得分 {:.2}",
                u.term,
                u.kind,
                u.mention,
                u.cues.join(" "),
                u.score
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_train(args: TrainArgs) -> Result<ExitCode> {
    if args.urgency {
        return super::urgency::train(
            &args.labels,
            args.hold_out.as_deref(),
            args.shared.as_deref(),
            args.out.clone(),
            args.no_save,
        );
    }
    if args.route {
        return train_route_cmd(&args);
    }
    if args.topics {
        return train_topics_cmd(&args);
    }
    let t0 = Instant::now();
    let examples = load_all(
        &args.data,
        args.text_col.as_deref(),
        args.label_col.as_deref(),
    )?;
    eprintln!(
        "loaded {} examples in {:.1}s",
        examples.len(),
        t0.elapsed().as_secs_f64()
    );
    let cfg = FeatureConfig {
        bits: args.bits.unwrap_or(18),
        unigrams: args.features.contains('w'),
        bigrams: args.features.contains('b'),
        char_ngrams: args.features.contains('c'),
        ..with_chars(FeatureConfig::default(), args.chars)
    };
    let opt = TrainOptions {
        c: args.c.unwrap_or(2.0),
        epochs: args.epochs,
        ..TrainOptions::default()
    };
    let fo = FitOptions {
        loss: args.loss.into(),
        balance: args.balance.unwrap_or(1.0),
        idf: args.idf.into(),
        min_df: args.min_df,
        nb: args.nb.unwrap_or(0.5),
        mix: args.mix,
    };
    if let Some(k) = args.cv {
        let t = Instant::now();
        let grouped = !args.random_split;
        let cv = cross_validate(
            &examples,
            k.max(2),
            cfg,
            args.learner.into(),
            opt,
            fo,
            grouped,
            |f, m, n| {
                println!("fold={} n={} macro_f1={:.4}", f + 1, n, m);
            },
        )?;
        print!("{}", cv.pooled.report());
        for (src, c) in &cv.by_source {
            println!("source={src} n={} macro_f1={:.4}", c.total(), c.macro_f1());
        }
        let mean = cv.folds.iter().sum::<f64>() / cv.folds.len() as f64;
        println!(
            "learner={:?} split={} cv_seconds={:.1}",
            args.learner,
            if grouped { "grouped" } else { "random" },
            t.elapsed().as_secs_f64()
        );
        println!("cv_macro_f1={mean:.4}");
    }
    if !args.no_save {
        let t = Instant::now();
        let model = fit_with(&examples, cfg, args.learner.into(), opt, fo)?;
        let path = model_path(args.out.clone(), "models/category");
        let n = write_model(&model, &path)?;
        eprintln!(
            "trained {:?} on {} examples in {:.1}s; wrote {} ({} bytes)",
            args.learner,
            examples.len(),
            t.elapsed().as_secs_f64(),
            path.display(),
            n
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn train_topics_cmd(args: &TrainArgs) -> Result<ExitCode> {
    let root = &args.data[0];
    let kw_text = match &args.keywords {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?
        }
        None => crate::tag::keywords::DEFAULT_TOPICS.to_string(),
    };
    let tr = TopicTraining {
        kw_text,
        cfg: FeatureConfig {
            bits: args.bits.unwrap_or(14),
            ..with_chars(FeatureConfig::default(), args.chars)
        },
        learner: args.learner.into(),
        opt: TrainOptions {
            c: args.c.unwrap_or(0.5),
            epochs: args.epochs,
            ..TrainOptions::default()
        },
        weight: args.extra_weight.max(1),
    };
    let kw = tr.keywords()?;
    let messages = topic_eval::load_messages(root, |_| true)?;
    // hand-labelled rows never enter the keyword-labelled set (so a cross-validation fold
    // is unseen by the bootstrap too)
    let all_labels: Vec<PathBuf> = args.exclude.iter().chain(&args.extra).cloned().collect();
    let (boot, counts) = bootstrap(&kw, &messages, &topic_eval::labelled_ids(&all_labels)?);
    let (hand, missing) = topic_eval::load_hand(root, &args.extra)?;
    if missing > 0 {
        eprintln!("{missing} hand-labelled rows not found in the datasets");
    }
    let counts: BTreeMap<_, _> = counts.into_iter().collect();
    eprintln!(
        "bootstrap: {} of {} messages labelled by keywords: {:?}; {} hand-labelled rows",
        boot.len(),
        messages.len(),
        counts,
        hand.len()
    );
    if let Some(k) = args.cv {
        let t0 = Instant::now();
        let cv = topic_eval::cross_validate(&tr, &boot, &hand, k.max(2), args.cv_dump.as_deref())?;
        for (f, s) in cv.folds.iter().enumerate() {
            println!("fold={} n={} accuracy={:.4}", f + 1, s.n, s.accuracy());
        }
        for (set, s) in &cv.by_set {
            println!("source={set} n={} accuracy={:.4}", s.n, s.accuracy());
        }
        println!("cv_seconds={:.1}", t0.elapsed().as_secs_f64());
        println!("topics_cv_accuracy={:.4}", cv.pooled.accuracy());
    }
    if !args.no_save {
        let model = tr.fit(&boot, &hand)?;
        let path = model_path(args.out.clone(), "models/topics");
        let n = write_model(&model, &path)?;
        eprintln!("wrote {} ({} bytes)", path.display(), n);
    }
    Ok(ExitCode::SUCCESS)
}

/// The cases of exports read as `hotline ingest` reads them (nothing stored).
fn read_cases(paths: &[PathBuf]) -> Result<Vec<Case>> {
    let mut cases = Vec::new();
    for p in paths {
        let batch = crate::ingest::read_path(p, &crate::ingest::ReadOptions::default())?;
        cases.extend(batch.cases);
    }
    Ok(cases)
}

fn train_route_cmd(args: &TrainArgs) -> Result<ExitCode> {
    if let Some(dir) = &args.index {
        let store = CaseStore::open_existing(dir)?;
        match train_store(&store)? {
            Some(t) => println!(
                "部门模型：{} 个部门，{} 件有承办单位的案件，用时 {:.1}s；写入 {} ({} bytes)",
                t.departments,
                t.cases,
                t.seconds,
                t.path.display(),
                t.bytes
            ),
            None => bail!(
                "{}: 案件库中有承办单位的案件不足（至少要有两个部门）",
                dir.display()
            ),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let examples: Vec<_> = route_examples(&read_cases(&args.data)?)
        .into_iter()
        .map(|r| r.example)
        .collect();
    let model = train_route(&examples)?;
    let path = model_path(args.out.clone(), "models/route");
    let n = write_model(&model, &path)?;
    eprintln!(
        "route model: {} departments from {} cases; wrote {} ({} bytes)",
        model.classes.len(),
        examples.len(),
        path.display(),
        n
    );
    Ok(ExitCode::SUCCESS)
}

/// Cases re-tagged and written per step of `hotline retag` (their documents and index
/// tokens are held until written).
const RETAG_STEP: usize = 1_000;

pub fn run_retag(args: RetagArgs) -> Result<ExitCode> {
    let store = CaseStore::open_existing(&args.index.index)?;
    let t = Instant::now();
    // the lock first: an ingest committing between the read and the writes would otherwise
    // be overwritten with the cases as they were read
    let mut upserter = store.upserter()?;
    let own = crate::tag::store_tagger(&store)?;
    let t_own: &Tagger = own.as_ref().unwrap_or_else(|| tagger());
    let mut cases = store.all_cases()?;
    let n = cases.len();
    // each case segmented once: the tagger reads the words of the index tokens the case is
    // written with (as ingest does); in steps, so only a step's documents are in memory
    while !cases.is_empty() {
        let step: Vec<Case> = cases.drain(..cases.len().min(RETAG_STEP)).collect();
        upserter.replace(step, |c, tokens| {
            crate::pipeline::tag_case_with(t_own, c, tokens)
        })?;
    }
    upserter
        .finish()
        .context("cannot commit the re-tagged cases")?;
    println!("retagged {n} cases in {:.1}s", t.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

pub fn run_eval_classify(args: EvalClassifyArgs) -> Result<ExitCode> {
    let model = match &args.model {
        Some(p) => LinearModel::load(p)?,
        None => tagger().category.clone(),
    };
    let examples = load_all(
        &args.data,
        args.text_col.as_deref(),
        args.label_col.as_deref(),
    )?;
    let (conf, unknown) = evaluate(&model, &examples);
    print!("{}", conf.report());
    if unknown > 0 {
        println!("skipped {unknown} rows whose label the model does not know");
    }
    println!("macro_f1={:.4}", conf.macro_f1());
    Ok(ExitCode::SUCCESS)
}

/// The route settings of `eval route`'s tuning options.
fn route_settings(args: &EvalRouteArgs) -> RouteSettings {
    let d = RouteSettings::default();
    let mut cfg = with_chars(d.cfg, args.chars);
    cfg.bits = args.bits.unwrap_or(cfg.bits);
    if let Some(f) = &args.features {
        cfg.unigrams = f.contains('w');
        cfg.bigrams = f.contains('b');
        cfg.char_ngrams = f.contains('c');
    }
    RouteSettings {
        cfg,
        c: args.c.unwrap_or(d.c),
        balance: args.balance.unwrap_or(d.balance),
        min_cases: args.min_cases.unwrap_or(d.min_cases),
        ..d
    }
}

/// Writes one side of a route split as csv (id, received_at, text, department).
fn dump_route_split(path: &Path, side: &[RouteExample]) -> Result<()> {
    let mut w = csv::Writer::from_path(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    w.write_record(["id", "received_at", "text", "department"])?;
    for r in side {
        let date = r.date.map(|d| d.to_string()).unwrap_or_default();
        w.write_record([r.example.origin.as_str(), &date, &r.text, &r.example.label])?;
    }
    w.flush()?;
    Ok(())
}

pub fn run_eval_route(args: EvalRouteArgs) -> Result<ExitCode> {
    let cases = match &args.index {
        Some(dir) => CaseStore::open_existing(dir)?.all_cases()?,
        None => read_cases(&args.data)?,
    };
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for r in route_examples(&cases) {
        match r.date {
            Some(d) if args.until.is_some_and(|u| d >= u) => {}
            Some(d) if d < args.split => train.push(r),
            Some(_) => test.push(r),
            None => {}
        }
    }
    if train.is_empty() || test.is_empty() {
        bail!(
            "the split at {} leaves {} training and {} test cases with a department and a date",
            args.split,
            train.len(),
            test.len()
        );
    }
    train.sort_by(|a, b| a.example.origin.cmp(&b.example.origin));
    test.sort_by(|a, b| a.example.origin.cmp(&b.example.origin));
    if let Some(dir) = &args.dump_split {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        dump_route_split(&dir.join("train.csv"), &train)?;
        dump_route_split(&dir.join("test.csv"), &test)?;
    }
    let s = route_settings(&args);
    let t = Instant::now();
    let examples: Vec<_> = train.iter().map(|r| r.example.clone()).collect();
    let model = train_route_with(&examples, &s)?;
    let seconds = t.elapsed().as_secs_f64();
    let (top1, top3) = route_accuracy(&model, &test);
    let seen: HashSet<&str> = model.classes.iter().map(String::as_str).collect();
    let unseen = test
        .iter()
        .filter(|r| !seen.contains(r.example.label.as_str()))
        .count();
    println!(
        "train={} (before {}) test={} departments={} test_unseen_department={} train_seconds={seconds:.1}",
        train.len(),
        args.split,
        test.len(),
        model.classes.len(),
        unseen
    );
    println!("top1={top1:.4}");
    println!("top3={top3:.4}");
    Ok(ExitCode::SUCCESS)
}

pub fn run_eval_topics(args: EvalTopicsArgs) -> Result<ExitCode> {
    let shared = match &args.shared {
        Some(s) => s.clone(),
        None => crate::testdata::shared_dir()
            .context("no shared datasets (set --shared or $HOTLINE_SHARED)")?,
    };
    let root = shared.join("datasets");
    if let Some(source) = &args.hold_out_source {
        return hold_out_cmd(&args, &root, source);
    }
    let rows = read_check(&args.data)?;
    let (pairs, missing) = resolve_check(&root, &rows)?;
    let own = load_tagger(&args.model_dir)?;
    let t: &Tagger = own.as_ref().unwrap_or_else(|| tagger());
    let preds: Vec<String> = pairs
        .par_iter()
        .map(|(_, m)| {
            let (title, body) = m.title_body();
            t.tag(&title, &body).topic
        })
        .collect();
    if let Some(path) = &args.dump {
        let mut f = std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        );
        for (row, m) in &pairs {
            let (title, body) = m.title_body();
            let d = t.debug_scores(&title, &body);
            writeln!(
                f,
                "{}",
                serde_json::json!({"gold": row.topic, "kw": d.0, "model": d.1, "category": d.2, "category_conf": d.3})
            )?;
        }
    }
    let mut per: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut correct = 0;
    for ((row, m), p) in pairs.iter().zip(&preds) {
        let e = per.entry(row.topic.as_str()).or_default();
        e.1 += 1;
        if *p == row.topic {
            correct += 1;
            e.0 += 1;
        } else if args.verbose {
            println!(
                "miss {}:{} gold={} pred={} {}",
                row.file,
                row.id,
                row.topic,
                p,
                m.title.chars().take(40).collect::<String>()
            );
        }
    }
    for (topic, (ok, n)) in &per {
        println!("{topic:<24} {ok:>4}/{n:<4}");
    }
    if missing > 0 {
        println!("missing messages: {missing}");
    }
    println!("n={}", pairs.len());
    println!("accuracy={:.4}", correct as f64 / pairs.len().max(1) as f64);
    Ok(ExitCode::SUCCESS)
}

/// `hotline eval topics --hold-out-source`: the leave-one-source-out table.
fn hold_out_cmd(args: &EvalTopicsArgs, root: &Path, source: &str) -> Result<ExitCode> {
    let sources: Vec<&str> = match source {
        "all" => vec!["tipdm", "replies", "shangluo"],
        s => vec![s],
    };
    let kw_text = match &args.keywords {
        Some(p) => {
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?
        }
        None => crate::tag::keywords::DEFAULT_TOPICS.to_string(),
    };
    let tr = TopicTraining {
        kw_text,
        cfg: FeatureConfig {
            bits: 14,
            ..FeatureConfig::default()
        },
        learner: Learner::Svm,
        opt: TrainOptions {
            c: 0.5,
            ..TrainOptions::default()
        },
        weight: args.extra_weight.max(1),
    };
    if let Some(d) = &args.split_dir {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    let labels = topic_eval::LabelRoles {
        train: args.train_labels.clone(),
        test: args.test_labels.clone(),
    };
    for s in sources {
        let write = |split: &topic_eval::Split| {
            if let Some(d) = &args.split_dir {
                write_split(&d.join(format!("{s}-train.csv")), split.train)?;
                write_split(&d.join(format!("{s}-test.csv")), split.test)?;
                write_split(&d.join(format!("{s}-test-all.csv")), split.test_all)?;
            }
            Ok(())
        };
        let h = topic_eval::hold_out_source(&tr, root, &labels, s, write)?;
        let rate = |k: usize, n: usize| k as f64 / n.max(1) as f64;
        let (sc, all) = (h.score, h.score_all);
        println!(
            "holdout_source={s} train_hand={} train_bootstrap={} dropped_duplicates={} test={} \
             predicted_other={:.4} gold_other={:.4}",
            h.train,
            h.bootstrap,
            h.dropped,
            sc.n,
            rate(sc.predicted_other, sc.n),
            rate(sc.gold_other, sc.n)
        );
        println!("holdout_accuracy_{s}={:.4}", sc.accuracy());
        println!(
            "holdout_all_source={s} test={} predicted_other={:.4} gold_other={:.4}",
            all.n,
            rate(all.predicted_other, all.n),
            rate(all.gold_other, all.n)
        );
        println!("holdout_all_accuracy_{s}={:.4}", all.accuracy());
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes hand rows as `text,topic` (title and body joined by a newline).
fn write_split(path: &Path, rows: &[&topic_eval::HandRow]) -> Result<()> {
    let mut w = csv::Writer::from_path(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    w.write_record(["text", "topic"])?;
    for h in rows {
        let (title, body) = h.message.title_body();
        w.write_record([format!("{title}\n{body}").trim(), h.example.label.as_str()])?;
    }
    w.flush()?;
    Ok(())
}
