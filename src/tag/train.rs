//! Training the linear classifiers from examples (IDF, class weighting, NB-SVM scaling, an
//! optional logistic-regression mix: see [`FitOptions`]), and grouped k-fold cross-validation
//! of the model as written to file.

use std::collections::BTreeSet;

use anyhow::{bail, Result};
use rayon::prelude::*;

use super::data::{duplicate_groups, group_folds, Example};
use super::eval::Confusion;
use super::features::{idf_from_counts, FeatureConfig, SparseVec};
use super::linear::{train_logreg, train_svm_with, LinearModel, Loss, SvmParams, TrainOptions};

/// Which learner fits the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Learner {
    /// Hand-written one-vs-rest linear SVM, dual coordinate descent (the default).
    Svm,
    /// Hand-written multinomial logistic regression by SGD.
    Logreg,
    /// linfa-logistic (dense multinomial L-BFGS) over the most frequent buckets.
    Linfa,
}

/// How the IDF of a bucket is computed from its document frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdfMode {
    /// ln((1+n)/(1+df)) + 1 (the default).
    Smooth,
    /// ln((1+n)/(1+df)), no +1: words in every document count nothing.
    Plain,
    /// 1 for every bucket seen (TF only).
    Unit,
}

/// Learning settings of [`fit_with`] beyond the learner and [`TrainOptions`].
#[derive(Debug, Clone, Copy)]
pub struct FitOptions {
    pub loss: Loss,
    /// Class cost multiplier `(n / (k · n_class))^balance` (0: no weighting, 1: balanced).
    pub balance: f32,
    pub idf: IdfMode,
    /// Buckets seen in fewer training documents get IDF 0 (they are dropped).
    pub min_df: u32,
    /// NB-SVM: scale each class's features by their log-count ratio raised to this power
    /// (0: off).
    pub nb: f32,
    /// Add this share of a logistic-regression model to the SVM (scores standardised on the
    /// training set; 0: SVM only). The sum is still one linear model.
    pub mix: f32,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            loss: Loss::SquaredHinge,
            balance: 0.0,
            idf: IdfMode::Smooth,
            min_df: 1,
            nb: 0.0,
            mix: 0.0,
        }
    }
}

/// Trains a model on examples labelled with any set of classes (sorted by name).
pub fn fit(
    examples: &[Example],
    cfg: FeatureConfig,
    learner: Learner,
    opt: TrainOptions,
) -> Result<LinearModel> {
    fit_with(examples, cfg, learner, opt, FitOptions::default())
}

/// IDF per bucket under `mode`, 0 for buckets in fewer than `min_df` documents.
fn idf_for(
    cfg: &FeatureConfig,
    counts: &[Vec<(u32, u32)>],
    mode: IdfMode,
    min_df: u32,
) -> Vec<f32> {
    let mut idf = match mode {
        IdfMode::Smooth => idf_from_counts(cfg, counts),
        IdfMode::Plain => idf_from_counts(cfg, counts)
            .into_iter()
            .map(|v| (v - 1.0).max(0.0))
            .collect(),
        IdfMode::Unit => vec![1.0; cfg.dim()],
    };
    if min_df > 1 {
        let mut df = vec![0u32; cfg.dim()];
        for d in counts {
            for &(b, _) in d {
                df[b as usize] += 1;
            }
        }
        for (v, &d) in idf.iter_mut().zip(&df) {
            if d < min_df {
                *v = 0.0;
            }
        }
    }
    idf
}

/// NB-SVM log-count ratios per class over binarised features (Wang & Manning 2012), as
/// `|r|^power` (the sign is left to the SVM).
fn nb_scales(xs: &[SparseVec], ys: &[usize], k: usize, dim: usize, power: f32) -> Vec<Vec<f32>> {
    let mut per_class = vec![vec![0f32; dim]; k];
    let mut total = vec![0f32; dim];
    for (x, &y) in xs.iter().zip(ys) {
        for &j in &x.idx {
            per_class[y][j as usize] += 1.0;
            total[j as usize] += 1.0;
        }
    }
    per_class
        .into_par_iter()
        .map(|p| {
            let alpha = 1.0f32;
            let q: Vec<f32> = total.iter().zip(&p).map(|(t, p)| t - p).collect();
            let np: f32 = p.iter().map(|v| v + alpha).sum();
            let nq: f32 = q.iter().map(|v| v + alpha).sum();
            p.iter()
                .zip(&q)
                .map(|(p, q)| {
                    let r = (((p + alpha) / np) / ((q + alpha) / nq)).ln();
                    r.abs().powf(power)
                })
                .collect()
        })
        .collect()
}

/// [`fit`] with the settings of `fo`.
pub fn fit_with(
    examples: &[Example],
    cfg: FeatureConfig,
    learner: Learner,
    opt: TrainOptions,
    fo: FitOptions,
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
    let idf = idf_for(&cfg, &counts, fo.idf, fo.min_df);
    let xs: Vec<SparseVec> = examples
        .par_iter()
        .map(|e| cfg.vectorize(&e.terms, &idf))
        .collect();
    let k = classes.len();
    let svm_params = || {
        let mut n_class = vec![0usize; k];
        for &y in &ys {
            n_class[y] += 1;
        }
        let n = ys.len() as f32;
        SvmParams {
            loss: fo.loss,
            class_cost: n_class
                .iter()
                .map(|&c| (n / (k as f32 * c.max(1) as f32)).powf(fo.balance))
                .collect(),
            feature_scale: (fo.nb > 0.0).then(|| nb_scales(&xs, &ys, k, cfg.dim(), fo.nb)),
        }
    };
    let (mut w, mut bias, temperature, name) = match learner {
        Learner::Svm => {
            let (w, b) = train_svm_with(&xs, &ys, k, cfg.dim(), opt, &svm_params());
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
    if fo.mix > 0.0 && learner == Learner::Svm {
        let (w2, b2) = train_logreg(&xs, &ys, k, cfg.dim(), opt);
        let spread = |w: &[f32], b: &[f32]| -> f32 {
            let m = LinearModel {
                classes: classes.clone(),
                cfg,
                idf: Vec::new(),
                w: w.to_vec(),
                bias: b.to_vec(),
                temperature: 1.0,
                learner: String::new(),
            };
            let (mut s1, mut s2, mut n) = (0f64, 0f64, 0f64);
            for x in &xs {
                for v in m.scores(x) {
                    s1 += v as f64;
                    s2 += (v as f64) * (v as f64);
                    n += 1.0;
                }
            }
            ((s2 / n - (s1 / n).powi(2)).max(1e-12)).sqrt() as f32
        };
        let f = spread(&w, &bias) / spread(&w2, &b2) * fo.mix;
        let keep = 1.0 - fo.mix;
        w.iter_mut()
            .zip(&w2)
            .for_each(|(a, b)| *a = keep * *a + f * b);
        bias.iter_mut()
            .zip(&b2)
            .for_each(|(a, b)| *a = keep * *a + f * b);
    }
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

/// The pooled result of a cross-validation.
#[derive(Debug, Clone)]
pub struct CvResult {
    /// Macro-F1 of each fold.
    pub folds: Vec<f64>,
    /// The confusion matrix over all folds' test examples.
    pub pooled: Confusion,
    /// Pooled confusion per source file (the part of `origin` before `:row`).
    pub by_source: Vec<(String, Confusion)>,
}

/// k-fold cross-validation of the model as written to file, grouped (near-duplicates stay in one fold) unless `grouped` is
/// false (a plain random split, inflated by near-copies: for comparison only).
#[allow(clippy::too_many_arguments)]
pub fn cross_validate(
    examples: &[Example],
    folds: usize,
    cfg: FeatureConfig,
    learner: Learner,
    opt: TrainOptions,
    fo: FitOptions,
    grouped: bool,
    mut on_fold: impl FnMut(usize, f64, usize),
) -> Result<CvResult> {
    let groups: Vec<usize> = if grouped {
        duplicate_groups(examples)
    } else {
        (0..examples.len()).collect()
    };
    let (fold_of, n_groups) = group_folds(&groups, folds, opt.seed);
    eprintln!(
        "cross-validation: {} examples in {} {}",
        examples.len(),
        n_groups,
        if grouped {
            "near-duplicate groups"
        } else {
            "random singletons (not grouped)"
        }
    );
    let source = |e: &Example| -> String {
        e.origin
            .rsplit_once(":row")
            .map(|(f, _)| f.to_string())
            .unwrap_or_default()
    };
    let mut sources: Vec<String> = examples.iter().map(source).collect();
    sources.sort();
    sources.dedup();
    let mut out = Vec::new();
    let mut pooled: Option<Confusion> = None;
    let mut by_source: Vec<Option<Confusion>> = vec![None; sources.len()];
    for f in 0..folds {
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (e, &ef) in examples.iter().zip(&fold_of) {
            if ef == f {
                test.push(e.clone());
            } else {
                train.push(e.clone());
            }
        }
        // measure the model as shipped: through the file format's quantisation
        let model = LinearModel::from_bytes(&fit_with(&train, cfg, learner, opt, fo)?.to_bytes())?;
        let (conf, _) = evaluate(&model, &test);
        let m = conf.macro_f1();
        on_fold(f, m, test.len());
        out.push(m);
        let p = pooled.get_or_insert_with(|| Confusion::new(model.classes.clone()));
        for g in 0..conf.classes.len() {
            for q in 0..conf.classes.len() {
                p.m[g][q] += conf.m[g][q];
            }
        }
        for (si, s) in sources.iter().enumerate() {
            let sub: Vec<Example> = test.iter().filter(|e| source(e) == *s).cloned().collect();
            let (c, _) = evaluate(&model, &sub);
            let acc = by_source[si].get_or_insert_with(|| Confusion::new(model.classes.clone()));
            for g in 0..c.classes.len() {
                for q in 0..c.classes.len() {
                    acc.m[g][q] += c.m[g][q];
                }
            }
        }
    }
    Ok(CvResult {
        folds: out,
        pooled: pooled.expect("at least one fold"),
        by_source: sources
            .into_iter()
            .zip(by_source)
            .filter_map(|(s, c)| c.map(|c| (s, c)))
            .collect(),
    })
}
