//! Tagging: category (一级分类), hotspot topic, department suggestions and urgency for each case.
//!
//! One segmentation per case feeds everything: the terms are hashed once
//! ([`features::FeatureConfig::hashes`]) and masked to each model's width. The parts:
//! - category: a linear model over TF-IDF words, word bigrams and character n-grams
//!   (`models/category.bin`, trained by `hotline train`, see [`linear`] and [`train`]);
//! - topic: the keyword rules of `models/topics.toml` ([`keywords`]) and a topic model
//!   bootstrapped from keyword-labelled messages (`models/topics.bin`, [`topics`]) vote
//!   together, checked against the category;
//! - departments: a model learned from the department field of earlier cases
//!   (`models/route.bin`, [`route`]) plus each topic's default departments;
//! - urgency: emergency terms minding negations and handled events ([`urgent`]).
//!
//! The models are compiled in (`include_bytes!`), so a fresh clone tags without ../shared;
//! `$HOTLINE_MODEL_DIR` or [`Tagger::from_dir`] loads other files instead.

pub mod data;
pub mod eval;
pub mod features;
pub mod keywords;
pub mod linear;
pub mod linfa_lr;
pub mod route;
pub mod topics;
pub mod train;
pub mod urgent;

use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::model::{Case, Scored, Tags};
use crate::text::segmenter;
use keywords::Keywords;
use linear::{softmax, LinearModel};

/// The compiled-in category model.
pub const CATEGORY_MODEL: &[u8] = include_bytes!("../../models/category.bin");
/// The compiled-in topic model (bootstrapped from keyword labels).
pub const TOPIC_MODEL: &[u8] = include_bytes!("../../models/topics.bin");
/// The compiled-in department model.
pub const ROUTE_MODEL: &[u8] = include_bytes!("../../models/route.bin");

/// Everything the tagger needs, loaded once.
pub struct Tagger {
    pub category: LinearModel,
    pub topic_model: Option<LinearModel>,
    pub keywords: Keywords,
    pub route: Option<LinearModel>,
    /// For each topic-model class, its index in `keywords.topics`.
    topic_index: Vec<usize>,
}

static DEFAULT: LazyLock<Tagger> = LazyLock::new(|| {
    if let Some(dir) = std::env::var_os("HOTLINE_MODEL_DIR") {
        match Tagger::from_dir(Path::new(&dir)) {
            Ok(t) => return t,
            Err(e) => eprintln!("hotline: HOTLINE_MODEL_DIR ignored: {e:#}"),
        }
    }
    Tagger::builtin()
});

/// The process-wide tagger (built-in models, or `$HOTLINE_MODEL_DIR`).
pub fn tagger() -> &'static Tagger {
    &DEFAULT
}

/// Tags every case in place (in parallel). Called by ingest before cases are stored.
pub fn tag_cases(cases: &mut [Case]) {
    let t = tagger();
    cases.par_iter_mut().for_each(|c| {
        let tags = t.tag(c.title.as_deref().unwrap_or(""), &c.narrative);
        c.tags = Some(tags);
    });
}

/// Tags one text (no separate title).
pub fn tag_text(text: &str) -> Tags {
    tagger().tag("", text)
}

impl Tagger {
    /// The compiled-in models.
    pub fn builtin() -> Tagger {
        Tagger::from_parts(
            LinearModel::from_bytes(CATEGORY_MODEL).expect("built-in category model"),
            LinearModel::from_bytes(TOPIC_MODEL).ok(),
            Keywords::builtin(),
            LinearModel::from_bytes(ROUTE_MODEL).ok(),
        )
    }

    /// Loads `category.bin`, `topics.bin`, `route.bin` and `topics.toml` from `dir`, each
    /// falling back to the built-in one when absent.
    pub fn from_dir(dir: &Path) -> Result<Tagger> {
        let load = |name: &str, builtin: &[u8]| -> Result<LinearModel> {
            let p = dir.join(name);
            if p.exists() {
                LinearModel::load(&p)
            } else {
                LinearModel::from_bytes(builtin)
            }
        };
        let kw_path = dir.join("topics.toml");
        let keywords = if kw_path.exists() {
            let text = std::fs::read_to_string(&kw_path)
                .with_context(|| format!("cannot read {}", kw_path.display()))?;
            Keywords::parse(&text).with_context(|| format!("in {}", kw_path.display()))?
        } else {
            Keywords::builtin()
        };
        Ok(Tagger::from_parts(
            load("category.bin", CATEGORY_MODEL)?,
            load("topics.bin", TOPIC_MODEL).ok(),
            keywords,
            load("route.bin", ROUTE_MODEL).ok(),
        ))
    }

    /// Assembles a tagger from loaded parts.
    pub fn from_parts(
        category: LinearModel,
        topic_model: Option<LinearModel>,
        keywords: Keywords,
        route: Option<LinearModel>,
    ) -> Tagger {
        let other = keywords
            .position("other")
            .unwrap_or(keywords.topics.len() - 1);
        let topic_index = topic_model
            .as_ref()
            .map(|m| {
                m.classes
                    .iter()
                    .map(|c| keywords.position(c).unwrap_or(other))
                    .collect()
            })
            .unwrap_or_default();
        Tagger {
            category,
            topic_model,
            keywords,
            route,
            topic_index,
        }
    }

    /// Tags a title and body.
    pub fn tag(&self, title: &str, body: &str) -> Tags {
        let text = if title.is_empty() || body.starts_with(title) {
            body.to_string()
        } else {
            format!("{title}\n{body}")
        };
        let terms = segmenter().terms(&text);
        self.tag_terms(title, body, &text, &terms)
    }

    /// Tags with precomputed terms of `text` (title and body joined).
    pub fn tag_terms(&self, title: &str, body: &str, text: &str, terms: &[String]) -> Tags {
        let hashes = self.category.cfg.hashes(terms);
        // category
        let cx = self
            .category
            .cfg
            .vectorize_hashes(&hashes, &self.category.idf);
        let cp = self.category.probabilities(&cx);
        let (ci, cconf) = linear::argmax(&cp);
        let category = self.category.classes[ci].clone();
        // topic
        let topic_scores = self.topic_scores(title, body, &hashes, &category, cconf);
        let kw = &self.keywords;
        let other = kw.position("other").unwrap_or(kw.topics.len() - 1);
        let mut order: Vec<usize> = (0..topic_scores.len()).filter(|&i| i != other).collect();
        order.sort_by(|&a, &b| topic_scores[b].total_cmp(&topic_scores[a]));
        let (best, best_score) = order
            .first()
            .map(|&i| (i, topic_scores[i]))
            .unwrap_or((other, 0.0));
        let (topic_i, topic_conf) = if best_score >= topics::OTHER_THRESHOLD {
            (best, best_score.min(1.0))
        } else {
            (other, (1.0 - best_score).clamp(0.0, 1.0))
        };
        let secondary: Vec<Scored> = order
            .iter()
            .filter(|&&i| i != topic_i && topic_scores[i] >= topics::SECONDARY_THRESHOLD)
            .take(2)
            .map(|&i| Scored {
                name: kw.topics[i].id.clone(),
                score: round3(topic_scores[i].min(1.0)),
            })
            .collect();
        // evidence: the topic's keywords, then the category's strongest features
        let hits = kw.score(title, body);
        let mut evidence: Vec<String> = hits.matched[topic_i].iter().take(5).cloned().collect();
        let top = self.category.top_features(&cx, ci, 3);
        for (b, _) in top {
            for n in self.category.cfg.names_for(terms, b).into_iter().take(1) {
                if !evidence.contains(&n) {
                    evidence.push(n);
                }
            }
        }
        let urgent_terms = urgent::urgent_terms(text);
        for u in &urgent_terms {
            evidence.push(format!("紧急:{u}"));
        }
        Tags {
            category,
            category_confidence: round3(cconf),
            topic: kw.topics[topic_i].id.clone(),
            topic_confidence: round3(topic_conf),
            secondary_topics: secondary,
            evidence,
            department_suggestions: self.departments(&hashes, topic_i, topic_conf),
            urgent: !urgent_terms.is_empty(),
        }
    }

    /// Combined topic scores (one per keyword topic, `other` included) of a text.
    pub fn topic_scores(
        &self,
        title: &str,
        body: &str,
        hashes: &[u64],
        category: &str,
        category_conf: f32,
    ) -> Vec<f32> {
        let kw = &self.keywords;
        let hits = kw.score(title, body);
        let mut model_p = vec![0f32; kw.topics.len()];
        if let Some(m) = &self.topic_model {
            let x = m.cfg.vectorize_hashes(hashes, &m.idf);
            let p = m.probabilities(&x);
            for (c, pc) in p.into_iter().enumerate() {
                model_p[self.topic_index[c]] += pc;
            }
        }
        topics::combine(
            kw,
            &hits.scores,
            &model_p,
            self.topic_model.is_some(),
            category,
            category_conf,
        )
    }

    /// Keyword scores and model probabilities per topic (in `keywords.topics` order), the
    /// category and its confidence: the raw votes, for tuning.
    pub fn debug_scores(&self, title: &str, body: &str) -> (Vec<f32>, Vec<f32>, String, f32) {
        let text = if title.is_empty() || body.starts_with(title) {
            body.to_string()
        } else {
            format!("{title}\n{body}")
        };
        let terms = segmenter().terms(&text);
        let hashes = self.category.cfg.hashes(&terms);
        let cx = self
            .category
            .cfg
            .vectorize_hashes(&hashes, &self.category.idf);
        let (ci, cconf) = self.category.predict(&cx);
        let kw = &self.keywords;
        let hits = kw.score(title, body);
        let mut model_p = vec![0f32; kw.topics.len()];
        if let Some(m) = &self.topic_model {
            let x = m.cfg.vectorize_hashes(&hashes, &m.idf);
            for (c, pc) in m.probabilities(&x).into_iter().enumerate() {
                model_p[self.topic_index[c]] += pc;
            }
        }
        (
            hits.scores,
            model_p,
            self.category.classes[ci].clone(),
            cconf,
        )
    }

    /// Top three departments: the route model's best, mixed with the topic's defaults.
    fn departments(&self, hashes: &[u64], topic: usize, topic_conf: f32) -> Vec<Scored> {
        let mut out: Vec<Scored> = Vec::new();
        if let Some(m) = &self.route {
            let x = m.cfg.vectorize_hashes(hashes, &m.idf);
            let p = softmax(&m.scores(&x), m.temperature);
            let mut order: Vec<usize> = (0..p.len()).collect();
            order.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
            for &i in order.iter().take(3) {
                out.push(Scored {
                    name: m.classes[i].clone(),
                    score: p[i],
                });
            }
        }
        for (r, d) in self.keywords.topics[topic].departments.iter().enumerate() {
            let score = topic_conf * 0.6 / (r as f32 + 1.0);
            match out.iter_mut().find(|s| s.name == *d) {
                Some(s) => s.score += score,
                None => out.push(Scored {
                    name: d.clone(),
                    score,
                }),
            }
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(3);
        for s in &mut out {
            s.score = round3(s.score.min(1.0));
        }
        out
    }
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}
