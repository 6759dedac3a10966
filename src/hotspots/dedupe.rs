//! Duplicate letters: the same letter sent twice (same text, different ids) or near-copies
//! of one text (a word changed, punctuation or spacing differs) count once in a hotspot.
//!
//! Texts (title and narrative) are compared after normalisation (letters, digits and CJK
//! only, ASCII lower-cased): equal normalised texts are exact duplicates. Near duplicates
//! are found with MinHash over character shingles ([`SHINGLE`] characters) and
//! locality-sensitive banding; every candidate pair is confirmed by the exact Jaccard
//! similarity of the two shingle sets (at least [`NEAR_JACCARD`]). Each group keeps its
//! earliest case (by received time, then id); the others are its duplicates.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};
use std::borrow::Borrow;
use std::hash::{Hash, Hasher};

use crate::model::Case;

/// Characters per shingle.
pub const SHINGLE: usize = 3;
/// Least Jaccard similarity of two shingle sets for near duplicates.
pub const NEAR_JACCARD: f64 = 0.85;
/// MinHash bands and rows per band (64 hashes; a pair at Jaccard 0.85 is a candidate with
/// probability 1 - (1 - 0.85⁴)¹⁶ > 0.9999).
const BANDS: usize = 16;
const ROWS: usize = 4;
/// Texts with fewer shingles than this are only compared exactly.
const MIN_SHINGLES: usize = 8;
/// A band bucket larger than this (a boilerplate opening shared by many letters) is only
/// compared with its first members.
const MAX_BUCKET: usize = 64;

/// `kept[i]`: the index of the case `cases[i]` duplicates (its group's earliest case), or
/// `i` itself when it is kept.
pub fn duplicate_of<C: Borrow<Case> + Sync>(cases: &[C]) -> Vec<usize> {
    let case = |i: usize| cases[i].borrow();
    // Exact duplicates, found by a hash of each normalised text and confirmed character by
    // character: the texts themselves are not kept (100,000 letters hold about 100 MB).
    let hashes: Vec<Option<u64>> = cases.par_iter().map(|c| text_hash(c.borrow())).collect();
    let mut owner: Vec<usize> = (0..cases.len()).collect();
    let mut first: FxHashMap<u64, usize> = FxHashMap::default();
    // Texts whose hash an earlier, different text has (rare): compared one by one.
    let mut collided: Vec<usize> = Vec::new();
    // The first case of each distinct text, in order.
    let mut distinct: Vec<usize> = Vec::new();
    for (i, h) in hashes.iter().enumerate() {
        let Some(h) = *h else { continue };
        let j = *first.entry(h).or_insert(i);
        if j == i {
            distinct.push(i);
            continue;
        }
        let same = std::iter::once(j)
            .chain(collided.iter().copied().filter(|&k| hashes[k] == Some(h)))
            .find(|&k| normalized_chars(case(k)).eq(normalized_chars(case(i))));
        match same {
            Some(k) => union(&mut owner, k, i),
            None => {
                collided.push(i);
                distinct.push(i);
            }
        }
    }
    drop(hashes);
    // Near duplicates among the distinct texts.
    let shingles: Vec<Vec<u64>> = distinct.par_iter().map(|&i| shingles(case(i))).collect();
    let signatures: Vec<Option<Vec<u64>>> = shingles
        .par_iter()
        .map(|s| (s.len() >= MIN_SHINGLES).then(|| minhash(s)))
        .collect();
    let mut buckets: FxHashMap<(usize, u64), Vec<usize>> = FxHashMap::default();
    for (k, sig) in signatures.iter().enumerate() {
        let Some(sig) = sig else { continue };
        for b in 0..BANDS {
            let mut h = FxHasher::default();
            sig[b * ROWS..(b + 1) * ROWS].hash(&mut h);
            buckets.entry((b, h.finish())).or_default().push(k);
        }
    }
    let mut pairs: Vec<(usize, usize)> = buckets
        .values()
        .filter(|v| v.len() >= 2)
        .flat_map(|v| {
            let v = &v[..v.len().min(MAX_BUCKET)];
            (0..v.len()).flat_map(move |a| (a + 1..v.len()).map(move |b| (v[a], v[b])))
        })
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    let confirmed: Vec<(usize, usize)> = pairs
        .into_par_iter()
        .filter(|&(a, b)| jaccard(&shingles[a], &shingles[b]) >= NEAR_JACCARD)
        .collect();
    for (a, b) in confirmed {
        union(&mut owner, distinct[a], distinct[b]);
    }
    // Each group's earliest case is kept.
    let mut keeper: FxHashMap<usize, usize> = FxHashMap::default();
    for i in 0..cases.len() {
        let r = find(&mut owner, i);
        let k = keeper.entry(r).or_insert(i);
        if earlier(cases[i].borrow(), cases[*k].borrow()) {
            *k = i;
        }
    }
    (0..cases.len())
        .map(|i| keeper[&find(&mut owner, i)])
        .collect()
}

/// True when `a` was received before `b` (cases without a time last), ties by id.
fn earlier(a: &Case, b: &Case) -> bool {
    (a.received_at.is_none(), a.received_at, a.id.as_str())
        < (b.received_at.is_none(), b.received_at, b.id.as_str())
}

/// Title and narrative, letters and digits only, ASCII lower-cased.
pub fn normalized_text(case: &Case) -> String {
    normalized_chars(case).collect()
}

/// The characters of [`normalized_text`].
fn normalized_chars(case: &Case) -> impl Iterator<Item = char> + '_ {
    case.title
        .as_deref()
        .unwrap_or("")
        .chars()
        .chain(case.narrative.chars())
        .filter(|c| c.is_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
}

/// A hash of the normalised text, `None` when it is empty.
fn text_hash(case: &Case) -> Option<u64> {
    let mut h = FxHasher::default();
    let mut any = false;
    for c in normalized_chars(case) {
        h.write_u32(c as u32);
        any = true;
    }
    any.then(|| h.finish())
}

/// The distinct shingle hashes of a case's normalised text, sorted.
fn shingles(case: &Case) -> Vec<u64> {
    let chars: Vec<char> = normalized_chars(case).collect();
    let mut out: Vec<u64> = chars
        .windows(SHINGLE)
        .map(|w| {
            let mut h = FxHasher::default();
            w.hash(&mut h);
            h.finish()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// splitmix64: a cheap, well-mixed hash of one value (one MinHash permutation per seed).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn minhash(shingles: &[u64]) -> Vec<u64> {
    (0..BANDS * ROWS)
        .map(|k| {
            let seed = mix(k as u64 + 1);
            shingles.iter().map(|&s| mix(s ^ seed)).min().unwrap_or(0)
        })
        .collect()
}

/// Jaccard similarity of two sorted, distinct lists.
fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut i, mut j, mut both) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let all = a.len() + b.len() - both;
    if all == 0 {
        1.0
    } else {
        both as f64 / all as f64
    }
}

fn find(owner: &mut [usize], mut i: usize) -> usize {
    while owner[i] != i {
        owner[i] = owner[owner[i]];
        i = owner[i];
    }
    i
}

fn union(owner: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(owner, a), find(owner, b));
    if ra != rb {
        owner[rb.max(ra)] = ra.min(rb);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn case(id: &str, at: &str, title: &str, body: &str) -> Case {
        Case {
            title: Some(title.to_string()),
            received_at: NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").ok(),
            ..Case::new(id, body)
        }
    }

    #[test]
    fn exact_and_near_copies_collapse_onto_the_earliest() {
        let body = "丽发新城小区附近新建了一个搅拌站，每天从早到晚噪音不断，灰尘很大，\
                    严重影响附近居民的正常生活和身体健康，请有关部门尽快处理。";
        let cases = vec![
            case("3", "2019-11-05 10:00:00", "丽发新城搅拌站噪音扰民", body),
            case("1", "2019-11-03 10:00:00", "丽发新城搅拌站噪音扰民", body),
            // One word changed and punctuation differs: a near copy.
            case(
                "2",
                "2019-11-04 10:00:00",
                "丽发新城搅拌站噪音扰民！",
                &body.replace("尽快", "马上").replace('，', " "),
            ),
            case(
                "4",
                "2019-11-04 10:00:00",
                "丽发新城搅拌站噪音扰民",
                "小区旁边的搅拌站晚上也施工，噪音吵得孩子睡不着，希望尽快搬走。",
            ),
            case("5", "2019-11-06 10:00:00", "", ""),
            case("6", "2019-11-07 10:00:00", "", ""),
        ];
        let kept = duplicate_of(&cases);
        assert_eq!(kept, vec![1, 1, 1, 3, 4, 5]);
    }

    #[test]
    fn jaccard_of_sorted_lists() {
        assert_eq!(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
        assert_eq!(jaccard(&[], &[]), 1.0);
    }
}
