//! The tagging hot path: one feature pass per case, shared by the three linear models.
//!
//! Per case the feature hashes are computed once ([`FeatureConfig::hash_into`], into reused
//! buffers, no string per n-gram). Each model masks them to its width and counts them in
//! reused per-thread buffers, no sort: a dense array of counts for models of at most
//! `DENSE_BITS` (14) bits (the topic and route models), a small open-addressing hash table
//! (a few kilobytes, so it stays in L1) for wider ones (the 18-bit category model); a model
//! narrower than one already counted masks that model's counts instead of the hashes. Either
//! way it gets the same buckets and values as [`FeatureConfig::vectorize_hashes`] in
//! first-occurrence order. Weights are feature-major (all classes of one bucket in one row),
//! scaled per class and scored eight classes at a time (AVX2 when the CPU has it).
//!
//! A model file stores every weight as a signed byte `q` meaning `q·|q|` steps of its class
//! scale, and every IDF as one of 256 levels (see [`LinearModel::to_bytes`]). When a model's
//! weights and IDFs are on that grid (always, for a model read from a file), each row holds
//! the bytes `q` and, in the first padding lane, the bucket's IDF level: one row of `k + 1`
//! bytes (rounded up to eight) is everything a case needs of a bucket, a quarter of the
//! memory of f32 weights plus an f32 IDF array, so far fewer cache misses. Scores use the
//! integer `q·|q|`, exactly the value an i16 weight would hold, so they are the same.
//! Other models (weights off the grid) keep i16 weights and an f32 IDF array. The topic and
//! route models, which read the same features at the same width, share one row per bucket
//! ([`PairModel`]: both models' bytes in whole 64-byte cache lines, their IDF levels in a
//! separate small array), so a case fetches each of their rows once.

use super::features::FeatureConfig;
use super::hugemem::HugeBytes;
use super::linear::LinearModel;

/// Weights of a model file are `±q²·scale/127²` for a byte `q` (see
/// [`LinearModel::to_bytes`]), so with this many steps per class scale they are exact as
/// integers.
const STEPS: f32 = 127.0 * 127.0;

/// Row stride of the weights: classes padded to a multiple of this (SIMD width).
const LANES: usize = 8;
/// Models up to this width count buckets in a dense array (small enough to stay cached),
/// wider ones in a hash table.
const DENSE_BITS: u32 = 14;
/// How many features ahead the scoring loops prefetch weight rows.
const PREFETCH_AHEAD: usize = 32;

/// The weight rows of a [`CompactModel`].
#[derive(Debug, Clone)]
enum Rows {
    /// `q` per weight, worth `q·|q|` steps; lane `k` of each row holds the bucket's IDF level
    /// (an index into [`CompactModel::idf`]).
    Sq8(HugeBytes),
    /// The weight in steps; [`CompactModel::idf`] holds one IDF per bucket.
    I16(Vec<i16>),
}

/// A linear model laid out for scoring: feature-major weights with a scale per class, each
/// feature's row padded to a multiple of `LANES` (8).
#[derive(Debug, Clone)]
pub struct CompactModel {
    k: usize,
    /// Row stride (classes, plus the IDF lane for [`Rows::Sq8`], rounded up to [`LANES`]).
    kp: usize,
    /// The features the model reads (its width is `cfg.bits`).
    cfg: FeatureConfig,
    /// [`Rows::Sq8`]: the IDF of each level; [`Rows::I16`]: the IDF of each bucket.
    idf: Vec<f32>,
    w: Rows,
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
    /// Open-addressing table of the buckets seen: index in `order` plus one (0: empty).
    table: Vec<u32>,
    /// Count per bucket for models of at most [`DENSE_BITS`] bits, all zero between uses.
    dense: Vec<u16>,
    /// The buckets of the case in first-occurrence order, and their counts.
    order: Vec<u32>,
    counts: Vec<u16>,
    /// The buckets and counts of the widest model vectorised so far, and its width (0: none).
    wide: Vec<(u32, u16)>,
    wide_bits: u32,
    /// The width `order` and `counts` were counted at (0: none yet for this case).
    counted_bits: u32,
    /// A model's sparse TF-IDF vector: (bucket, value).
    pub x: Vec<(u32, f32)>,
    /// For a model with one-word rows (eight bytes: up to seven classes), the row of each
    /// entry of `x`, copied while vectorising, so scoring and the top features read them in
    /// order instead of from all over the model; and which model's rows they are.
    rows8: Vec<u64>,
    rows8_of: usize,
    /// A [`PairModel`]'s vectors: (bucket, value for the first model, for the second).
    pair: Vec<(u32, f32, f32)>,
    /// The feature configuration `hashes` were made with (`None`: none yet).
    hashed: Option<FeatureConfig>,
}

impl Scratch {
    /// Hashes `terms`: the one feature pass of a case.
    pub fn features<S: AsRef<str>>(&mut self, cfg: &FeatureConfig, terms: &[S]) {
        cfg.hash_into(terms, &mut self.hashes, &mut self.chars);
        self.hashed = Some(*cfg);
        self.wide_bits = 0;
        self.counted_bits = 0;
    }

    /// Hashes `terms` for `cfg` unless the hashes in hand already have its feature families
    /// (the models of one tagger normally share them: then this costs nothing).
    pub fn features_for<S: AsRef<str>>(&mut self, cfg: &FeatureConfig, terms: &[S]) {
        if !self.hashed.is_some_and(|h| h.same_features(cfg)) {
            self.features(cfg, terms);
        }
    }

    /// The buckets and counts at width `bits` into `order` / `counts`: kept when the last
    /// count had this width, else masked from the widest count so far when it is at least
    /// as wide (the widest model first), else counted from the hashes.
    fn count_at(&mut self, bits: u32) {
        let mask = ((1u64 << bits) - 1) as u32;
        if self.counted_bits == bits {
            // the previous model had this width: same buckets, same counts
        } else if self.wide_bits >= bits && self.wide_bits > 0 {
            let wide = std::mem::take(&mut self.wide);
            self.count(bits, wide.len(), wide.iter().map(|&(b, c)| (b & mask, c)));
            self.wide = wide;
        } else {
            let hashes = std::mem::take(&mut self.hashes);
            self.count(
                bits,
                hashes.len(),
                hashes.iter().map(|&h| (h as u32 & mask, 1)),
            );
            self.hashes = hashes;
            self.wide.clear();
            self.wide
                .extend(self.order.iter().copied().zip(self.counts.iter().copied()));
            self.wide_bits = bits;
        }
        self.counted_bits = bits;
    }

    /// Counts `(bucket, count)` items into `order` / `counts` (distinct buckets in
    /// first-occurrence order), through the dense array for models of at most
    /// [`DENSE_BITS`] bits, else the small hash table; at most `n` items.
    fn count(&mut self, bits: u32, n: usize, items: impl Iterator<Item = (u32, u16)>) {
        if bits <= DENSE_BITS {
            let dim = 1usize << bits;
            if self.dense.len() < dim {
                self.dense.resize(dim, 0);
            }
            self.order.clear();
            self.counts.clear();
            for (b, c) in items {
                let d = &mut self.dense[b as usize];
                if *d == 0 {
                    self.order.push(b);
                }
                *d = d.saturating_add(c);
            }
            for &b in &self.order {
                self.counts
                    .push(std::mem::take(&mut self.dense[b as usize]));
            }
            return;
        }
        let size = (n + n / 2).max(64).next_power_of_two();
        let shift = 32 - size.trailing_zeros();
        let mask = size - 1;
        if self.table.len() < size {
            self.table.resize(size, 0);
        }
        let table = &mut self.table[..size];
        table.fill(0);
        self.order.clear();
        self.counts.clear();
        let (order, counts) = (&mut self.order, &mut self.counts);
        for (b, c) in items {
            let mut i = (b.wrapping_mul(0x9E37_79B1) >> shift) as usize;
            loop {
                let e = table[i] as usize;
                if e == 0 {
                    order.push(b);
                    counts.push(c);
                    table[i] = order.len() as u32;
                    break;
                }
                if order[e - 1] == b {
                    counts[e - 1] = counts[e - 1].saturating_add(c);
                    break;
                }
                i = (i + 1) & mask;
            }
        }
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

/// Asks for the cache lines of `len` bytes at `p` (a hint: no effect on results).
#[inline(always)]
fn prefetch(p: *const u8, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let first = p as usize & !63;
        let last = (p as usize).wrapping_add(len - 1) & !63;
        let mut line = first;
        while line <= last {
            // SAFETY: prefetching is a hint and never faults, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(line as *const i8) };
            line += 64;
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (p, len);
}

/// A weight row element as its integer number of steps.
trait Step: Copy {
    fn steps(self) -> f32;
}

impl Step for i16 {
    #[inline(always)]
    fn steps(self) -> f32 {
        f32::from(self)
    }
}

impl Step for i8 {
    #[inline(always)]
    fn steps(self) -> f32 {
        let q = i16::from(self);
        f32::from(q * q.abs())
    }
}

/// `acc[c] += steps(w[r * kp + c]) * v` over the features `(b, v)` of `x` (the scoring inner
/// loop; rows are whole chunks of [`LANES`]), where row `r` is the bucket `b`, or with `SEQ`
/// the feature's index in `x` (rows copied in order, see [`Scratch::rows8`]).
fn accumulate<T: Step, const SEQ: bool>(w: &[T], kp: usize, x: &[(u32, f32)], acc: &mut [f32]) {
    for (j, &(b, v)) in x.iter().enumerate() {
        let r = if SEQ { j } else { b as usize };
        let row = &w[r * kp..][..kp];
        for (a8, w8) in acc.chunks_exact_mut(LANES).zip(row.chunks_exact(LANES)) {
            let a8: &mut [f32; LANES] = a8.try_into().expect("whole chunk");
            let w8: &[T; LANES] = w8.try_into().expect("whole chunk");
            for i in 0..LANES {
                a8[i] += w8[i].steps() * v;
            }
        }
    }
}

/// Rows of i16 or i8 weights for the AVX2 kernels.
#[cfg(target_arch = "x86_64")]
trait Avx2Row: Step {
    /// Eight lanes at `p` as f32 steps.
    ///
    /// # Safety
    /// AVX2 present; eight elements readable at `p`.
    unsafe fn load8(p: *const Self) -> std::arch::x86_64::__m256;
}

#[cfg(target_arch = "x86_64")]
impl Avx2Row for i16 {
    #[inline(always)]
    unsafe fn load8(p: *const i16) -> std::arch::x86_64::__m256 {
        use std::arch::x86_64::*;
        let wi = _mm_loadu_si128(p as *const __m128i);
        _mm256_cvtepi32_ps(_mm256_cvtepi16_epi32(wi))
    }
}

#[cfg(target_arch = "x86_64")]
impl Avx2Row for i8 {
    #[inline(always)]
    unsafe fn load8(p: *const i8) -> std::arch::x86_64::__m256 {
        use std::arch::x86_64::*;
        let q = _mm256_cvtepi8_epi32(_mm_loadl_epi64(p as *const __m128i));
        _mm256_cvtepi32_ps(_mm256_mullo_epi32(q, _mm256_abs_epi32(q)))
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
unsafe fn accumulate_avx2<T: Avx2Row, const SEQ: bool>(
    w: &[T],
    kp: usize,
    x: &[(u32, f32)],
    acc: &mut [f32],
) {
    assert!(kp.is_multiple_of(LANES) && acc.len() == kp);
    macro_rules! fixed {
        ($($n:literal)*) => {
            match kp / LANES {
                $($n => return accumulate_avx2_fixed::<T, SEQ, $n>(w, x, acc),)*
                _ => {}
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 10 11 12);
    accumulate::<T, SEQ>(w, kp, x, acc)
}

/// [`accumulate_avx2`] for rows of `N` chunks, the sums held in `N` registers.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_avx2_fixed<T: Avx2Row, const SEQ: bool, const N: usize>(
    w: &[T],
    x: &[(u32, f32)],
    acc: &mut [f32],
) {
    use std::arch::x86_64::*;
    let kp = N * LANES;
    assert!(acc.len() == kp);
    let mut sums = [_mm256_setzero_ps(); N];
    for (j, &(b, v)) in x.iter().enumerate() {
        let start = if SEQ { j } else { b as usize } * kp;
        assert!(start + kp <= w.len(), "bucket {b} out of range");
        let row = w.as_ptr().add(start);
        let vv = _mm256_set1_ps(v);
        for (c, sum) in sums.iter_mut().enumerate() {
            // SAFETY: row + c*8 .. +8 lies in w (checked above).
            let wf = T::load8(row.add(c * LANES));
            *sum = _mm256_add_ps(*sum, _mm256_mul_ps(wf, vv));
        }
    }
    for (c, sum) in sums.iter().enumerate() {
        // SAFETY: acc has N * 8 elements (asserted above).
        _mm256_storeu_ps(acc.as_mut_ptr().add(c * LANES), *sum);
    }
}

/// The distinct values of `v` (sorted by bits), when there are at most 256 of them.
fn levels(v: &[f32]) -> Option<Vec<f32>> {
    let mut bits: Vec<u32> = Vec::new();
    for x in v {
        let b = x.to_bits();
        if let Err(i) = bits.binary_search(&b) {
            if bits.len() == 256 {
                return None;
            }
            bits.insert(i, b);
        }
    }
    Some(bits.into_iter().map(f32::from_bits).collect())
}

/// `q` with `q·|q| == s`, if there is one in `-127..=127`.
fn sqrt_step(s: i16) -> Option<i8> {
    let m = i32::from(s).abs();
    let q = (m as f64).sqrt().round() as i32;
    (q <= 127 && q * q == m).then(|| if s < 0 { -q as i8 } else { q as i8 })
}

impl CompactModel {
    /// Lays out a loaded model for scoring (weights read from a model file convert exactly).
    pub fn new(m: &LinearModel) -> CompactModel {
        CompactModel::layout(m, true)
    }

    /// With `bytes`, the byte rows when the model's weights and IDFs allow them, else i16.
    fn layout(m: &LinearModel, bytes: bool) -> CompactModel {
        let k = m.k();
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
        let step = |x: f32, f: f32| {
            // round half away from zero; the cast saturates
            let q = x * f;
            (q + 0.5f32.copysign(q)).clamp(-STEPS, STEPS) as i16
        };
        let rows = m.w.len() / k;
        // the byte layout, when every weight is q·|q| steps and the IDFs take 256 levels
        let sq8 = levels(&m.idf).filter(|_| bytes).and_then(|lv| {
            let kp = (k + 1).div_ceil(LANES) * LANES;
            let mut w = HugeBytes::zeroed(rows * kp);
            for ((out, row), idf) in w.chunks_exact_mut(kp).zip(m.w.chunks_exact(k)).zip(&m.idf) {
                for ((o, &x), &f) in out.iter_mut().zip(row).zip(&inv) {
                    *o = sqrt_step(step(x, f))?;
                }
                let level = lv.binary_search_by_key(&idf.to_bits(), |l| l.to_bits());
                out[k] = level.ok()? as u8 as i8;
            }
            Some((kp, lv, Rows::Sq8(w)))
        });
        let (kp, idf, w) = sq8.unwrap_or_else(|| {
            let kp = k.div_ceil(LANES) * LANES;
            let mut w = vec![0i16; rows * kp];
            for (out, row) in w.chunks_exact_mut(kp).zip(m.w.chunks_exact(k)) {
                for ((o, &x), &f) in out.iter_mut().zip(row).zip(&inv) {
                    *o = step(x, f);
                }
            }
            (kp, m.idf.clone(), Rows::I16(w))
        });
        CompactModel {
            k,
            kp,
            cfg: m.cfg,
            idf,
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

    /// The feature configuration the model reads.
    pub fn cfg(&self) -> &FeatureConfig {
        &self.cfg
    }

    /// The L2-normalised TF-IDF vector of the case whose features are in `s`
    /// ([`Scratch::features`]), into `s.x`. When the previous call left a vector of a model at
    /// least as wide (the widest model first), its buckets and counts are reused instead of
    /// the hashes: narrower buckets are the wider ones masked.
    pub fn vectorize(&self, s: &mut Scratch) {
        s.count_at(self.cfg.bits);
        let (x, rows8) = (&mut s.x, &mut s.rows8);
        x.clear();
        rows8.clear();
        s.rows8_of = 0;
        let mut norm = 0f32;
        let mut push = |b: u32, c: u16, idf: f32| {
            let v = tf(c) * idf;
            if v > 0.0 {
                x.push((b, v));
                norm += v * v;
            }
            v > 0.0
        };
        match &self.w {
            Rows::Sq8(w) if self.kp == LANES => {
                // the table's slice once, not per feature
                let w: &[i8] = w;
                // one u64 per row: copy each row beside its entry of x
                s.rows8_of = self.id();
                for (j, (&b, &c)) in s.order.iter().zip(&s.counts).enumerate() {
                    if let Some(&ahead) = s.order.get(j + PREFETCH_AHEAD) {
                        prefetch(
                            w.as_ptr().wrapping_add(ahead as usize * LANES) as *const u8,
                            LANES,
                        );
                    }
                    let row: [i8; LANES] = w[b as usize * LANES..][..LANES]
                        .try_into()
                        .expect("whole row");
                    if push(b, c, self.idf[row[self.k] as u8 as usize]) {
                        rows8.push(u64::from_le_bytes(row.map(|q| q as u8)));
                    }
                }
            }
            Rows::Sq8(w) => {
                let (w, kp): (&[i8], _) = (w, self.kp);
                for (j, (&b, &c)) in s.order.iter().zip(&s.counts).enumerate() {
                    if let Some(&ahead) = s.order.get(j + PREFETCH_AHEAD) {
                        prefetch(
                            w.as_ptr().wrapping_add(ahead as usize * kp) as *const u8,
                            kp,
                        );
                    }
                    let level = w[b as usize * kp + self.k] as u8;
                    push(b, c, self.idf[level as usize]);
                }
            }
            Rows::I16(_) => {
                for (&b, &c) in s.order.iter().zip(&s.counts) {
                    push(b, c, self.idf[b as usize]);
                }
            }
        }
        if norm > 0.0 {
            let inv = 1.0 / norm.sqrt();
            x.iter_mut().for_each(|e| e.1 *= inv);
        }
    }

    /// Identifies this model's weights (for [`Scratch::rows8_of`]).
    fn id(&self) -> usize {
        match &self.w {
            Rows::Sq8(w) => w.as_ptr() as usize,
            Rows::I16(w) => w.as_ptr() as usize,
        }
    }

    /// The rows copied beside `s.x` by this model's [`CompactModel::vectorize`], if it left
    /// them.
    fn rows8<'a>(&self, s: &'a Scratch) -> Option<&'a [[i8; LANES]]> {
        (s.rows8_of == self.id() && s.rows8.len() == s.x.len()).then(|| {
            // SAFETY: u64 and [i8; 8] have the same size, and i8 any bit pattern.
            unsafe { std::slice::from_raw_parts(s.rows8.as_ptr().cast(), s.rows8.len()) }
        })
    }

    /// Raw decision scores, one per class.
    pub fn scores(&self, x: &[(u32, f32)]) -> Vec<f32> {
        let mut acc = vec![0f32; self.kp];
        match &self.w {
            Rows::Sq8(w) => accumulate_any::<_, false>(w, self.kp, x, &mut acc),
            Rows::I16(w) => accumulate_any::<_, false>(w, self.kp, x, &mut acc),
        }
        self.finish(acc)
    }

    /// [`CompactModel::scores`] of `s.x` after this model's [`CompactModel::vectorize`].
    pub fn scores_in(&self, s: &Scratch) -> Vec<f32> {
        let Some(rows) = self.rows8(s) else {
            return self.scores(&s.x);
        };
        let mut acc = vec![0f32; LANES];
        accumulate_any::<_, true>(rows.as_flattened(), LANES, &s.x, &mut acc);
        self.finish(acc)
    }

    /// Bias and class scale on the accumulated sums.
    fn finish(&self, mut acc: Vec<f32>) -> Vec<f32> {
        acc.truncate(self.k);
        for ((a, s), b) in acc.iter_mut().zip(&self.scale).zip(&self.bias) {
            *a = b + *a * s;
        }
        acc
    }

    /// The buckets of `x` pushing hardest towards `class` (positive contributions only), best
    /// first; ties go to the lower bucket.
    pub fn top_features(&self, x: &[(u32, f32)], class: usize, n: usize) -> Vec<u32> {
        let at = |b: u32| b as usize * self.kp + class;
        match &self.w {
            Rows::Sq8(w) => {
                let w: &[i8] = w;
                self.top_by(x, class, n, |j, b| w[at(b)].steps() * x[j].1)
            }
            Rows::I16(w) => self.top_by(x, class, n, |j, b| w[at(b)].steps() * x[j].1),
        }
    }

    /// [`CompactModel::top_features`] of `s.x` after this model's
    /// [`CompactModel::vectorize`].
    pub fn top_features_in(&self, s: &Scratch, class: usize, n: usize) -> Vec<u32> {
        match self.rows8(s) {
            Some(rows) => self.top_by(&s.x, class, n, |j, _| rows[j][class].steps() * s.x[j].1),
            None => self.top_features(&s.x, class, n),
        }
    }

    /// The top `n` buckets of `x` by `contribution(index, bucket)` (positive only).
    fn top_by(
        &self,
        x: &[(u32, f32)],
        class: usize,
        n: usize,
        contribution: impl Fn(usize, u32) -> f32,
    ) -> Vec<u32> {
        debug_assert!(class < self.k);
        let mut best: Vec<(f32, u32)> = Vec::with_capacity(n + 1);
        // Skip a feature when c < floor: below the n-th best once there are n, else c <= 0
        // (the least positive float as the floor). One predictable branch for most features.
        let mut floor = f32::from_bits(1);
        for (j, &(b, _)) in x.iter().enumerate() {
            let c = contribution(j, b);
            if c < floor {
                continue;
            }
            let pos = best
                .iter()
                .position(|&(bc, bb)| c > bc || (c == bc && b < bb))
                .unwrap_or(best.len());
            if pos < n {
                best.insert(pos, (c, b));
                best.truncate(n);
                if best.len() == n {
                    floor = best[n - 1].0;
                }
            }
        }
        best.into_iter().map(|(_, b)| b).collect()
    }
}

/// Two models of the same width and features (the topic and the route model) laid out
/// together: one row per bucket holds both models' byte weights (`q`, worth `q·|q|` steps,
/// as in `Rows::Sq8`), the first model's classes padded to `LANES` and then the second
/// model's, the row padded to whole 64-byte cache lines and aligned to them; the IDF levels
/// of both sit in a separate small array. So a case reads each of its buckets' rows once,
/// in one pass scoring both models, and the first pass (the TF-IDF values and norms) only
/// touches the small level array. Scores are those of [`CompactModel::scores_in`] of each
/// model: the same products summed in the same order.
#[derive(Debug, Clone)]
pub struct PairModel {
    cfg: FeatureConfig,
    /// Classes of each model and their padded widths (multiples of [`LANES`]).
    k: [usize; 2],
    p: [usize; 2],
    /// Row stride in bytes (a multiple of 64).
    stride: usize,
    rows: HugeBytes,
    /// Per bucket, each model's IDF level (index into `idf`).
    levels: Vec<[u8; 2]>,
    idf: [Vec<f32>; 2],
    scale: [Vec<f32>; 2],
    bias: [Vec<f32>; 2],
    temperature: [f32; 2],
}

impl PairModel {
    /// The pair layout of `ca` and `cb`, when both read the same features and have byte
    /// rows (always, for models read from files); their rows are copied, so the two may be
    /// dropped afterwards.
    pub fn new(ca: &CompactModel, cb: &CompactModel) -> Option<PairModel> {
        if ca.cfg != cb.cfg {
            return None;
        }
        let (Rows::Sq8(wa), Rows::Sq8(wb)) = (&ca.w, &cb.w) else {
            return None;
        };
        let k = [ca.k, cb.k];
        let p = k.map(|k| k.div_ceil(LANES) * LANES);
        let stride = (p[0] + p[1]).div_ceil(64) * 64;
        let dim = ca.cfg.dim();
        let mut rows = HugeBytes::zeroed(dim * stride);
        let mut levels = vec![[0u8; 2]; dim];
        {
            for (r, (out, level)) in rows.chunks_exact_mut(stride).zip(&mut levels).enumerate() {
                let ra = &wa[r * ca.kp..][..ca.kp];
                let rb = &wb[r * cb.kp..][..cb.kp];
                out[..k[0]].copy_from_slice(&ra[..k[0]]);
                out[p[0]..p[0] + k[1]].copy_from_slice(&rb[..k[1]]);
                *level = [ra[k[0]] as u8, rb[k[1]] as u8];
            }
        }
        Some(PairModel {
            cfg: ca.cfg,
            k,
            p,
            stride,
            rows,
            levels,
            idf: [ca.idf.clone(), cb.idf.clone()],
            scale: [ca.scale.clone(), cb.scale.clone()],
            bias: [ca.bias.clone(), cb.bias.clone()],
            temperature: [ca.temperature, cb.temperature],
        })
    }

    /// The feature configuration both models read.
    pub fn cfg(&self) -> &FeatureConfig {
        &self.cfg
    }

    /// The weight bytes, row after row (64-byte aligned).
    fn flat(&self) -> &[i8] {
        &self.rows
    }

    /// Both models' raw decision scores for the case whose features are in `s`
    /// ([`Scratch::features`]), as [`CompactModel::vectorize`] then
    /// [`CompactModel::scores_in`] of each model would give them.
    pub fn scores(&self, s: &mut Scratch) -> [Vec<f32>; 2] {
        s.count_at(self.cfg.bits);
        let pair = &mut s.pair;
        pair.clear();
        let (mut na, mut nb) = (0f32, 0f32);
        let [ia, ib] = &self.idf;
        for (&b, &c) in s.order.iter().zip(&s.counts) {
            let t = tf(c);
            let [la, lb] = self.levels[b as usize];
            let (va, vb) = (t * ia[la as usize], t * ib[lb as usize]);
            // a value is never zero (IDFs are at least 1), but keep the models' rule: a
            // zero value adds nothing to its model's norm or scores
            let (va, vb) = (va.max(0.0), vb.max(0.0));
            na += va * va;
            nb += vb * vb;
            pair.push((b, va, vb));
        }
        let inv = |n: f32| if n > 0.0 { 1.0 / n.sqrt() } else { 1.0 };
        let (fa, fb) = (inv(na), inv(nb));
        for e in pair.iter_mut() {
            e.1 *= fa;
            e.2 *= fb;
        }
        let mut acc = [vec![0f32; self.p[0]], vec![0f32; self.p[1]]];
        accumulate_pair_any(self.flat(), self.stride, self.p, pair, &mut acc);
        let mut out = acc;
        for (m, a) in out.iter_mut().enumerate() {
            a.truncate(self.k[m]);
            for ((a, s), b) in a.iter_mut().zip(&self.scale[m]).zip(&self.bias[m]) {
                *a = b + *a * s;
            }
        }
        out
    }

    /// The temperature of each model's softmax.
    pub fn temperatures(&self) -> [f32; 2] {
        self.temperature
    }
}

/// `acc[m][c] += steps(row_b[off_m + c]) * v_m` over the entries `(b, v_0, v_1)` of `x`,
/// where model 0's lanes start at 0 and model 1's at `p[0]` in each row of `stride` bytes.
fn accumulate_pair(
    w: &[i8],
    stride: usize,
    p: [usize; 2],
    x: &[(u32, f32, f32)],
    acc: &mut [Vec<f32>; 2],
) {
    for &(b, va, vb) in x {
        let row = &w[b as usize * stride..][..stride];
        for (m, (off, v)) in [(0, va), (p[0], vb)].into_iter().enumerate() {
            for (a8, w8) in acc[m]
                .chunks_exact_mut(LANES)
                .zip(row[off..off + p[m]].chunks_exact(LANES))
            {
                for i in 0..LANES {
                    a8[i] += w8[i].steps() * v;
                }
            }
        }
    }
}

/// [`accumulate_pair`] with AVX2 for rows of `NA` and `NB` chunks, the sums in registers,
/// rows prefetched ahead.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_pair_avx2<const NA: usize, const NB: usize>(
    w: &[i8],
    stride: usize,
    x: &[(u32, f32, f32)],
    acc: &mut [Vec<f32>; 2],
) {
    use std::arch::x86_64::*;
    assert!(acc[0].len() == NA * LANES && acc[1].len() == NB * LANES);
    assert!((NA + NB) * LANES <= stride);
    let mut sa = [_mm256_setzero_ps(); NA];
    let mut sb = [_mm256_setzero_ps(); NB];
    for (j, &(b, va, vb)) in x.iter().enumerate() {
        if let Some(&(ahead, _, _)) = x.get(j + PREFETCH_AHEAD / 2) {
            prefetch(
                w.as_ptr().wrapping_add(ahead as usize * stride) as *const u8,
                stride,
            );
        }
        let start = b as usize * stride;
        assert!(start + stride <= w.len(), "bucket {b} out of range");
        let row = w.as_ptr().add(start);
        let (xa, xb) = (_mm256_set1_ps(va), _mm256_set1_ps(vb));
        for (c, sum) in sa.iter_mut().enumerate() {
            // SAFETY: row + c*8 .. +8 lies in w (checked above).
            let wf = i8::load8(row.add(c * LANES));
            *sum = _mm256_add_ps(*sum, _mm256_mul_ps(wf, xa));
        }
        let rb = row.add(NA * LANES);
        for (c, sum) in sb.iter_mut().enumerate() {
            // SAFETY: as above, within the first (NA + NB) * 8 bytes of the row.
            let wf = i8::load8(rb.add(c * LANES));
            *sum = _mm256_add_ps(*sum, _mm256_mul_ps(wf, xb));
        }
    }
    for (c, sum) in sa.iter().enumerate() {
        // SAFETY: acc[0] has NA * 8 elements (asserted above).
        _mm256_storeu_ps(acc[0].as_mut_ptr().add(c * LANES), *sum);
    }
    for (c, sum) in sb.iter().enumerate() {
        // SAFETY: acc[1] has NB * 8 elements (asserted above).
        _mm256_storeu_ps(acc[1].as_mut_ptr().add(c * LANES), *sum);
    }
}

/// [`accumulate_pair_avx2`] for the widths of the built-in models (36 topic classes, 69
/// departments) when the CPU has AVX2, else [`accumulate_pair`].
fn accumulate_pair_any(
    w: &[i8],
    stride: usize,
    p: [usize; 2],
    x: &[(u32, f32, f32)],
    acc: &mut [Vec<f32>; 2],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        macro_rules! fixed {
            ($(($a:literal, $b:literal))*) => {
                match (p[0] / LANES, p[1] / LANES) {
                    // SAFETY: AVX2 is present, checked just above.
                    $(($a, $b) => return unsafe { accumulate_pair_avx2::<$a, $b>(w, stride, x, acc) },)*
                    _ => {}
                }
            };
        }
        fixed!((5, 9)(5, 8)(5, 10)(4, 9)(6, 9));
    }
    accumulate_pair(w, stride, p, x, acc);
}

/// [`accumulate_avx2`] when the CPU has AVX2, else [`accumulate`].
#[cfg(target_arch = "x86_64")]
fn accumulate_any<T: Avx2Row, const SEQ: bool>(
    w: &[T],
    kp: usize,
    x: &[(u32, f32)],
    acc: &mut [f32],
) {
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 is present, checked just above.
        unsafe { accumulate_avx2::<T, SEQ>(w, kp, x, acc) };
    } else {
        accumulate::<T, SEQ>(w, kp, x, acc);
    }
}

/// [`accumulate`] (no AVX2 off x86_64).
#[cfg(not(target_arch = "x86_64"))]
fn accumulate_any<T: Step, const SEQ: bool>(w: &[T], kp: usize, x: &[(u32, f32)], acc: &mut [f32]) {
    accumulate::<T, SEQ>(w, kp, x, acc);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tag::features::SparseVec;

    /// The byte rows of the built-in models score exactly as i16 weights do.
    #[test]
    fn byte_rows_score_as_i16_rows() {
        let texts = [
            "小区路灯不亮，晚上出行不便，希望尽快维修",
            "A市经开区某公司拖欠工资三个月，劳动监察部门不作为",
            "学校周边道路拥堵，校车安全隐患大",
        ];
        let terms: Vec<Vec<String>> = texts
            .iter()
            .map(|t| crate::text::segmenter().terms(t))
            .collect();
        for bytes in [
            crate::tag::CATEGORY_MODEL,
            crate::tag::TOPIC_MODEL,
            crate::tag::ROUTE_MODEL,
        ] {
            let m = LinearModel::from_bytes(bytes).unwrap();
            let a = CompactModel::layout(&m, true);
            let b = CompactModel::layout(&m, false);
            assert!(matches!(a.w, Rows::Sq8(_)), "a model file gives byte rows");
            assert!(matches!(b.w, Rows::I16(_)));
            for t in &terms {
                let (mut sa, mut sb) = (Scratch::default(), Scratch::default());
                sa.features(&m.cfg, t);
                sb.features(&m.cfg, t);
                a.vectorize(&mut sa);
                b.vectorize(&mut sb);
                assert_eq!(sa.x, sb.x);
                assert_eq!(a.scores_in(&sa), b.scores(&sb.x));
                assert_eq!(a.scores(&sa.x), b.scores(&sb.x));
                for class in 0..m.k() {
                    assert_eq!(
                        a.top_features_in(&sa, class, 3),
                        b.top_features(&sb.x, class, 3)
                    );
                }
                let want = m.scores(&m.cfg.vectorize(t, &m.idf));
                for (x, y) in a.scores_in(&sa).iter().zip(want) {
                    assert!((x - y).abs() < 1e-3, "{x} {y}");
                }
            }
        }
    }

    /// The topic and route models scored together give each model's own scores exactly.
    #[test]
    fn pair_scores_are_each_model_s_scores() {
        let t = LinearModel::from_bytes(crate::tag::TOPIC_MODEL).unwrap();
        let r = LinearModel::from_bytes(crate::tag::ROUTE_MODEL).unwrap();
        let cat = LinearModel::from_bytes(crate::tag::CATEGORY_MODEL).unwrap();
        let (ct, cr, cc) = (
            CompactModel::new(&t),
            CompactModel::new(&r),
            CompactModel::new(&cat),
        );
        let pair = PairModel::new(&ct, &cr).expect("the built-in models pair");
        for text in [
            "小区路灯不亮，晚上出行不便，希望尽快维修",
            "A市经开区某公司拖欠工资三个月，劳动监察部门不作为",
            "学校周边道路拥堵，校车安全隐患大",
            "",
        ] {
            let terms = crate::text::segmenter().terms(text);
            let mut s = Scratch::default();
            s.features(&cat.cfg, &terms);
            cc.vectorize(&mut s);
            let [a, b] = pair.scores(&mut s);
            ct.vectorize(&mut s);
            assert_eq!(a, ct.scores(&s.x), "{text}");
            cr.vectorize(&mut s);
            assert_eq!(b, cr.scores(&s.x), "{text}");
        }
    }

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
