//! `hotline train --urgency` and `hotline eval urgency`: the urgency classifier trained on the
//! blind-labelled letters of all sources but one and measured on that one, beside the former
//! word-list rule on the same letters.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::tag::urgent::train::{
    fit, hold_out, read_labels, resolve, Figures, FitOptions, HoldOut, Letter,
};
use crate::tag::urgent::{builtin_model, Lexicon, UrgencyModel};

#[derive(Args, Debug)]
pub struct EvalUrgencyArgs {
    /// The labels file (file,id,urgent[,reason]).
    #[arg(long, default_value = "tests/urgency/labels.csv")]
    pub labels: PathBuf,
    /// The source to test on: tipdm, replies or shangluo.
    #[arg(long)]
    pub hold_out: String,
    /// A model file to test (refused when trained on the held-out source); without it a model
    /// is trained on the other sources, as `train --urgency --hold-out` does, and not written.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The shared directory holding datasets/ (default $HOTLINE_SHARED or ../shared).
    #[arg(long)]
    pub shared: Option<PathBuf>,
    /// Print every letter judged wrongly, with its evidence.
    #[arg(long)]
    pub verbose: bool,
}

/// The labelled letters with their texts.
fn letters(labels: &Path, shared: Option<&Path>) -> Result<Vec<Letter>> {
    let shared = match shared {
        Some(s) => s.to_path_buf(),
        None => crate::testdata::shared_dir()
            .context("no shared datasets (set --shared or $HOTLINE_SHARED)")?,
    };
    let rows = read_labels(labels)?;
    let (letters, missing) = resolve(&shared.join("datasets"), &rows)?;
    for m in missing.iter().take(5) {
        eprintln!("not found: {m}");
    }
    let urgent = letters.iter().filter(|l| l.urgent).count();
    println!(
        "labels={} letters={} urgent={} missing={}",
        labels.display(),
        letters.len(),
        urgent,
        missing.len()
    );
    if letters.is_empty() {
        bail!("no labelled letter found in {}", shared.display());
    }
    Ok(letters)
}

fn print_figures(prefix: &str, f: &Figures) {
    println!("{prefix}_precision={:.4}", f.precision());
    println!("{prefix}_recall={:.4}", f.recall());
    println!(
        "{prefix}_f1={:.4} (tp={} fp={} fn={} tn={})",
        f.f1(),
        f.tp,
        f.fp,
        f.fn_,
        f.tn
    );
}

fn print_model(m: &UrgencyModel) {
    let cv = m.cv.clone().unwrap_or_default();
    println!(
        "model trained_on={} letters={} urgent={} pooled={} alpha={} gram_value={} threshold={:.3} \
         cv_precision={:.4} cv_recall={:.4} cv_f1={:.4}",
        m.trained_on.join("+"),
        m.n_train,
        m.n_urgent,
        m.pooled,
        m.alpha,
        m.gram_value,
        m.threshold,
        cv.precision,
        cv.recall,
        cv.f1
    );
}

fn print_hold_out(source: &str, h: &HoldOut) {
    print_model(&h.model);
    println!(
        "hold_out={source} test={} test_urgent={} dropped_near_duplicates={}",
        h.test, h.test_urgent, h.dropped
    );
    print_figures("urgency", &h.ours);
    println!(
        "urgency_min_pr={:.4}",
        h.ours.precision().min(h.ours.recall())
    );
    print_figures("baseline", &h.baseline);
}

/// `hotline train --urgency`: with a held-out source, trains on the others, prints the
/// held-out figures and writes the model (default models/urgency-without-SOURCE.json);
/// without, trains on every source (the shipped model, default models/urgency.json) and
/// prints the cross-validation inside them.
pub fn train(
    labels: &Path,
    hold: Option<&str>,
    shared: Option<&Path>,
    out: Option<PathBuf>,
    no_save: bool,
) -> Result<ExitCode> {
    let letters = letters(labels, shared)?;
    let opts = FitOptions::default();
    let (model, default_out) = match hold {
        Some(source) => {
            let h = hold_out(&letters, source, &opts)?;
            print_hold_out(source, &h);
            (h.model, format!("models/urgency-without-{source}.json"))
        }
        None => {
            let m = fit(&letters, &opts)?;
            print_model(&m);
            println!(
                "no held-out source: the figures above are the cross-validation inside the \
                 training sources; this model can only be tested on letters outside them"
            );
            (m, "models/urgency.json".to_string())
        }
    };
    if !no_save {
        let path = out.unwrap_or_else(|| PathBuf::from(default_out));
        model.save(&path)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `hotline eval urgency`.
pub fn run_eval(args: EvalUrgencyArgs) -> Result<ExitCode> {
    let all = letters(&args.labels, args.shared.as_deref())?;
    let source = args.hold_out.as_str();
    let model = match &args.model {
        Some(p) => {
            let m = UrgencyModel::load(p)?;
            if m.trained_on.iter().any(|s| s == source) {
                bail!(
                    "{} was trained on {source}: test it on a source it has not seen, or train \
                     one with --hold-out {source}",
                    p.display()
                );
            }
            m
        }
        None => hold_out(&all, source, &FitOptions::default())?.model,
    };
    let test: Vec<Letter> = all.into_iter().filter(|l| l.source == source).collect();
    let (ours, baseline) = crate::tag::urgent::train::evaluate(&model, &test);
    print_model(&model);
    if model.trained_on.is_empty() && model == *builtin_model() {
        println!("(the built-in model is the untrained prior)");
    }
    println!(
        "hold_out={source} test={} test_urgent={}",
        test.len(),
        test.iter().filter(|l| l.urgent).count()
    );
    print_figures("urgency", &ours);
    println!("urgency_min_pr={:.4}", ours.precision().min(ours.recall()));
    print_figures("baseline", &baseline);
    if args.verbose {
        let lex = Lexicon::builtin();
        for l in &test {
            let e = model.assess(lex, &l.text, l.title_len);
            let pred = e.as_ref().is_some_and(|e| e.urgent);
            if pred != l.urgent {
                let head: String = l.text.chars().take(60).collect();
                println!(
                    "{} {}:{} {} {:?}",
                    if pred { "FP" } else { "FN" },
                    l.file,
                    l.id,
                    head.replace('\n', " "),
                    e
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
