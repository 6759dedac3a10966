//! Subjects: one hotspot per place, organisation or group of people.
//!
//! The clustering keeps different problems apart, also at one place; an analyst reads one
//! estate (五矿万境) with a cracked wall, a fire risk and a smaller basement as one hotspot
//! with three sub-problems, and two clusters on the same place and problem as one. So after
//! clustering, clusters of two or more letters with the same subject (names ending in the
//! same subject are one: 万科魅力之城 is 魅力之城, but a brand's estates 碧桂园南城 and
//! 碧桂园山湖城 stay apart) are merged into one, and a single letter joins them when its title names the subject (a
//! place named in passing in the narrative does not make the letter about it); the merged
//! clusters stay listed as its parts. A cluster's subject is the
//! place entity (see [`super::entities`]) that more than half its letters name (a name
//! counts for the letters naming a longer name that contains it), an estate, school or
//! company before a road (roads are addresses as often as subjects), then the most named,
//! then the longest.

use std::collections::HashMap;

use super::vectorize::{Analysis, Vectors};

/// Road suffixes: a road is the subject only when nothing else is.
const ROAD_ENDS: &[&str] = &["路", "街", "大道", "巷", "高速", "大桥", "桥"];

/// One merged cluster: all its members (ascending) and the clusters it was made of,
/// largest first (one part when nothing was merged).
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub members: Vec<usize>,
    pub parts: Vec<Vec<usize>>,
}

/// The subject of a cluster's letters, if any (see the module doc).
pub fn subject(analyses: &[&Analysis]) -> Option<String> {
    let mut names: Vec<&str> = analyses
        .iter()
        .flat_map(|a| a.entities.places.iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    let n = analyses.len();
    names
        .into_iter()
        .map(|p| {
            let count = analyses
                .iter()
                .filter(|a| a.entities.places.iter().any(|q| q.contains(p)))
                .count();
            let road = ROAD_ENDS.iter().any(|e| p.ends_with(e));
            (count, road, p)
        })
        .filter(|&(c, _, _)| c * 2 > n)
        .min_by(|a, b| {
            a.1.cmp(&b.1)
                .then(b.0.cmp(&a.0))
                .then(b.2.chars().count().cmp(&a.2.chars().count()))
                .then(a.2.cmp(b.2))
        })
        .map(|x| x.2.to_string())
}

/// Merges the clusters (member indices into `vectors`) that share a subject. Clusters
/// without a subject stay as they are. Largest first.
pub fn merge_by_subject(vectors: &Vectors, clusters: Vec<Vec<usize>>) -> Vec<Merged> {
    let names: Vec<Option<String>> = clusters
        .iter()
        .map(|m| subject(&m.iter().map(|&i| &vectors.analyses[i]).collect::<Vec<_>>()))
        .collect();
    let mut known: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    known.sort_by_key(|n| n.chars().count());
    known.dedup();
    // A name's key is the shortest subject it ends with (万科魅力之城 is 魅力之城; 碧桂园南城
    // is not 碧桂园: the specific name comes last).
    let key_of = |name: &str| -> String {
        known
            .iter()
            .find(|k| k.chars().count() >= 3 && name.ends_with(**k))
            .map_or(name, |k| *k)
            .to_string()
    };
    let mut by_group: HashMap<String, usize> = HashMap::new();
    let mut out: Vec<Merged> = Vec::new();
    for (members, name) in clusters.iter().zip(&names) {
        let members = members.clone();
        let analyses: Vec<&Analysis> = members.iter().map(|&i| &vectors.analyses[i]).collect();
        let key = name.as_deref().map(key_of);
        // A single letter only joins a subject its title names; it starts none.
        let single = members.len() == 1;
        let titled = name
            .as_deref()
            .is_some_and(|s| analyses[0].head.contains(s));
        let key = key.filter(|_| !single || titled);
        let joined = key.as_ref().and_then(|k| by_group.get(k).copied());
        match joined {
            Some(at) => {
                let m = &mut out[at];
                m.members.extend_from_slice(&members);
                m.parts.push(members);
            }
            None => {
                if let Some(k) = key.filter(|_| !single) {
                    by_group.insert(k, out.len());
                }
                out.push(Merged {
                    members: members.clone(),
                    parts: vec![members],
                });
            }
        }
    }
    for m in &mut out {
        m.members.sort_unstable();
        m.parts
            .sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    }
    out.sort_by(|a, b| {
        b.members
            .len()
            .cmp(&a.members.len())
            .then(a.members[0].cmp(&b.members[0]))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hotspots::entities::Entities;

    fn analysis(places: &[&str]) -> Analysis {
        Analysis {
            head: places.concat(),
            entities: Entities {
                places: places.iter().map(|p| p.to_string()).collect(),
                districts: Vec::new(),
            },
            ..Analysis::default()
        }
    }

    #[test]
    fn an_estate_before_its_road_and_the_most_named_first() {
        let a = analysis(&["劳动东路", "魅力之城"]);
        assert_eq!(subject(&[&a]).as_deref(), Some("魅力之城"));
        let b = analysis(&["劳动东路"]);
        let c = analysis(&["万科魅力之城"]);
        assert_eq!(subject(&[&a, &c, &b]).as_deref(), Some("魅力之城"));
        assert_eq!(subject(&[&b, &analysis(&[])]), None);
    }

    #[test]
    fn clusters_on_one_subject_become_one_with_parts() {
        let vectors = Vectors {
            analyses: vec![
                analysis(&["五矿万境"]),
                analysis(&["五矿万境"]),
                analysis(&["五矿万境"]),
                analysis(&["丽发新城"]),
                analysis(&[]),
            ],
            ..Vectors::default()
        };
        let merged = merge_by_subject(&vectors, vec![vec![0, 1], vec![3], vec![2], vec![4]]);
        assert_eq!(merged[0].members, vec![0, 1, 2]);
        assert_eq!(merged[0].parts, vec![vec![0, 1], vec![2]]);
        assert_eq!(merged.len(), 3);
        // A single letter whose title does not name the subject stays apart.
        let mut vectors = vectors;
        vectors.analyses[2].head = "墙壁开裂".into();
        let merged = merge_by_subject(&vectors, vec![vec![0, 1], vec![2]]);
        assert_eq!(merged.len(), 2);
    }
}
