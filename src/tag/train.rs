//! Training the linear classifiers from examples, and grouped k-fold cross-validation.

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;

use super::data::{duplicate_groups, Example};
use super::eval::Confusion;
use super::features::{idf_from_counts, FeatureConfig, SparseVec};
use super::linear::{train_logreg, train_svm, LinearModel, TrainOptions};

/// Which learner fits the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Learner {
    /// Hand-written one-vs-rest linear SVM, dual coordinate descent (the default).
    Svm,
    /// Hand-written multinomial logistic regression by SGD.
    Logreg,
    /// linfa-logistic (dense multinomial L-BFGS) over the most frequent buckets.
    Linfa,
}

/// Trains a model on examples labelled with any set of classes (sorted by name).
pub fn fit(
    examples: &[Example],
    cfg: FeatureConfig,
    learner: Learner,
    opt: TrainOptions,
) -> Result<LinearModel> {
    if examples.is_empty() {
        bail!("no training examples");
    }
    let classes: Vec<String> = examples
        .iter()
        .map(|e| e.label.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if classes.len() < 2 {
        bail!("need at least two classes, found {:?}", classes);
    }
    let ys: Vec<usize> = examples
        .iter()
        .map(|e| classes.binary_search(&e.label).expect("class present"))
        .collect();
    let counts: Vec<Vec<(u32, u32)>> = examples.par_iter().map(|e| cfg.counts(&e.terms)).collect();
    let idf = idf_from_counts(&cfg, &counts);
    let xs: Vec<SparseVec> = examples
        .par_iter()
        .map(|e| cfg.vectorize(&e.terms, &idf))
        .collect();
    let k = classes.len();
    let (w, bias, temperature, name) = match learner {
        Learner::Svm => {
            let (w, b) = train_svm(&xs, &ys, k, cfg.dim(), opt);
            (w, b, 4.0, "svm")
        }
        Learner::Logreg => {
            let (w, b) = train_logreg(&xs, &ys, k, cfg.dim(), opt);
            (w, b, 1.0, "logreg")
        }
        Learner::Linfa => {
            let (w, b) = super::linfa_lr::train(&xs, &counts, &ys, k, cfg.dim())?;
            (w, b, 1.0, "linfa")
        }
    };
    Ok(LinearModel {
        classes,
        cfg,
        idf,
        w,
        bias,
        temperature,
        learner: name.to_string(),
    })
}

/// Predicts every example with `model`, counting into a confusion matrix over its classes
/// (examples whose gold label the model does not know are skipped and counted).
pub fn evaluate(model: &LinearModel, examples: &[Example]) -> (Confusion, usize) {
    let mut conf = Confusion::new(model.classes.clone());
    let preds: Vec<(Option<usize>, usize)> = examples
        .par_iter()
        .map(|e| {
            let x = model.cfg.vectorize(&e.terms, &model.idf);
            (
                model.classes.iter().position(|c| *c == e.label),
                model.predict(&x).0,
            )
        })
        .collect();
    let mut unknown = 0;
    for (g, p) in preds {
        match g {
            Some(g) => conf.add(g, p),
            None => unknown += 1,
        }
    }
    (conf, unknown)
}

/// Grouped k-fold cross-validation: near-duplicates stay in one fold. Returns the macro-F1
/// of each fold.
pub fn cross_validate(
    examples: &[Example],
    folds: usize,
    cfg: FeatureConfig,
    learner: Learner,
    opt: TrainOptions,
    mut on_fold: impl FnMut(usize, f64, usize),
) -> Result<Vec<f64>> {
    let groups = duplicate_groups(examples);
    let mut ids: Vec<usize> = groups.clone();
    ids.sort_unstable();
    ids.dedup();
    eprintln!(
        "cross-validation: {} examples in {} near-duplicate groups",
        examples.len(),
        ids.len()
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(opt.seed);
    ids.shuffle(&mut rng);
    let mut fold_of = std::collections::HashMap::new();
    for (n, g) in ids.into_iter().enumerate() {
        fold_of.insert(g, n % folds);
    }
    let mut out = Vec::new();
    for f in 0..folds {
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (e, g) in examples.iter().zip(&groups) {
            if fold_of[g] == f {
                test.push(e.clone());
            } else {
                train.push(e.clone());
            }
        }
        let model = fit(&train, cfg, learner, opt)?;
        let (conf, _) = evaluate(&model, &test);
        let m = conf.macro_f1();
        on_fold(f, m, test.len());
        out.push(m);
    }
    Ok(out)
}
