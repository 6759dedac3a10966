//! Text features for the linear classifiers: hashed word unigrams, word bigrams and character
//! 2/3-grams with sublinear TF-IDF weighting and L2 normalisation (the hashing trick keeps the
//! model a fixed size without a vocabulary file).

/// A sparse feature vector: sorted, distinct bucket ids with their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    pub idx: Vec<u32>,
    pub val: Vec<f32>,
}

impl SparseVec {
    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.idx.len()
    }

    /// Dot product with a dense vector.
    pub fn dot(&self, w: &[f32]) -> f32 {
        self.idx
            .iter()
            .zip(&self.val)
            .map(|(&i, &v)| w[i as usize] * v)
            .sum()
    }
}

/// 64-bit FNV-1a over bytes, seeded with a namespace byte.
fn fnv(ns: u8, parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(ns);
    h = h.wrapping_mul(0x0100_0000_01b3);
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            h ^= 0xff;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    // final avalanche (splitmix64 finaliser) so low bits are well mixed
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Which features to extract and how wide the hashed space is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeatureConfig {
    /// log2 of the number of hash buckets.
    pub bits: u32,
    pub unigrams: bool,
    pub bigrams: bool,
    /// Character n-grams over the joined terms (lengths 2 and 3).
    pub char_ngrams: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            bits: 18,
            unigrams: true,
            bigrams: true,
            char_ngrams: true,
        }
    }
}

/// Calls `f` with the hash and the characters of every CJK character 2- and 3-gram of the
/// joined terms (the same for raw and pre-segmented text).
fn for_each_char_ngram<S: AsRef<str>>(terms: &[S], mut f: impl FnMut(u64, &[char])) {
    let mut chars: Vec<char> = Vec::with_capacity(terms.len() * 3);
    for t in terms {
        chars.extend(t.as_ref().chars().filter(|c| is_cjk(*c)));
    }
    let mut buf = [0u8; 12];
    for n in [2usize, 3] {
        for win in chars.windows(n) {
            let mut len = 0;
            for c in win {
                len += c.encode_utf8(&mut buf[len..]).len();
            }
            f(fnv(b'0' + n as u8, &[&buf[..len]]), win);
        }
    }
}

impl FeatureConfig {
    /// The number of buckets.
    pub fn dim(&self) -> usize {
        1usize << self.bits
    }

    /// Full 64-bit feature hashes (with repeats) of a list of terms: computed once per text
    /// and shared by models of different widths (see [`FeatureConfig::vectorize_hashes`]).
    pub fn hashes<S: AsRef<str>>(&self, terms: &[S]) -> Vec<u64> {
        let mut out = Vec::with_capacity(terms.len() * 6);
        if self.unigrams {
            for t in terms {
                out.push(fnv(b'w', &[t.as_ref().as_bytes()]));
            }
        }
        if self.bigrams {
            for w in terms.windows(2) {
                out.push(fnv(
                    b'b',
                    &[w[0].as_ref().as_bytes(), w[1].as_ref().as_bytes()],
                ));
            }
        }
        if self.char_ngrams {
            for_each_char_ngram(terms, |h, _| out.push(h));
        }
        out
    }

    /// Hashed bucket ids (with repeats) of a list of terms.
    pub fn buckets<S: AsRef<str>>(&self, terms: &[S]) -> Vec<u32> {
        let mask = (self.dim() - 1) as u64;
        self.hashes(terms)
            .into_iter()
            .map(|h| (h & mask) as u32)
            .collect()
    }

    /// The readable feature names (a word, a word pair, a character n-gram) of this text
    /// that hash to one of `buckets`, at most one per bucket, in the order of `buckets`.
    pub fn names_for<S: AsRef<str>>(&self, terms: &[S], buckets: &[u32]) -> Vec<String> {
        let mask = (self.dim() - 1) as u64;
        let mut found: Vec<Option<String>> = vec![None; buckets.len()];
        let mut hit = |h: u64, name: &dyn Fn() -> String| {
            let b = (h & mask) as u32;
            if let Some(i) = buckets.iter().position(|&x| x == b) {
                if found[i].is_none() {
                    found[i] = Some(name());
                }
            }
        };
        if self.unigrams {
            for t in terms {
                let t = t.as_ref();
                hit(fnv(b'w', &[t.as_bytes()]), &|| t.to_string());
            }
        }
        if self.bigrams {
            for w in terms.windows(2) {
                let (a, b) = (w[0].as_ref(), w[1].as_ref());
                hit(fnv(b'b', &[a.as_bytes(), b.as_bytes()]), &|| {
                    format!("{a}{b}")
                });
            }
        }
        if self.char_ngrams {
            for_each_char_ngram(terms, |h, win| hit(h, &|| win.iter().collect()));
        }
        found.into_iter().flatten().collect()
    }

    /// Sorted distinct buckets with their counts.
    pub fn counts<S: AsRef<str>>(&self, terms: &[S]) -> Vec<(u32, u32)> {
        self.counts_from_hashes(&self.hashes(terms))
    }

    /// As [`FeatureConfig::counts`] from precomputed [`FeatureConfig::hashes`].
    pub fn counts_from_hashes(&self, hashes: &[u64]) -> Vec<(u32, u32)> {
        let mask = (self.dim() - 1) as u64;
        let mut b: Vec<u32> = hashes.iter().map(|h| (h & mask) as u32).collect();
        b.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(b.len());
        for x in b {
            match out.last_mut() {
                Some((y, c)) if *y == x => *c += 1,
                _ => out.push((x, 1)),
            }
        }
        out
    }

    /// The TF-IDF vector: (1 + ln tf) * idf, L2-normalised.
    pub fn vectorize<S: AsRef<str>>(&self, terms: &[S], idf: &[f32]) -> SparseVec {
        self.vectorize_hashes(&self.hashes(terms), idf)
    }

    /// As [`FeatureConfig::vectorize`] from precomputed [`FeatureConfig::hashes`] (which must
    /// come from a config with the same feature families).
    pub fn vectorize_hashes(&self, hashes: &[u64], idf: &[f32]) -> SparseVec {
        let counts = self.counts_from_hashes(hashes);
        let mut v = SparseVec {
            idx: Vec::with_capacity(counts.len()),
            val: Vec::with_capacity(counts.len()),
        };
        let mut norm = 0.0f32;
        for (b, c) in counts {
            let x = (1.0 + (c as f32).ln()) * idf[b as usize];
            if x > 0.0 {
                v.idx.push(b);
                v.val.push(x);
                norm += x * x;
            }
        }
        if norm > 0.0 {
            let inv = 1.0 / norm.sqrt();
            v.val.iter_mut().for_each(|x| *x *= inv);
        }
        v
    }
}

/// True for CJK unified ideographs.
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Smoothed IDF per bucket from documents' distinct buckets: ln((1+n)/(1+df)) + 1.
pub fn idf_from_counts(cfg: &FeatureConfig, docs: &[Vec<(u32, u32)>]) -> Vec<f32> {
    let mut df = vec![0u32; cfg.dim()];
    for d in docs {
        for &(b, _) in d {
            df[b as usize] += 1;
        }
    }
    let n = docs.len() as f32;
    df.iter()
        .map(|&d| ((1.0 + n) / (1.0 + d as f32)).ln() + 1.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_are_normalised_and_sorted() {
        let cfg = FeatureConfig {
            bits: 12,
            ..FeatureConfig::default()
        };
        let terms = ["小区", "路灯", "不亮", "路灯"];
        let idf = vec![1.0; cfg.dim()];
        let v = cfg.vectorize(&terms, &idf);
        let n: f32 = v.val.iter().map(|x| x * x).sum();
        assert!((n - 1.0).abs() < 1e-4);
        assert!(v.idx.windows(2).all(|w| w[0] < w[1]));
        let b = cfg.buckets(&["路灯"])[0];
        assert!(cfg.names_for(&terms, &[b]).contains(&"路灯".to_string()));
    }
}
