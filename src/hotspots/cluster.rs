//! Clustering: groups case vectors into hotspots.
//!
//! The chosen algorithm ([`cluster`]) is agglomerative clustering on cosine similarity over
//! the sparse TF-IDF vectors, restricted to candidate pairs:
//! 1. candidate pairs come from an inverted index over each case's strongest features
//!    (places and rare terms; features in more than [`ClusterParams::max_df_fraction`] of
//!    the cases are not used to find candidates), one case per rayon task;
//! 2. a pair whose exact cosine is at least [`ClusterParams::edge_threshold`] is an edge;
//! 3. edges are taken strongest first, and the two clusters they join are merged when the
//!    average similarity between their members (computed exactly from the clusters' sum
//!    vectors) is at least [`ClusterParams::merge_threshold`] — average linkage, which
//!    does not chain one problem into the next the way single linkage does;
//! 4. two clusters whose dominant places differ are never merged (one hotspot, one place),
//!    and a merge that leaves no dominant place needs a higher average similarity;
//! 5. near-duplicate clusters (centroid cosine at least
//!    [`ClusterParams::duplicate_threshold`]) are merged last.
//!
//! [`kmeans_baseline`] is the measured alternative: random projection of the same vectors
//! to a dense space and linfa's KMeans.

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::vectorize::SparseVec;

/// Settings for [`cluster`].
#[derive(Debug, Clone)]
pub struct ClusterParams {
    /// Least cosine of a candidate pair to be an edge.
    pub edge_threshold: f32,
    /// Least average pairwise cosine of two clusters to merge them.
    pub merge_threshold: f32,
    /// The same, when the merged cluster would have no place that most of its cases name
    /// (template letters on different subjects share only generic words).
    pub merge_threshold_no_place: f32,
    /// Least cosine between two clusters' centroids to merge them as near-duplicates after
    /// the agglomeration.
    pub duplicate_threshold: f32,
    /// The same, for two clusters with the same dominant place (魅力之城's 油烟 and 噪音
    /// letters about the same shops).
    pub same_place_threshold: f32,
    /// Least average similarity of two clusters over the problem features alone (places
    /// and districts left out) to merge them: a shared place is not a shared problem.
    pub problem_threshold: f32,
    /// The same for near-duplicate clusters: least cosine of their centroids' problem parts.
    pub problem_duplicate_threshold: f32,
    /// How many of a case's strongest features find its candidates.
    pub probe_features: usize,
    /// Features in more than this fraction of the cases (at least 50 cases) are not used to
    /// find candidates.
    pub max_df_fraction: f32,
}

impl Default for ClusterParams {
    fn default() -> Self {
        ClusterParams {
            edge_threshold: 0.35,
            merge_threshold: 0.2,
            merge_threshold_no_place: 0.35,
            duplicate_threshold: 0.6,
            same_place_threshold: 0.2,
            problem_threshold: 0.05,
            problem_duplicate_threshold: 0.15,
            probe_features: 12,
            max_df_fraction: 0.02,
        }
    }
}

/// Most candidate pairs examined per case.
const MAX_CANDIDATES: usize = 400;
/// A case's candidate search stops after this many candidates in a row without an edge
/// (the rarest features come first: later lists hold ever fewer neighbours).
const PATIENCE: usize = 120;
/// Most edges kept per case (its strongest): a big hotspot of near-duplicates stays
/// connected through far fewer, and the merging reads every edge.
const MAX_EDGES_PER_CASE: usize = 64;

/// A dense copy of one sparse vector, so that its dot products with many others are plain
/// indexed loads (no merge of two sorted lists).
pub struct Scatter {
    dense: Vec<f32>,
}

impl Scatter {
    /// Room for features `0..features`.
    pub fn new(features: usize) -> Scatter {
        Scatter {
            dense: vec![0.0; features],
        }
    }

    /// Loads `v` (after [`Scatter::clear`] of the previous one).
    pub fn load(&mut self, v: &[(u32, f32)]) {
        for &(f, w) in v {
            self.dense[f as usize] = w;
        }
    }

    /// Zeroes the entries of `v` again.
    pub fn clear(&mut self, v: &[(u32, f32)]) {
        for &(f, _) in v {
            self.dense[f as usize] = 0.0;
        }
    }

    /// Dot product of the loaded vector with `v`.
    pub fn dot(&self, v: &[(u32, f32)]) -> f32 {
        v.iter()
            .map(|&(f, w)| w * self.dense.get(f as usize).copied().unwrap_or(0.0))
            .sum()
    }
}

/// One more than the largest feature id of `docs`.
pub fn feature_count(docs: &[SparseVec]) -> usize {
    docs.iter()
        .filter_map(|d| d.last())
        .map(|x| x.0 as usize + 1)
        .max()
        .unwrap_or(0)
}

/// Edges (i < j, cosine) between similar cases, strongest first.
pub fn similar_pairs(docs: &[SparseVec], params: &ClusterParams) -> Vec<(u32, u32, f32)> {
    let n = docs.len();
    let features = feature_count(docs);
    let max_df = ((n as f32 * params.max_df_fraction) as usize).clamp(50, 1000);
    // The probe features of each case: its strongest ones.
    let probes: Vec<Vec<u32>> = docs
        .par_iter()
        .map(|d| {
            let mut v: Vec<(u32, f32)> = d.clone();
            v.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(params.probe_features);
            v.into_iter().map(|x| x.0).collect()
        })
        .collect();
    let mut postings: Vec<Vec<u32>> = vec![Vec::new(); features];
    for (i, p) in probes.iter().enumerate() {
        for &f in p {
            postings[f as usize].push(i as u32);
        }
    }
    for l in &mut postings {
        if l.len() < 2 || l.len() > max_df {
            *l = Vec::new();
        }
    }
    let mut edges: Vec<(u32, u32, f32)> = (0..n)
        .into_par_iter()
        .with_min_len(256)
        .map_init(
            || (Scatter::new(features), vec![u32::MAX; n]),
            |(scatter, seen), i| {
                // Rarest probes first; at most MAX_CANDIDATES candidates per case (a big
                // hotspot stays connected through each member's first few hundred
                // neighbours), none after PATIENCE in a row without an edge, and none once
                // the case has MAX_EDGES_PER_CASE edges (the rarest features find the closest
                // neighbours first).
                let mut lists: Vec<&Vec<u32>> = probes[i]
                    .iter()
                    .map(|&f| &postings[f as usize])
                    .filter(|l| !l.is_empty())
                    .collect();
                lists.sort_by_key(|l| l.len());
                let di = &docs[i];
                scatter.load(di);
                let mut out: Vec<(u32, u32, f32)> = Vec::new();
                let (mut examined, mut last_edge) = (0, 0);
                'lists: for list in lists {
                    let start = list.partition_point(|&j| j as usize <= i);
                    for &j in &list[start..] {
                        if seen[j as usize] == i as u32 {
                            continue;
                        }
                        seen[j as usize] = i as u32;
                        let s = scatter.dot(&docs[j as usize]);
                        if s >= params.edge_threshold {
                            out.push((i as u32, j, s));
                            last_edge = examined;
                        }
                        examined += 1;
                        if examined >= MAX_CANDIDATES
                            || examined - last_edge > PATIENCE
                            || out.len() >= MAX_EDGES_PER_CASE
                        {
                            break 'lists;
                        }
                    }
                }
                scatter.clear(di);
                if out.len() > MAX_EDGES_PER_CASE {
                    out.select_nth_unstable_by(MAX_EDGES_PER_CASE, |a, b| {
                        b.2.total_cmp(&a.2).then(a.1.cmp(&b.1))
                    });
                    out.truncate(MAX_EDGES_PER_CASE);
                }
                out
            },
        )
        .flatten_iter()
        .collect();
    edges.par_sort_unstable_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    edges
}

/// A cluster under construction: members and the sum of their vectors.
struct Group {
    members: Vec<u32>,
    sum: HashMap<u32, f32>,
    /// |sum|².
    norm2: f32,
    /// |sum|² over the problem features (all but places and districts).
    norm2_problem: f32,
    /// Place feature -> number of members naming it.
    places: HashMap<u32, u32>,
}

impl Group {
    fn single(docs: &[SparseVec], places: &[Vec<u32>], mask: &[bool], i: u32) -> Group {
        let d = &docs[i as usize];
        Group {
            members: vec![i],
            sum: d.iter().copied().collect(),
            norm2: 1.0,
            norm2_problem: d
                .iter()
                .filter(|(f, _)| !mask.get(*f as usize).copied().unwrap_or(false))
                .map(|(_, w)| w * w)
                .sum(),
            places: places[i as usize].iter().map(|&p| (p, 1)).collect(),
        }
    }

    /// Dot product of the two sums: over all features, and over the problem features
    /// (those not in `mask`).
    fn cross(&self, other: &Group, mask: &[bool]) -> (f32, f32) {
        let (small, large) = if self.sum.len() <= other.sum.len() {
            (self, other)
        } else {
            (other, self)
        };
        let (mut all, mut problem) = (0.0, 0.0);
        for (f, w) in &small.sum {
            if let Some(v) = large.sum.get(f) {
                all += w * v;
                if !mask.get(*f as usize).copied().unwrap_or(false) {
                    problem += w * v;
                }
            }
        }
        (all, problem)
    }

    /// True when both have a dominant place and neither names the other's.
    fn clashes(&self, other: &Group) -> bool {
        match (self.dominant_place(), other.dominant_place()) {
            (Some(p), Some(q)) => {
                p != q && !self.places.contains_key(&q) && !other.places.contains_key(&p)
            }
            _ => false,
        }
    }

    /// Absorbs `other`, whose sums' dot products with this one's are `cross`.
    fn absorb(&mut self, other: Group, cross: (f32, f32)) {
        self.members.extend_from_slice(&other.members);
        self.norm2 += other.norm2 + 2.0 * cross.0;
        self.norm2_problem += other.norm2_problem + 2.0 * cross.1;
        for (f, w) in other.sum {
            *self.sum.entry(f).or_insert(0.0) += w;
        }
        for (p, c) in other.places {
            *self.places.entry(p).or_insert(0) += c;
        }
    }

    /// The place most members name, if more than half the members name one.
    fn dominant_place_after(&self, other: &Group) -> bool {
        let n = (self.members.len() + other.members.len()) as u32;
        self.places
            .iter()
            .any(|(p, c)| (c + other.places.get(p).copied().unwrap_or(0)) * 2 > n)
            || other.places.iter().any(|(_, c)| c * 2 > n)
    }

    fn dominant_place(&self) -> Option<u32> {
        let n = self.members.len() as u32;
        self.places
            .iter()
            .filter(|(_, &c)| c * 2 > n)
            .max_by_key(|(&p, &c)| (c, std::cmp::Reverse(p)))
            .map(|(&p, _)| p)
    }
}

/// Clusters the cases: each returned cluster lists member indices (ascending); clusters
/// are sorted by size, largest first. `places[i]` are the place group ids of case i;
/// `mask[f]` is true for the place and district features (not part of the problem).
pub fn cluster(
    docs: &[SparseVec],
    places: &[Vec<u32>],
    mask: &[bool],
    params: &ClusterParams,
) -> Vec<Vec<usize>> {
    let mut timer = super::StageTimer::new();
    let edges = similar_pairs(docs, params);
    timer.stage("  similar pairs");
    let out = agglomerate(docs, places, mask, &edges, params);
    timer.stage("  agglomerate + duplicates");
    out
}

/// Average-linkage merging along `edges` (strongest first), then the near-duplicate pass.
pub fn agglomerate(
    docs: &[SparseVec],
    places: &[Vec<u32>],
    mask: &[bool],
    edges: &[(u32, u32, f32)],
    params: &ClusterParams,
) -> Vec<Vec<usize>> {
    let n = docs.len();
    let mut owner: Vec<u32> = (0..n as u32).collect();
    let mut groups: HashMap<u32, Group> = HashMap::default();
    for &(i, j, _) in edges {
        let (a, b) = (owner[i as usize], owner[j as usize]);
        if a == b {
            continue;
        }
        let ga = groups
            .remove(&a)
            .unwrap_or_else(|| Group::single(docs, places, mask, a));
        let gb = groups
            .remove(&b)
            .unwrap_or_else(|| Group::single(docs, places, mask, b));
        let cross = ga.cross(&gb, mask);
        let pairs = (ga.members.len() * gb.members.len()) as f32;
        let (avg, avg_problem) = (cross.0 / pairs, cross.1 / pairs);
        let threshold = if ga.dominant_place_after(&gb) {
            params.merge_threshold
        } else {
            params.merge_threshold_no_place
        };
        if avg < threshold || avg_problem < params.problem_threshold || ga.clashes(&gb) {
            groups.insert(a, ga);
            groups.insert(b, gb);
            continue;
        }
        let (mut large, small, root) = if ga.members.len() >= gb.members.len() {
            (ga, gb, a)
        } else {
            (gb, ga, b)
        };
        for &m in &small.members {
            owner[m as usize] = root;
        }
        large.absorb(small, cross);
        groups.insert(root, large);
    }
    // Every case in a group (singletons too), keyed by root.
    let mut all: Vec<Group> = Vec::new();
    for (i, &r) in owner.iter().enumerate() {
        if r as usize == i {
            all.push(
                groups
                    .remove(&r)
                    .unwrap_or_else(|| Group::single(docs, places, mask, r)),
            );
        }
    }
    let mut clusters: Vec<Vec<usize>> = merge_duplicates(all, mask, params)
        .into_iter()
        .map(|g| {
            let mut m: Vec<usize> = g.members.into_iter().map(|x| x as usize).collect();
            m.sort_unstable();
            m
        })
        .collect();
    clusters.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    clusters
}

/// Merges groups whose centroids have cosine at least the duplicate threshold (the
/// same-place threshold when both have the same dominant place), strongest pairs first,
/// re-checked against the merged centroids, unless their places clash.
fn merge_duplicates(groups: Vec<Group>, mask: &[bool], params: &ClusterParams) -> Vec<Group> {
    let low = params.duplicate_threshold.min(params.same_place_threshold);
    let threshold_of = |a: &Group, b: &Group| match (a.dominant_place(), b.dominant_place()) {
        (Some(p), Some(q)) if p == q => params.same_place_threshold,
        _ => params.duplicate_threshold,
    };
    // Candidate pairs: groups sharing one of their 8 strongest features.
    let tops: Vec<Vec<u32>> = groups
        .par_iter()
        .map(|g| {
            let mut v: Vec<(u32, f32)> = g.sum.iter().map(|(f, w)| (*f, *w)).collect();
            v.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.into_iter().take(8).map(|x| x.0).collect()
        })
        .collect();
    let mut postings: HashMap<u32, Vec<u32>> = HashMap::default();
    for (i, t) in tops.iter().enumerate() {
        for &f in t {
            postings.entry(f).or_default().push(i as u32);
        }
    }
    let max_df = (groups.len() / 50).max(50);
    postings.retain(|_, v| v.len() >= 2 && v.len() <= max_df);
    let mut pairs: Vec<(u32, u32, f32)> = (0..groups.len())
        .into_par_iter()
        .flat_map_iter(|i| {
            let mut cand: Vec<u32> = tops[i]
                .iter()
                .filter_map(|f| postings.get(f))
                .flat_map(|l| l[l.partition_point(|&j| j as usize <= i)..].iter().copied())
                .collect();
            cand.sort_unstable();
            cand.dedup();
            let gi = &groups[i];
            let groups = &groups;
            cand.into_iter().filter_map(move |j| {
                let gj = &groups[j as usize];
                let cos = gi.cross(gj, mask).0 / (gi.norm2 * gj.norm2).sqrt().max(1e-9);
                (cos >= low).then_some((i as u32, j, cos))
            })
        })
        .collect();
    pairs.sort_unstable_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    let mut slots: Vec<Option<Group>> = groups.into_iter().map(Some).collect();
    let mut owner: Vec<u32> = (0..slots.len() as u32).collect();
    fn find(owner: &mut [u32], mut i: u32) -> u32 {
        while owner[i as usize] != i {
            owner[i as usize] = owner[owner[i as usize] as usize];
            i = owner[i as usize];
        }
        i
    }
    for (i, j, _) in pairs {
        let (a, b) = (find(&mut owner, i), find(&mut owner, j));
        if a == b {
            continue;
        }
        let (ga, gb) = (
            slots[a as usize].as_ref().unwrap(),
            slots[b as usize].as_ref().unwrap(),
        );
        let cross = ga.cross(gb, mask);
        let cos = cross.0 / (ga.norm2 * gb.norm2).sqrt().max(1e-9);
        let cos_problem = cross.1 / (ga.norm2_problem * gb.norm2_problem).sqrt().max(1e-9);
        if cos < threshold_of(ga, gb)
            || cos_problem < params.problem_duplicate_threshold
            || ga.clashes(gb)
        {
            continue;
        }
        let gb = slots[b as usize].take().unwrap();
        slots[a as usize].as_mut().unwrap().absorb(gb, cross);
        owner[b as usize] = a;
    }
    slots.into_iter().flatten().collect()
}

/// Settings for [`kmeans_baseline`].
#[derive(Debug, Clone)]
pub struct KMeansParams {
    /// Dimensions after random projection.
    pub dims: usize,
    /// Number of clusters.
    pub k: usize,
    pub max_iterations: u64,
    pub seed: u64,
}

/// The measured alternative: Gaussian random projection of the TF-IDF vectors to
/// `dims` dimensions, rows re-normalised, then linfa-clustering's KMeans. Returns one label
/// per case.
pub fn kmeans_baseline(
    docs: &[SparseVec],
    vocab_size: usize,
    params: &KMeansParams,
) -> anyhow::Result<Vec<usize>> {
    use linfa::prelude::*;
    use linfa_clustering::KMeans;
    use ndarray::Array2;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    let mut rng = StdRng::seed_from_u64(params.seed);
    let dims = params.dims;
    // A ±1 projection (Achlioptas), generated per feature on demand.
    let proj: Vec<f32> = (0..vocab_size * dims)
        .map(|_| if rng.gen::<bool>() { 1.0 } else { -1.0 })
        .collect();
    let mut x = Array2::<f64>::zeros((docs.len(), dims));
    x.axis_iter_mut(ndarray::Axis(0))
        .into_par_iter()
        .zip(docs.par_iter())
        .for_each(|(mut row, d)| {
            for &(f, w) in d {
                let p = &proj[f as usize * dims..(f as usize + 1) * dims];
                for (r, s) in row.iter_mut().zip(p) {
                    *r += (w * s) as f64;
                }
            }
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 0.0 {
                row.mapv_inplace(|v| v / norm);
            }
        });
    let data = DatasetBase::from(x);
    let model = KMeans::params_with_rng(params.k.max(1), StdRng::seed_from_u64(params.seed))
        .max_n_iterations(params.max_iterations)
        .n_runs(1)
        .tolerance(1e-4)
        .fit(&data)?;
    let labels = model.predict(data.records());
    Ok(labels.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hotspots::vectorize::normalized;

    #[test]
    fn merges_similar_and_keeps_apart_different() {
        let docs: Vec<SparseVec> = vec![
            normalized([(0, 1.0), (1, 1.0)].into_iter()),
            normalized([(0, 1.0), (1, 0.9)].into_iter()),
            normalized([(0, 0.9), (1, 1.0), (2, 0.2)].into_iter()),
            normalized([(5, 1.0), (6, 1.0)].into_iter()),
            normalized([(5, 1.0), (6, 0.8)].into_iter()),
            normalized([(9, 1.0)].into_iter()),
        ];
        let places = vec![vec![]; docs.len()];
        let c = cluster(&docs, &places, &[], &ClusterParams::default());
        assert_eq!(c, vec![vec![0, 1, 2], vec![3, 4], vec![5]]);
    }
}
