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
//! 4. two clusters whose dominant places differ are never merged (one hotspot, one place).
//!
//! [`kmeans_baseline`] is the measured alternative: random projection of the same vectors
//! to a dense space and linfa's KMeans.

use std::collections::HashMap;

use rayon::prelude::*;

use super::vectorize::{dot, SparseVec};

/// Settings for [`cluster`].
#[derive(Debug, Clone)]
pub struct ClusterParams {
    /// Least cosine of a candidate pair to be an edge.
    pub edge_threshold: f32,
    /// Least average pairwise cosine of two clusters to merge them.
    pub merge_threshold: f32,
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
            merge_threshold: 0.25,
            probe_features: 12,
            max_df_fraction: 0.02,
        }
    }
}

/// Edges (i < j, cosine) between similar cases, strongest first.
pub fn similar_pairs(docs: &[SparseVec], params: &ClusterParams) -> Vec<(u32, u32, f32)> {
    let n = docs.len();
    let max_df = ((n as f32 * params.max_df_fraction) as usize).max(50);
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
    let mut postings: HashMap<u32, Vec<u32>> = HashMap::new();
    for (i, p) in probes.iter().enumerate() {
        for &f in p {
            postings.entry(f).or_default().push(i as u32);
        }
    }
    postings.retain(|_, v| v.len() >= 2 && v.len() <= max_df);
    let mut edges: Vec<(u32, u32, f32)> = (0..n)
        .into_par_iter()
        .flat_map_iter(|i| {
            let mut cand: Vec<u32> = Vec::new();
            for f in &probes[i] {
                if let Some(list) = postings.get(f) {
                    let start = list.partition_point(|&j| j as usize <= i);
                    cand.extend_from_slice(&list[start..]);
                }
            }
            cand.sort_unstable();
            cand.dedup();
            let di = &docs[i];
            cand.into_iter().filter_map(move |j| {
                let s = dot(di, &docs[j as usize]);
                (s >= params.edge_threshold).then_some((i as u32, j, s))
            })
        })
        .collect();
    edges.sort_unstable_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)).then(a.1.cmp(&b.1)));
    edges
}

/// A cluster under construction: members and the sum of their vectors.
struct Group {
    members: Vec<u32>,
    sum: HashMap<u32, f32>,
    /// |sum|².
    norm2: f32,
    /// Place feature -> number of members naming it.
    places: HashMap<u32, u32>,
}

impl Group {
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
/// are sorted by size, largest first. `places[i]` are the place feature ids of case i.
pub fn cluster(docs: &[SparseVec], places: &[Vec<u32>], params: &ClusterParams) -> Vec<Vec<usize>> {
    let edges = similar_pairs(docs, params);
    agglomerate(docs, places, &edges, params)
}

/// Average-linkage merging along `edges` (strongest first).
pub fn agglomerate(
    docs: &[SparseVec],
    places: &[Vec<u32>],
    edges: &[(u32, u32, f32)],
    params: &ClusterParams,
) -> Vec<Vec<usize>> {
    let n = docs.len();
    let mut owner: Vec<u32> = (0..n as u32).collect();
    let mut groups: HashMap<u32, Group> = HashMap::new();
    let group_of = |i: u32| Group {
        members: vec![i],
        sum: docs[i as usize].iter().copied().collect(),
        norm2: 1.0,
        places: places[i as usize].iter().map(|&p| (p, 1)).collect(),
    };
    for &(i, j, _) in edges {
        let (a, b) = (owner[i as usize], owner[j as usize]);
        if a == b {
            continue;
        }
        let ga = groups.remove(&a).unwrap_or_else(|| group_of(a));
        let gb = groups.remove(&b).unwrap_or_else(|| group_of(b));
        let (small, large) = if ga.members.len() <= gb.members.len() {
            (ga, gb)
        } else {
            (gb, ga)
        };
        let cross: f32 = small
            .sum
            .iter()
            .map(|(f, w)| w * large.sum.get(f).copied().unwrap_or(0.0))
            .sum();
        let avg = cross / (small.members.len() * large.members.len()) as f32;
        let places_clash = match (small.dominant_place(), large.dominant_place()) {
            (Some(p), Some(q)) => p != q && !small.places.contains_key(&q) && !large.places.contains_key(&p),
            _ => false,
        };
        if avg < params.merge_threshold || places_clash {
            let (ka, kb) = (small.members[0], large.members[0]);
            groups.insert(owner[ka as usize], small);
            groups.insert(owner[kb as usize], large);
            continue;
        }
        let root = owner[large.members[0] as usize];
        let mut merged = large;
        for &m in &small.members {
            owner[m as usize] = root;
        }
        merged.members.extend_from_slice(&small.members);
        merged.norm2 += small.norm2 + 2.0 * cross;
        for (f, w) in small.sum {
            *merged.sum.entry(f).or_insert(0.0) += w;
        }
        for (p, c) in small.places {
            *merged.places.entry(p).or_insert(0) += c;
        }
        groups.insert(root, merged);
    }
    let mut by_root: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, &r) in owner.iter().enumerate() {
        by_root.entry(r).or_default().push(i);
    }
    let mut clusters: Vec<Vec<usize>> = by_root.into_values().collect();
    clusters.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    clusters
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
        let c = cluster(&docs, &places, &ClusterParams::default());
        assert_eq!(c, vec![vec![0, 1, 2], vec![3, 4], vec![5]]);
    }
}
