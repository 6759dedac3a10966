//! The tagging hot path: one feature pass per case, shared by the three linear models.
//!
//! Per case the feature hashes are computed once ([`FeatureConfig::hash_into`], into reused
//! buffers, no string per n-gram), then their low 32 bits are bit-reversed, sorted and counted
//! once. Sorted that way, the hashes sharing their low `b` bits are adjacent for every `b` ≤ 32,
//! so each model, whatever its hash width, reads its TF-IDF vector off the one sorted list in a
//! single linear pass:
//! the same buckets and values as [`FeatureConfig::vectorize_hashes`] (which sorts once per
//! model), in bit-reversed bucket order. Weights are held as i16, feature-major
//! (`w[bucket * kp + class]`, scaled per class, rows padded to eight classes), so all classes'
//! weights of one feature are one contiguous run (one to three cache lines), scored eight
//! classes at a time (AVX2 when the CPU has it), in half the memory of f32 weights.

use super::features::FeatureConfig;
use super::linear::LinearModel;

/// Weights of a model file are `±q²·scale/127²` for a byte `q` (see
/// [`LinearModel::to_bytes`]), so with this many steps per class scale they are exact as
/// integers.
const STEPS: f32 = 127.0 * 127.0;

/// Row stride of the weights: classes padded to a multiple of this (SIMD width).
const LANES: usize = 8;

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
    /// The low 32 bits of the hashes, bit-reversed, sorted by their top bits.
    keys: Vec<u32>,
    tmp: Vec<u32>,
    /// The keys grouped by their top bits: (key, its hash's low 32 bits, count).
    distinct: Vec<(u32, u32, u32)>,
    /// A model's sparse TF-IDF vector: (bucket, value).
    pub x: Vec<(u32, f32)>,
}

impl Scratch {
    /// Hashes `terms`, sorts and counts the keys: the one feature pass of a case, for models
    /// of up to `max_bits` hash bits.
    pub fn features<S: AsRef<str>>(&mut self, cfg: &FeatureConfig, terms: &[S], max_bits: u32) {
        cfg.hash_into(terms, &mut self.hashes, &mut self.chars);
        self.set_hashes_sorted(max_bits);
    }

    /// Fills the sorted keys, grouped by their top `max_bits` bits, from `hashes`.
    pub fn set_hashes_sorted(&mut self, max_bits: u32) {
        self.keys.clear();
        self.keys
            .extend(self.hashes.iter().map(|&h| (h as u32).reverse_bits()));
        radix_sort_top(&mut self.keys, &mut self.tmp, max_bits);
        let shift = 32 - max_bits.min(32);
        self.distinct.clear();
        for &key in &self.keys {
            match self.distinct.last_mut() {
                Some(d) if u64::from(d.0 ^ key) >> shift == 0 => d.2 += 1,
                _ => self.distinct.push((key, key.reverse_bits(), 1)),
            }
        }
    }
}

/// 1 + ln(count): the sublinear term frequency.
#[inline]
fn tf(count: u32) -> f32 {
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
/// multiply-add), so both give the same scores.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_avx2(w: &[i16], kp: usize, x: &[(u32, f32)], acc: &mut [f32]) {
    use std::arch::x86_64::*;
    assert!(kp % LANES == 0 && acc.len() == kp);
    let chunks = kp / LANES;
    let a = acc.as_mut_ptr();
    for &(b, v) in x {
        let start = b as usize * kp;
        assert!(start + kp <= w.len(), "bucket {b} out of range");
        let row = w.as_ptr().add(start);
        let vv = _mm256_set1_ps(v);
        for c in 0..chunks {
            // SAFETY: row + c*8 .. +8 lies in w (checked above), a + c*8 .. +8 in acc.
            let wi = _mm_loadu_si128(row.add(c * LANES) as *const __m128i);
            let wf = _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(wi));
            let ac = _mm256_loadu_ps(a.add(c * LANES));
            _mm256_storeu_ps(a.add(c * LANES), _mm256_add_ps(ac, _mm256_mul_ps(wf, vv)));
        }
    }
}

/// Sorts `keys` by their top `bits` bits (LSD radix, eight bits a pass), via `tmp`.
fn radix_sort_top(keys: &mut Vec<u32>, tmp: &mut Vec<u32>, bits: u32) {
    let bits = bits.min(32);
    let low = 32 - bits;
    let mut shift = low;
    while shift < 32 {
        let width = (32 - shift).min(8);
        let digit_mask = (1u32 << width) - 1;
        let mut count = [0usize; 256];
        for &k in keys.iter() {
            count[((k >> shift) & digit_mask) as usize] += 1;
        }
        let mut sum = 0;
        for c in count.iter_mut() {
            let n = *c;
            *c = sum;
            sum += n;
        }
        tmp.clear();
        tmp.resize(keys.len(), 0);
        for &k in keys.iter() {
            let d = ((k >> shift) & digit_mask) as usize;
            tmp[count[d]] = k;
            count[d] += 1;
        }
        std::mem::swap(keys, tmp);
        shift += width;
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

    /// log2 of the number of hash buckets.
    pub fn bits(&self) -> u32 {
        self.bits
    }

    /// The L2-normalised TF-IDF vector of the case whose features are in `s`
    /// ([`Scratch::features`], with `max_bits` at least this model's bits), into `s.x`.
    pub fn vectorize(&self, s: &mut Scratch) {
        let x = &mut s.x;
        let d = &s.distinct;
        x.clear();
        let mask = ((1u64 << self.bits) - 1) as u32;
        // keys in one bucket agree on their top `bits` bits
        let shift = 32 - self.bits.min(32);
        let mut norm = 0f32;
        let mut i = 0;
        while i < d.len() {
            let (head, low, mut count) = d[i];
            let mut j = i + 1;
            while j < d.len() && u64::from(d[j].0 ^ head) >> shift == 0 {
                count += d[j].2;
                j += 1;
            }
            let b = low & mask;
            let v = tf(count) * self.idf[b as usize];
            if v > 0.0 {
                x.push((b, v));
                norm += v * v;
            }
            i = j;
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
    fn one_sorted_pass_gives_each_width_its_vector() {
        let terms = [
            "小区", "路灯", "不亮", "路灯", "晚上", "出行", "不便", "路灯", "维修",
        ];
        let base = LinearModel::from_bytes(crate::tag::CATEGORY_MODEL).unwrap();
        let mut s = Scratch::default();
        s.features(&base.cfg, &terms, 18);
        for bits in [4u32, 9, 14, 16, 18] {
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
