//! The tagging hot path: one feature pass per case, shared by the three linear models.
//!
//! Per case the feature hashes are computed once ([`FeatureConfig::hash_into`], into reused
//! buffers, no string per n-gram). Each model masks them to its width and counts them in a
//! reused per-thread array indexed by bucket (touching only the case's buckets, no sort),
//! which gives the same buckets and values as [`FeatureConfig::vectorize_hashes`] in
//! first-occurrence order. Weights are held as i16, feature-major (`w[bucket * kp + class]`,
//! scaled per class, rows padded to eight classes), so all classes' weights of one feature are
//! one contiguous run (one to three cache lines), scored eight classes at a time (AVX2 when
//! the CPU has it), in half the memory of f32 weights.

use super::features::FeatureConfig;
use super::linear::LinearModel;

/// Weights of a model file are `±q²·scale/127²` for a byte `q` (see
/// [`LinearModel::to_bytes`]), so with this many steps per class scale they are exact as
/// integers.
const STEPS: f32 = 127.0 * 127.0;

/// Row stride of the weights: classes padded to a multiple of this (SIMD width).
const LANES: usize = 8;
/// How many features ahead the scoring loop prefetches weight rows.
#[cfg(target_arch = "x86_64")]
const PREFETCH_AHEAD: usize = 8;

/// A linear model laid out for scoring: i16 feature-major weights with a scale per class,
/// each feature's row padded to a multiple of [`LANES`].
#[derive(Debug, Clone)]
pub struct CompactModel {
    k: usize,
    /// Row stride (k rounded up to [`LANES`]).
    kp: usize,
    bits: u32,
    idf: Vec<f32>,
    w: Vec<i16>,
    scale: Vec<f32>,
    bias: Vec<f32>,
    pub temperature: f32,
}

/// Reused per-thread buffers for one case's features.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Feature hashes in extraction order (see [`FeatureConfig::hash_into`]).
    pub hashes: Vec<u64>,
    /// The CJK characters of the joined terms.
    pub chars: Vec<[u8; 3]>,
    /// Count per bucket, all zero between uses.
    counts: Vec<u16>,
    /// The buckets of the case in first-occurrence order.
    order: Vec<u32>,
    /// The buckets and counts of the widest model vectorised so far, and its width (0: none).
    wide: Vec<(u32, u16)>,
    wide_bits: u32,
    /// A model's sparse TF-IDF vector: (bucket, value).
    pub x: Vec<(u32, f32)>,
}

impl Scratch {
    /// Hashes `terms`: the one feature pass of a case.
    pub fn features<S: AsRef<str>>(&mut self, cfg: &FeatureConfig, terms: &[S]) {
        cfg.hash_into(terms, &mut self.hashes, &mut self.chars);
        self.wide_bits = 0;
    }

    /// Takes precomputed feature hashes instead (no character list).
    pub fn set_hashes(&mut self, hashes: &[u64]) {
        self.hashes.clear();
        self.hashes.extend_from_slice(hashes);
        self.chars.clear();
        self.wide_bits = 0;
    }
}

/// 1 + ln(count): the sublinear term frequency.
#[inline]
fn tf(count: u16) -> f32 {
    if count == 1 {
        1.0
    } else {
        1.0 + (count as f32).ln()
    }
}

/// `acc[c] += w[b * kp + c] * v` over the features `x` (the scoring inner loop; rows are
/// whole chunks of [`LANES`]).
fn accumulate(w: &[i16], kp: usize, x: &[(u32, f32)], acc: &mut [f32]) {
    for &(b, v) in x {
        let row = &w[b as usize * kp..][..kp];
        for (a8, w8) in acc.chunks_exact_mut(LANES).zip(row.chunks_exact(LANES)) {
            let a8: &mut [f32; LANES] = a8.try_into().expect("whole chunk");
            let w8: &[i16; LANES] = w8.try_into().expect("whole chunk");
            for i in 0..LANES {
                a8[i] += f32::from(w8[i]) * v;
            }
        }
    }
}

/// [`accumulate`] with AVX2: eight classes per instruction, the same arithmetic (no fused
/// multiply-add), so both give the same scores. Rows of up to 96 classes keep their sums in
/// registers.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_avx2(w: &[i16], kp: usize, x: &[(u32, f32)], acc: &mut [f32]) {
    assert!(kp.is_multiple_of(LANES) && acc.len() == kp);
    macro_rules! fixed {
        ($($n:literal)*) => {
            match kp / LANES {
                $($n => return accumulate_avx2_fixed::<$n>(w, x, acc),)*
                _ => {}
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 10 11 12);
    accumulate(w, kp, x, acc)
}

/// [`accumulate_avx2`] for rows of `N` chunks, the sums held in `N` registers.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_avx2_fixed<const N: usize>(w: &[i16], x: &[(u32, f32)], acc: &mut [f32]) {
    use std::arch::x86_64::*;
    let kp = N * LANES;
    assert!(acc.len() == kp);
    let mut sums = [_mm256_setzero_ps(); N];
    for (i, &(b, v)) in x.iter().enumerate() {
        // the rows are scattered over megabytes: ask for a later feature's row early
        if let Some(&(ahead, _)) = x.get(i + PREFETCH_AHEAD) {
            let p = w.as_ptr().wrapping_add(ahead as usize * kp) as *const i8;
            for line in (0..kp * 2).step_by(64) {
                _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(line));
            }
        }
        let start = b as usize * kp;
        assert!(start + kp <= w.len(), "bucket {b} out of range");
        let row = w.as_ptr().add(start);
        let vv = _mm256_set1_ps(v);
        for (c, sum) in sums.iter_mut().enumerate() {
            // SAFETY: row + c*8 .. +8 lies in w (checked above).
            let wi = _mm_loadu_si128(row.add(c * LANES) as *const __m128i);
            let wf = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(wi));
            *sum = _mm256_add_ps(*sum, _mm256_mul_ps(wf, vv));
        }
    }
    for (c, sum) in sums.iter().enumerate() {
        // SAFETY: acc has N * 8 elements (asserted above).
        _mm256_storeu_ps(acc.as_mut_ptr().add(c * LANES), *sum);
    }
}

impl CompactModel {
    /// Lays out a loaded model for scoring (weights read from a model file convert exactly).
    pub fn new(m: &LinearModel) -> CompactModel {
        let k = m.k();
        let kp = k.div_ceil(LANES) * LANES;
        let mut maxabs = vec![0f32; k];
        for row in m.w.chunks_exact(k) {
            for (a, w) in maxabs.iter_mut().zip(row) {
                *a = a.max(w.abs());
            }
        }
        let inv: Vec<f32> = maxabs
            .iter()
            .map(|&s| if s > 0.0 { STEPS / s } else { 0.0 })
            .collect();
        let mut w = vec![0i16; m.w.len() / k * kp];
        for (out, row) in w.chunks_exact_mut(kp).zip(m.w.chunks_exact(k)) {
            for ((o, &x), &f) in out.iter_mut().zip(row).zip(&inv) {
                // round half away from zero; the cast saturates
                let q = x * f;
                *o = (q + 0.5f32.copysign(q)).clamp(-STEPS, STEPS) as i16;
            }
        }
        CompactModel {
            k,
            kp,
            bits: m.cfg.bits,
            idf: m.idf.clone(),
            w,
            scale: maxabs.iter().map(|&s| s / STEPS).collect(),
            bias: m.bias.clone(),
            temperature: m.temperature,
        }
    }

    /// Number of classes.
    pub fn k(&self) -> usize {
        self.k
    }

    /// The L2-normalised TF-IDF vector of the case whose features are in `s`
    /// ([`Scratch::features`]), into `s.x`. When the previous call left a vector of a model at
    /// least as wide (`s.buckets` from the widest model first), its buckets and counts are
    /// reused instead of the hashes: narrower buckets are the wider ones masked.
    pub fn vectorize(&self, s: &mut Scratch) {
        let dim = 1usize << self.bits;
        if s.counts.len() < dim {
            s.counts.resize(dim, 0);
        }
        let mask = (dim - 1) as u32;
        let (counts, order, x) = (&mut s.counts, &mut s.order, &mut s.x);
        order.clear();
        if s.wide_bits >= self.bits && s.wide_bits > 0 {
            for &(b, c) in &s.wide {
                let b = (b & mask) as usize;
                if counts[b] == 0 {
                    order.push(b as u32);
                }
                counts[b] = counts[b].saturating_add(c);
            }
        } else {
            for &h in &s.hashes {
                let b = (h as u32 & mask) as usize;
                if counts[b] == 0 {
                    order.push(b as u32);
                }
                counts[b] = counts[b].saturating_add(1);
            }
        }
        x.clear();
        let mut norm = 0f32;
        let keep = s.wide_bits < self.bits || s.wide_bits == 0;
        if keep {
            s.wide.clear();
            s.wide_bits = self.bits;
        }
        for &b in order.iter() {
            let c = std::mem::take(&mut counts[b as usize]);
            if keep {
                s.wide.push((b, c));
            }
            let v = tf(c) * self.idf[b as usize];
            if v > 0.0 {
                x.push((b, v));
                norm += v * v;
            }
        }
        if norm > 0.0 {
            let inv = 1.0 / norm.sqrt();
            x.iter_mut().for_each(|e| e.1 *= inv);
        }
    }

    /// Raw decision scores, one per class.
    pub fn scores(&self, x: &[(u32, f32)]) -> Vec<f32> {
        let mut acc = vec![0f32; self.kp];
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is present, checked just above.
            unsafe { accumulate_avx2(&self.w, self.kp, x, &mut acc) };
        } else {
            accumulate(&self.w, self.kp, x, &mut acc);
        }
        #[cfg(not(target_arch = "x86_64"))]
        accumulate(&self.w, self.kp, x, &mut acc);
        acc.truncate(self.k);
        for ((a, s), b) in acc.iter_mut().zip(&self.scale).zip(&self.bias) {
            *a = b + *a * s;
        }
        acc
    }

    /// The buckets of `x` pushing hardest towards `class` (positive contributions only), best
    /// first; ties go to the lower bucket.
    pub fn top_features(&self, x: &[(u32, f32)], class: usize, n: usize) -> Vec<u32> {
        let mut best: Vec<(f32, u32)> = Vec::with_capacity(n + 1);
        for &(b, v) in x {
            let c = f32::from(self.w[b as usize * self.kp + class]) * v;
            if c <= 0.0 {
                continue;
            }
            let pos = best
                .iter()
                .position(|&(bc, bb)| c > bc || (c == bc && b < bb))
                .unwrap_or(best.len());
            if pos < n {
                best.insert(pos, (c, b));
                best.truncate(n);
            }
        }
        best.into_iter().map(|(_, b)| b).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tag::features::SparseVec;

    #[test]
    fn one_hash_pass_gives_each_width_its_vector() {
        let terms = [
            "小区", "路灯", "不亮", "路灯", "晚上", "出行", "不便", "路灯", "维修",
        ];
        let base = LinearModel::from_bytes(crate::tag::CATEGORY_MODEL).unwrap();
        let mut s = Scratch::default();
        s.features(&base.cfg, &terms);
        for bits in [4u32, 18, 9, 16, 14] {
            let cfg = FeatureConfig { bits, ..base.cfg };
            let idf: Vec<f32> = (0..cfg.dim()).map(|i| 1.0 + (i % 7) as f32).collect();
            let k = 3;
            // weights on the i16 grid, each class reaching ±1 (as a model file's weights do)
            let w: Vec<f32> = (0..cfg.dim() * k)
                .map(|i| match i {
                    0..=2 => 1.0,
                    _ => ((i * 37 % 32259) as f32 - 16129.0) / 16129.0,
                })
                .collect();
            let m = LinearModel {
                classes: vec!["a".into(), "b".into(), "c".into()],
                cfg,
                idf: idf.clone(),
                w,
                bias: vec![0.1, -0.2, 0.0],
                temperature: 1.0,
                learner: "svm".into(),
            };
            let want: SparseVec = cfg.vectorize(&terms, &idf);
            let c = CompactModel::new(&m);
            c.vectorize(&mut s);
            let x = s.x.clone();
            let mut got = x.clone();
            got.sort_by_key(|e| e.0);
            assert_eq!(got.iter().map(|e| e.0).collect::<Vec<_>>(), want.idx);
            for (g, w) in got.iter().zip(&want.val) {
                assert!((g.1 - w).abs() < 1e-5);
            }
            for (a, b) in c.scores(&x).iter().zip(m.scores(&want)) {
                assert!((a - b).abs() < 1e-3, "{a} {b}");
            }
            let top = c.top_features(&x, 1, 3);
            let old: Vec<u32> = m.top_features(&want, 1, 3).iter().map(|t| t.0).collect();
            assert_eq!(top, old);
        }
    }
}
