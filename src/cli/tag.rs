//! `hotline tag`, `train`, `retag`, `eval classify`, `eval route` and `eval topics`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;

use super::IndexArgs;
use crate::tag::features::FeatureConfig;
use crate::tag::linear::{LinearModel, TrainOptions};
use crate::tag::train::{cross_validate, evaluate, fit, Learner};
use crate::tag::data::load_all;

#[derive(Args, Debug)]
pub struct TagArgs {
    /// The text to tag (or --stdin).
    pub text: Vec<String>,
    /// Read JSONL lines {"id", "text"} from stdin, write one JSON object per line.
    #[arg(long)]
    pub stdin: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Labelled data (csv); repeat for several files.
    #[arg(long, required = true, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// Text column, or several joined with `+` (default: 分词文本, else title + body).
    #[arg(long)]
    pub text_col: Option<String>,
    /// Label column (default 一级标签 / 一级分类 / label).
    #[arg(long)]
    pub label_col: Option<String>,
    /// Where to write the model (default models/category; `.bin` is added).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// k-fold cross-validation (grouped by near-duplicate) before training; prints cv_macro_f1.
    #[arg(long)]
    pub cv: Option<usize>,
    /// Only cross-validate, write no model.
    #[arg(long)]
    pub no_save: bool,
    #[arg(long, value_enum, default_value = "svm")]
    pub learner: Learner,
    /// Inverse regularisation strength.
    #[arg(long, default_value_t = 0.5)]
    pub c: f32,
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// log2 of the number of hashed feature buckets.
    #[arg(long, default_value_t = 18)]
    pub bits: u32,
    /// Feature families: any of w (words), b (word bigrams), c (char 2/3-grams).
    #[arg(long, default_value = "wbc")]
    pub features: String,
    /// Train the department-suggestion model instead (department column: reply_agency / 承办单位).
    #[arg(long)]
    pub route: bool,
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
    #[arg(long)]
    pub data: PathBuf,
}

fn model_path(out: Option<PathBuf>, default: &str) -> PathBuf {
    let p = out.unwrap_or_else(|| PathBuf::from(default));
    if p.extension().is_some() {
        p
    } else {
        p.with_extension("bin")
    }
}

pub fn run(_args: TagArgs) -> Result<ExitCode> {
    anyhow::bail!("tag: not implemented yet")
}

pub fn run_train(args: TrainArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let examples = load_all(&args.data, args.text_col.as_deref(), args.label_col.as_deref())?;
    eprintln!(
        "loaded {} examples in {:.1}s",
        examples.len(),
        t0.elapsed().as_secs_f64()
    );
    let cfg = FeatureConfig {
        bits: args.bits,
        unigrams: args.features.contains('w'),
        bigrams: args.features.contains('b'),
        char_ngrams: args.features.contains('c'),
    };
    let opt = TrainOptions {
        c: args.c,
        epochs: args.epochs,
        ..TrainOptions::default()
    };
    if let Some(k) = args.cv {
        let t = Instant::now();
        let f1s = cross_validate(&examples, k.max(2), cfg, args.learner, opt, |f, m, n| {
            println!("fold={} n={} macro_f1={:.4}", f + 1, n, m);
        })?;
        let mean = f1s.iter().sum::<f64>() / f1s.len() as f64;
        println!(
            "learner={:?} cv_seconds={:.1}",
            args.learner,
            t.elapsed().as_secs_f64()
        );
        println!("cv_macro_f1={mean:.4}");
    }
    if !args.no_save {
        let t = Instant::now();
        let model = fit(&examples, cfg, args.learner, opt)?;
        let path = model_path(args.out, "models/category");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).ok();
        }
        let bytes = model.to_bytes();
        std::fs::write(&path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!(
            "trained {:?} on {} examples in {:.1}s; wrote {} ({} bytes)",
            args.learner,
            examples.len(),
            t.elapsed().as_secs_f64(),
            path.display(),
            bytes.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_retag(_args: RetagArgs) -> Result<ExitCode> {
    anyhow::bail!("retag: not implemented yet")
}

pub fn run_eval_classify(args: EvalClassifyArgs) -> Result<ExitCode> {
    let model = match &args.model {
        Some(p) => LinearModel::load(p)?,
        None => LinearModel::load(std::path::Path::new("models/category.bin"))?,
    };
    let examples = load_all(&args.data, args.text_col.as_deref(), args.label_col.as_deref())?;
    let (conf, unknown) = evaluate(&model, &examples);
    print!("{}", conf.report());
    if unknown > 0 {
        println!("skipped {unknown} rows whose label the model does not know");
    }
    println!("macro_f1={:.4}", conf.macro_f1());
    Ok(ExitCode::SUCCESS)
}

pub fn run_eval_route(_args: EvalRouteArgs) -> Result<ExitCode> {
    anyhow::bail!("eval route: not implemented yet")
}
