//! The linfa variant of the category learner: linfa-logistic's multinomial logistic
//! regression (dense, L-BFGS) over the `MAX_FEATURES` buckets with the highest document
//! frequency, its weights written back into the hashed space so the result is an ordinary
//! [`super::linear::LinearModel`].

use anyhow::{Context, Result};
use linfa::prelude::*;
use linfa_logistic::MultiLogisticRegression;
use ndarray::{Array1, Array2};

use super::features::SparseVec;

/// How many buckets the dense matrix keeps (n × MAX_FEATURES f64 must fit in memory).
pub const MAX_FEATURES: usize = 3000;

/// Fits linfa-logistic on the selected buckets; returns feature-major weights and biases.
pub fn train(
    xs: &[SparseVec],
    counts: &[Vec<(u32, u32)>],
    ys: &[usize],
    k: usize,
    dim: usize,
) -> Result<(Vec<f32>, Vec<f32>)> {
    let mut df = vec![0u32; dim];
    for c in counts {
        for &(b, _) in c {
            df[b as usize] += 1;
        }
    }
    let mut order: Vec<u32> = (0..dim as u32).filter(|&b| df[b as usize] > 1).collect();
    order.sort_by(|a, b| df[*b as usize].cmp(&df[*a as usize]));
    order.truncate(MAX_FEATURES);
    let mut col = vec![usize::MAX; dim];
    for (j, &b) in order.iter().enumerate() {
        col[b as usize] = j;
    }
    let mut x = Array2::<f64>::zeros((xs.len(), order.len()));
    for (i, v) in xs.iter().enumerate() {
        for (&b, &val) in v.idx.iter().zip(&v.val) {
            let j = col[b as usize];
            if j != usize::MAX {
                x[[i, j]] = f64::from(val);
            }
        }
    }
    let y = Array1::from(ys.to_vec());
    let ds = Dataset::new(x, y);
    let fitted = MultiLogisticRegression::default()
        .alpha(1e-4)
        .max_iterations(100)
        .fit(&ds)
        .context("linfa-logistic failed to fit")?;
    let params = fitted.params(); // (features, classes in sorted label order)
    let classes = fitted.classes().to_vec();
    let mut w = vec![0f32; dim * k];
    let mut bias = vec![0f32; k];
    for (ci, &c) in classes.iter().enumerate() {
        bias[c] = fitted.intercept()[ci] as f32;
        for (j, &b) in order.iter().enumerate() {
            w[b as usize * k + c] = params[[j, ci]] as f32;
        }
    }
    Ok((w, bias))
}
