//! A hand-written sparse linear classifier and its compact model file.
//!
//! Why hand-written: linear text classification wants a sparse learner over ~10^5-10^6
//! hashed features, and the Rust options do not fit: linfa-logistic is dense (10k docs × 2^18
//! features will not fit in memory; see [`super::linfa_lr`] for the dense variant over a
//! selected feature subset), there are no maintained liblinear bindings that build offline, and
//! the fasttext crate needs a C++ toolchain and the fastText binary format. So this module
//! implements the liblinear reference algorithm itself: one-vs-rest L2-regularised L2-loss
//! linear SVM trained by dual coordinate descent (Hsieh et al. 2008), classes in parallel with
//! rayon. Options ([`SvmParams`]): plain hinge loss, a cost per class (class weighting), and a
//! per-class feature scaling (NB-SVM log-count ratios) that is folded back into the weights, so
//! every variant is still one linear pass at tagging time. A multinomial logistic regression
//! trained by SGD is kept as the `logreg` learner for comparison.
//!
//! Model file (`models/*.bin`): `HOTLINE-LM2\n`, a little-endian u32 header length, a JSON
//! header (classes, feature config, biases, scales), then, deflate-compressed, the IDF per
//! bucket as u8 followed by the weights as i8 (feature-major, square-root companded per
//! class). Uncompressed that body is dim × (classes+1) bytes (2^18 buckets × 8 ≈ 2.1 MB for
//! the category model); the weights carry about 5.6 bits of entropy each, so deflate brings
//! the file to about 1.5 MB. `HOTLINE-LM1\n` files (the same body, stored uncompressed) are
//! still read.

use std::io::{Read, Write};

use anyhow::{bail, Context, Result};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::features::{FeatureConfig, SparseVec};

/// Magic of the format with a deflated body (written).
const MAGIC: &[u8] = b"HOTLINE-LM2\n";
/// Magic of the first format, body stored as is (still read).
const MAGIC_V1: &[u8] = b"HOTLINE-LM1\n";

/// A trained linear classifier over hashed TF-IDF features.
#[derive(Debug, Clone)]
pub struct LinearModel {
    pub classes: Vec<String>,
    pub cfg: FeatureConfig,
    pub idf: Vec<f32>,
    /// Feature-major weights: `w[bucket * k + class]`.
    pub w: Vec<f32>,
    pub bias: Vec<f32>,
    /// Scores are multiplied by this before the softmax that gives confidences.
    pub temperature: f32,
    pub learner: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    classes: Vec<String>,
    cfg: FeatureConfig,
    bias: Vec<f32>,
    scales: Vec<f32>,
    idf_min: f32,
    idf_max: f32,
    temperature: f32,
    learner: String,
}

/// Training options.
#[derive(Debug, Clone, Copy)]
pub struct TrainOptions {
    /// Inverse regularisation strength.
    pub c: f32,
    pub epochs: usize,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            c: 0.5,
            epochs: 30,
            seed: 7,
        }
    }
}

impl LinearModel {
    /// Number of classes.
    pub fn k(&self) -> usize {
        self.classes.len()
    }

    /// Raw decision scores, one per class.
    pub fn scores(&self, x: &SparseVec) -> Vec<f32> {
        let k = self.k();
        let mut s = self.bias.clone();
        for (&i, &v) in x.idx.iter().zip(&x.val) {
            let row = &self.w[i as usize * k..(i as usize + 1) * k];
            for (sj, wj) in s.iter_mut().zip(row) {
                *sj += wj * v;
            }
        }
        s
    }

    /// Softmax of the tempered scores.
    pub fn probabilities(&self, x: &SparseVec) -> Vec<f32> {
        softmax(&self.scores(x), self.temperature)
    }

    /// The best class index and its probability.
    pub fn predict(&self, x: &SparseVec) -> (usize, f32) {
        let p = self.probabilities(x);
        argmax(&p)
    }

    /// The features of `x` pushing hardest towards `class`: (bucket, contribution), best first.
    pub fn top_features(&self, x: &SparseVec, class: usize, n: usize) -> Vec<(u32, f32)> {
        let k = self.k();
        let mut c: Vec<(u32, f32)> = x
            .idx
            .iter()
            .zip(&x.val)
            .map(|(&i, &v)| (i, self.w[i as usize * k + class] * v))
            .filter(|(_, c)| *c > 0.0)
            .collect();
        c.sort_by(|a, b| b.1.total_cmp(&a.1));
        c.truncate(n);
        c
    }

    /// Serialises to the compact file format (weights and IDF quantised to one byte).
    pub fn to_bytes(&self) -> Vec<u8> {
        let k = self.k();
        let dim = self.cfg.dim();
        let mut scales = vec![0f32; k];
        for (i, w) in self.w.iter().enumerate() {
            let c = i % k;
            scales[c] = scales[c].max(w.abs());
        }
        let idf_min = self.idf.iter().cloned().fold(f32::INFINITY, f32::min);
        let idf_max = self.idf.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
        let header = Header {
            classes: self.classes.clone(),
            cfg: self.cfg,
            bias: self.bias.clone(),
            scales: scales.clone(),
            idf_min,
            idf_max,
            temperature: self.temperature,
            learner: self.learner.clone(),
        };
        let hjson = serde_json::to_vec(&header).expect("header serialises");
        let mut body = Vec::with_capacity(dim * (k + 1));
        let span = (idf_max - idf_min).max(1e-6);
        for &v in &self.idf {
            body.push(((v - idf_min) / span * 255.0).round().clamp(0.0, 255.0) as u8);
        }
        for (i, &w) in self.w.iter().enumerate() {
            let s = scales[i % k];
            let q = if s > 0.0 {
                (w.signum() * (w.abs() / s).sqrt() * 127.0).round()
            } else {
                0.0
            };
            body.push(q.clamp(-127.0, 127.0) as i8 as u8);
        }
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&body).expect("deflate into memory");
        let packed = z.finish().expect("deflate into memory");
        let mut out = Vec::with_capacity(MAGIC.len() + 4 + hjson.len() + packed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(hjson.len() as u32).to_le_bytes());
        out.extend_from_slice(&hjson);
        out.extend_from_slice(&packed);
        out
    }

    /// Reads the format written by [`LinearModel::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<LinearModel> {
        let compressed = if bytes.starts_with(MAGIC) {
            true
        } else if bytes.starts_with(MAGIC_V1) {
            false
        } else {
            bail!("not a hotline linear model (bad magic)");
        };
        let rest = &bytes[MAGIC.len()..];
        if rest.len() < 4 {
            bail!("truncated model header");
        }
        let hlen = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let rest = &rest[4..];
        if rest.len() < hlen {
            bail!("truncated model header");
        }
        let h: Header = serde_json::from_slice(&rest[..hlen]).context("bad model header")?;
        let dim = h.cfg.dim();
        let k = h.classes.len();
        let inflated;
        let body = if compressed {
            let mut out = Vec::with_capacity(dim * (k + 1));
            flate2::read::DeflateDecoder::new(&rest[hlen..])
                .take((dim * (k + 1) + 1) as u64)
                .read_to_end(&mut out)
                .context("model body does not inflate")?;
            inflated = out;
            &inflated[..]
        } else {
            &rest[hlen..]
        };
        if body.len() != dim * (k + 1) || h.bias.len() != k || h.scales.len() != k {
            bail!(
                "model body has {} bytes, expected {}",
                body.len(),
                dim * (k + 1)
            );
        }
        let span = (h.idf_max - h.idf_min).max(1e-6);
        let idf = body[..dim]
            .iter()
            .map(|&q| h.idf_min + q as f32 / 255.0 * span)
            .collect();
        // per-class lookup tables for the companded weights
        let luts: Vec<[f32; 256]> = h
            .scales
            .iter()
            .map(|&s| {
                let mut t = [0f32; 256];
                for (b, slot) in t.iter_mut().enumerate() {
                    let q = b as u8 as i8 as f32 / 127.0;
                    *slot = q.signum() * q * q * s;
                }
                t
            })
            .collect();
        let w = body[dim..]
            .iter()
            .enumerate()
            .map(|(i, &b)| luts[i % k][b as usize])
            .collect();
        Ok(LinearModel {
            classes: h.classes,
            cfg: h.cfg,
            idf,
            w,
            bias: h.bias,
            temperature: h.temperature,
            learner: h.learner,
        })
    }

    /// Reads a model file.
    pub fn load(path: &std::path::Path) -> Result<LinearModel> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read model {}", path.display()))?;
        LinearModel::from_bytes(&bytes).with_context(|| format!("in model {}", path.display()))
    }
}

/// Softmax of `s * t`.
pub fn softmax(s: &[f32], t: f32) -> Vec<f32> {
    let m = s.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f32> = s.iter().map(|x| ((x - m) * t).exp()).collect();
    let z: f32 = e.iter().sum();
    e.into_iter().map(|x| x / z).collect()
}

/// Index and value of the largest element.
pub fn argmax(p: &[f32]) -> (usize, f32) {
    p.iter().enumerate().fold(
        (0, f32::NEG_INFINITY),
        |acc, (i, &v)| {
            if v > acc.1 {
                (i, v)
            } else {
                acc
            }
        },
    )
}

/// The loss of the SVM learner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loss {
    /// Hinge loss (liblinear `-s 3`).
    Hinge,
    /// Squared hinge loss (liblinear `-s 1`, the default).
    SquaredHinge,
}

/// SVM settings beyond [`TrainOptions`].
#[derive(Debug, Clone)]
pub struct SvmParams {
    pub loss: Loss,
    /// Cost multiplier per class, applied to every example of that class (all ones: no
    /// weighting).
    pub class_cost: Vec<f32>,
    /// Per-class feature scaling (`scale[class][bucket]`, NB-SVM log-count ratios): the
    /// class is trained on `x ∘ scale` and its returned weights are `w ∘ scale`, so the model
    /// stays linear in `x`.
    pub feature_scale: Option<Vec<Vec<f32>>>,
}

impl SvmParams {
    /// Squared hinge, no class weighting, no feature scaling.
    pub fn plain(k: usize) -> SvmParams {
        SvmParams {
            loss: Loss::SquaredHinge,
            class_cost: vec![1.0; k],
            feature_scale: None,
        }
    }
}

/// One-vs-rest linear SVM by dual coordinate descent (liblinear `-s 1` for the L2 loss), bias
/// as an extra constant feature, with a choice of loss, class costs and feature scaling.
/// Returns feature-major weights and biases.
pub fn train_svm_with(
    xs: &[SparseVec],
    ys: &[usize],
    k: usize,
    dim: usize,
    opt: TrainOptions,
    params: &SvmParams,
) -> (Vec<f32>, Vec<f32>) {
    let per_class: Vec<(Vec<f32>, f32)> = (0..k)
        .into_par_iter()
        .map(|c| {
            let scale = params.feature_scale.as_ref().map(|s| s[c].as_slice());
            let (mut w, b) = svm_binary(xs, ys, c, dim, opt, params, scale);
            if let Some(r) = scale {
                w.iter_mut().zip(r).for_each(|(w, r)| *w *= r);
            }
            (w, b)
        })
        .collect();
    let mut w = vec![0f32; dim * k];
    let mut bias = vec![0f32; k];
    for (c, (wc, b)) in per_class.into_iter().enumerate() {
        for (i, v) in wc.into_iter().enumerate() {
            w[i * k + c] = v;
        }
        bias[c] = b;
    }
    (w, bias)
}

fn svm_binary(
    xs: &[SparseVec],
    ys: &[usize],
    class: usize,
    dim: usize,
    opt: TrainOptions,
    params: &SvmParams,
    scale: Option<&[f32]>,
) -> (Vec<f32>, f32) {
    let n = xs.len();
    // per example: the diagonal term of the dual and the upper bound of alpha
    let cost: Vec<f32> = ys.iter().map(|&l| opt.c * params.class_cost[l]).collect();
    let (diag, upper): (Vec<f32>, Vec<f32>) = match params.loss {
        Loss::SquaredHinge => cost.iter().map(|&c| (0.5 / c, f32::INFINITY)).unzip(),
        Loss::Hinge => cost.iter().map(|&c| (0.0, c)).unzip(),
    };
    let mut w = vec![0f32; dim];
    let mut b = 0f32;
    let mut alpha = vec![0f32; n];
    let y: Vec<f32> = ys
        .iter()
        .map(|&l| if l == class { 1.0 } else { -1.0 })
        .collect();
    let sv = |j: u32, v: f32| match scale {
        Some(r) => v * r[j as usize],
        None => v,
    };
    let qd: Vec<f32> = xs
        .iter()
        .zip(&diag)
        .map(|(x, d)| {
            x.idx
                .iter()
                .zip(&x.val)
                .map(|(&j, &v)| sv(j, v) * sv(j, v))
                .sum::<f32>()
                + 1.0
                + d
        })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(opt.seed ^ class as u64);
    for _ in 0..opt.epochs {
        order.shuffle(&mut rng);
        let mut max_pg = 0f32;
        for &i in &order {
            let x = &xs[i];
            let dot: f32 = x
                .idx
                .iter()
                .zip(&x.val)
                .map(|(&j, &v)| w[j as usize] * sv(j, v))
                .sum();
            let g = y[i] * (dot + b) - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 {
                g.min(0.0)
            } else if alpha[i] >= upper[i] {
                g.max(0.0)
            } else {
                g
            };
            max_pg = max_pg.max(pg.abs());
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).clamp(0.0, upper[i]);
                let delta = (alpha[i] - old) * y[i];
                for (&j, &v) in x.idx.iter().zip(&x.val) {
                    w[j as usize] += delta * sv(j, v);
                }
                b += delta;
            }
        }
        if max_pg < 0.01 {
            break;
        }
    }
    (w, b)
}

/// Multinomial logistic regression by SGD with L2 decay (the `logreg` learner).
pub fn train_logreg(
    xs: &[SparseVec],
    ys: &[usize],
    k: usize,
    dim: usize,
    opt: TrainOptions,
) -> (Vec<f32>, Vec<f32>) {
    let n = xs.len();
    let lambda = 1.0 / (opt.c * n as f32 * 10.0);
    let mut w = vec![0f32; dim * k];
    let mut bias = vec![0f32; k];
    let mut scale = 1.0f32; // true weights = scale * w
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(opt.seed);
    let mut t = 0usize;
    for _ in 0..opt.epochs {
        order.shuffle(&mut rng);
        for &i in &order {
            t += 1;
            let eta = 0.5 / (1.0 + 0.5 * lambda * t as f32).max(1.0);
            let eta = eta.max(0.02);
            let x = &xs[i];
            let mut s = bias.clone();
            for (&j, &v) in x.idx.iter().zip(&x.val) {
                let row = &w[j as usize * k..(j as usize + 1) * k];
                for (sc, wc) in s.iter_mut().zip(row) {
                    *sc += scale * wc * v;
                }
            }
            let p = softmax(&s, 1.0);
            scale *= 1.0 - eta * lambda;
            if scale < 1e-6 {
                w.iter_mut().for_each(|v| *v *= scale);
                scale = 1.0;
            }
            for c in 0..k {
                let g = p[c] - if ys[i] == c { 1.0 } else { 0.0 };
                if g.abs() < 1e-6 {
                    continue;
                }
                bias[c] -= eta * g;
                for (&j, &v) in x.idx.iter().zip(&x.val) {
                    w[j as usize * k + c] -= eta * g * v / scale;
                }
            }
        }
    }
    w.iter_mut().for_each(|v| *v *= scale);
    (w, bias)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (Vec<SparseVec>, Vec<usize>) {
        let xs = vec![
            SparseVec {
                idx: vec![0, 1],
                val: vec![0.8, 0.6],
            },
            SparseVec {
                idx: vec![2, 3],
                val: vec![0.6, 0.8],
            },
            SparseVec {
                idx: vec![0],
                val: vec![1.0],
            },
            SparseVec {
                idx: vec![3],
                val: vec![1.0],
            },
        ];
        (xs, vec![0, 1, 0, 1])
    }

    #[test]
    fn svm_separates_and_round_trips() {
        let (xs, ys) = toy();
        let cfg = FeatureConfig {
            bits: 2,
            ..FeatureConfig::default()
        };
        let (w, bias) = train_svm_with(
            &xs,
            &ys,
            2,
            4,
            TrainOptions::default(),
            &SvmParams::plain(2),
        );
        let m = LinearModel {
            classes: vec!["a".into(), "b".into()],
            cfg,
            idf: vec![1.0, 2.0, 3.0, 4.0],
            w,
            bias,
            temperature: 2.0,
            learner: "svm".into(),
        };
        for (x, &y) in xs.iter().zip(&ys) {
            assert_eq!(m.predict(x).0, y);
        }
        let bytes = m.to_bytes();
        let back = LinearModel::from_bytes(&bytes).unwrap();
        for (x, &y) in xs.iter().zip(&ys) {
            assert_eq!(back.predict(x).0, y);
        }
        // the first format (body not compressed) still loads, to the same weights
        let hlen = u32::from_le_bytes(bytes[MAGIC.len()..MAGIC.len() + 4].try_into().unwrap());
        let body_at = MAGIC.len() + 4 + hlen as usize;
        let mut v1 = MAGIC_V1.to_vec();
        v1.extend_from_slice(&bytes[MAGIC.len()..body_at]);
        flate2::read::DeflateDecoder::new(&bytes[body_at..])
            .read_to_end(&mut v1)
            .unwrap();
        let old = LinearModel::from_bytes(&v1).unwrap();
        assert_eq!(old.w, back.w);
        assert_eq!(old.idf, back.idf);
        assert!(LinearModel::from_bytes(&bytes[..bytes.len() - 3]).is_err());
        assert!(LinearModel::from_bytes(b"nonsense").is_err());
    }

    #[test]
    fn logreg_separates() {
        let (xs, ys) = toy();
        let (w, bias) = train_logreg(&xs, &ys, 2, 4, TrainOptions::default());
        let m = LinearModel {
            classes: vec!["a".into(), "b".into()],
            cfg: FeatureConfig::default(),
            idf: vec![1.0; 4],
            w,
            bias,
            temperature: 1.0,
            learner: "logreg".into(),
        };
        for (x, &y) in xs.iter().zip(&ys) {
            assert_eq!(m.predict(x).0, y);
        }
    }
}
