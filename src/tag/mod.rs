//! Tagging: category (一级分类), hotspot topic, department suggestions and urgency for each case.
//!
//! One segmentation per case feeds everything: the terms are hashed once
//! ([`scorer::Scratch::features`]) and every model reads its vector off those hashes
//! ([`scorer::CompactModel`]; the topic and route models share their rows,
//! [`scorer::PairModel`]); the keyword rules take one pass over the text, which also tells
//! whether the urgency rules need to look at it. The parts:
//! - category: a linear model over TF-IDF words, word bigrams and character n-grams
//!   (`models/category.bin`, trained by `hotline train`, see [`linear`] and [`train`]);
//! - topic: the keyword rules of `models/topics.toml` ([`keywords`]) and a topic model
//!   bootstrapped from keyword-labelled messages (`models/topics.bin`, [`topics`]) vote
//!   together, checked against the category;
//! - departments: a model learned from the department field of earlier cases
//!   (`models/route.bin`, [`route`]) plus each topic's default departments;
//! - urgency: danger mentions weighed with their negation, time, modality and request cues
//!   by a logistic model (`models/urgency.toml`, `models/urgency.json`, [`urgent`]).
//!
//! The models are compiled in (`include_bytes!`), so a fresh clone tags without ../shared;
//! `$HOTLINE_MODEL_DIR` or [`Tagger::from_dir`] loads other files instead.

pub mod data;
pub mod eval;
pub mod features;
pub mod hugemem;
pub mod json;
pub mod keywords;
pub mod linear;
pub mod linfa_lr;
pub mod route;
pub mod scorer;
pub mod topic_eval;
pub mod topics;
pub mod train;
pub mod urgent;

use std::cell::RefCell;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result};
use rayon::prelude::*;

use crate::model::{Case, Scored, Tags};
use crate::text::segmenter;
use keywords::{KeywordScan, Keywords};
use linear::{softmax, LinearModel};
use scorer::{CompactModel, PairModel, Scratch};

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
    /// The route model was learned from the store being tagged: a topic's default departments
    /// are suggested only when the store has them.
    pub route_from_store: bool,
    /// Town and street offices among the route model's departments.
    route_towns: route::Towns,
    /// The urgency classifier's weights (`urgency.json`).
    pub urgency: urgent::UrgencyModel,
    /// For each topic-model class, its index in `keywords.topics`.
    topic_index: Vec<usize>,
    /// The category model laid out for scoring.
    fast_category: CompactModel,
    /// The topic and route models laid out for scoring.
    fast_topic_route: TopicRoute,
}

/// The topic and route models laid out for scoring: one copy of each.
enum TopicRoute {
    /// Together (when both exist and allow it): one row read per bucket scores both.
    Paired(PairModel),
    /// Each on its own (either may be missing).
    Apart(Option<CompactModel>, Option<CompactModel>),
}

thread_local! {
    /// Per-thread feature and keyword buffers, reused case after case.
    static SCRATCH: RefCell<(Scratch, KeywordScan)> = RefCell::default();
}

static DEFAULT: LazyLock<Tagger> = LazyLock::new(base_tagger);

/// The tagger of `$HOTLINE_MODEL_DIR`, else the built-in models.
fn base_tagger() -> Tagger {
    if let Some(dir) = std::env::var_os("HOTLINE_MODEL_DIR") {
        match Tagger::from_dir(Path::new(&dir)) {
            Ok(t) => return t,
            Err(e) => eprintln!("hotline: HOTLINE_MODEL_DIR ignored: {e:#}"),
        }
    }
    Tagger::builtin()
}

/// The tagger for the cases of `store`: [`tagger`]'s models with the store's own route model
/// ([`route::load_store_model`]); `None` when the store has none (use [`tagger`]).
pub fn store_tagger(store: &crate::index::CaseStore) -> Result<Option<Tagger>> {
    Ok(route::load_store_model(store)?.map(|m| base_tagger().with_store_route(m)))
}

/// The process-wide tagger (built-in models, or `$HOTLINE_MODEL_DIR`).
pub fn tagger() -> &'static Tagger {
    &DEFAULT
}

/// The text the tagger reads: the title and body joined by a newline, or the body alone when
/// there is no title or the body already starts with it.
fn joined<'a>(title: &str, body: &'a str) -> std::borrow::Cow<'a, str> {
    if title.is_empty() || body.starts_with(title) {
        body.into()
    } else {
        format!("{title}\n{body}").into()
    }
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

    /// Loads `category.bin`, `topics.bin`, `route.bin`, `topics.toml` and `urgency.json` from
    /// `dir`, each
    /// falling back to the built-in one when absent; an error when `dir` is not a directory
    /// (a misspelt `$HOTLINE_MODEL_DIR` must not pass for "use the built-in models").
    pub fn from_dir(dir: &Path) -> Result<Tagger> {
        if !dir.is_dir() {
            anyhow::bail!("{} is not a directory", dir.display());
        }
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
        )
        .with_urgency(match dir.join("urgency.json") {
            p if p.exists() => urgent::UrgencyModel::load(&p)?,
            _ => urgent::builtin_model().clone(),
        }))
    }

    /// The same tagger with a route model learned from the store it tags.
    pub fn with_store_route(self, route: LinearModel) -> Tagger {
        let mut t = Tagger::from_parts(self.category, self.topic_model, self.keywords, Some(route))
            .with_urgency(self.urgency);
        t.route_from_store = true;
        t
    }

    /// The same tagger with another urgency model.
    pub fn with_urgency(mut self, urgency: urgent::UrgencyModel) -> Tagger {
        self.urgency = urgency;
        self
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
        let fast_topic = topic_model.as_ref().map(CompactModel::new);
        let fast_route = route.as_ref().map(CompactModel::new);
        let route_towns = route
            .as_ref()
            .map(|m| route::Towns::of(&m.classes))
            .unwrap_or_default();
        // paired, the separate layouts are dropped: the pair holds a copy of their rows
        let pair = match (&fast_topic, &fast_route) {
            (Some(t), Some(r)) => PairModel::new(t, r),
            _ => None,
        };
        let fast_topic_route = match pair {
            Some(p) => TopicRoute::Paired(p),
            None => TopicRoute::Apart(fast_topic, fast_route),
        };
        Tagger {
            fast_category: CompactModel::new(&category),
            category,
            topic_model,
            keywords,
            route,
            route_from_store: false,
            route_towns,
            urgency: urgent::builtin_model().clone(),
            topic_index,
            fast_topic_route,
        }
    }

    /// Tags a title and body.
    pub fn tag(&self, title: &str, body: &str) -> Tags {
        let text = joined(title, body);
        let terms = segmenter().terms_borrowed(&text);
        self.tag_scratch(title, body, &text, &terms)
    }

    /// As [`Tagger::tag`], from the words of the title and of the body, each segmented on its
    /// own: their [`crate::text::Segmenter::tokens`] (as the index tokens give them, see
    /// [`crate::index::tokenizer::TextTokens::words`]), so the text is not segmented again.
    /// The same tags as [`Tagger::tag`]: jieba never joins characters across the newline that
    /// separates title and body, so the words of the two joined are those of each in turn.
    pub fn tag_tokens<'w>(
        &self,
        title: &str,
        body: &str,
        title_words: impl IntoIterator<Item = &'w str>,
        body_words: impl IntoIterator<Item = &'w str>,
    ) -> Tags {
        let seg = segmenter();
        let text = joined(title, body);
        // the title's words count only when the title is joined to the body
        let title_joined = text.len() != body.len();
        // room for one word per CJK character (three bytes): rarely regrown
        let mut terms: Vec<&str> = Vec::with_capacity(text.len() / 3 + 4);
        terms.extend(
            title_words
                .into_iter()
                .filter(|_| title_joined)
                .chain(body_words)
                .filter(|w| !seg.is_stopword(w)),
        );
        self.tag_scratch(title, body, &text, &terms)
    }

    /// [`Tagger::tag_with`] on this thread's reused buffers.
    fn tag_scratch<S: AsRef<str>>(&self, title: &str, body: &str, text: &str, terms: &[S]) -> Tags {
        SCRATCH.with(|cell| {
            let (scratch, scan) = &mut *cell.borrow_mut();
            self.tag_with(scratch, scan, title, body, text, terms)
        })
    }

    fn tag_with<S: AsRef<str>>(
        &self,
        s: &mut Scratch,
        scan: &mut KeywordScan,
        title: &str,
        body: &str,
        text: &str,
        terms: &[S],
    ) -> Tags {
        let cat = &self.fast_category;
        s.features(&self.category.cfg, terms);
        // category
        cat.vectorize(s);
        let cp = softmax(&cat.scores_in(s), cat.temperature);
        let (ci, cconf) = linear::argmax(&cp);
        let category = self.category.classes[ci].clone();
        let top = cat.top_features_in(s, ci, 3);
        let cat_names = self
            .category
            .cfg
            .evidence_at(terms, &s.hashes, &s.chars, &top);
        // topic
        let kw = &self.keywords;
        let kw_scores = kw.scan(title, body, scan);
        // the topic and route models: both from one pass over their shared rows when paired
        let (model_p, mut route_p) = match &self.fast_topic_route {
            TopicRoute::Paired(pm) => {
                s.features_for(pm.cfg(), terms);
                let [ts, rs] = pm.scores(s);
                let [tt, rt] = pm.temperatures();
                (self.topic_probabilities_of(&ts, tt), Some(softmax(&rs, rt)))
            }
            TopicRoute::Apart(..) => (self.topic_probabilities_in(s, terms), None),
        };
        let d = topics::decide(kw, &kw_scores, &model_p);
        let (topic_i, topic_conf) = (d.primary, d.confidence);
        // a confident topic names the category (its parent), so the two never contradict
        let (category, cconf, cat_names) = match topics::parent_category(kw, &d) {
            Some(parent) if parent != category => (parent.to_string(), topic_conf, Vec::new()),
            _ => (category, cconf, cat_names),
        };
        let secondary: Vec<Scored> = top_k(&d.votes, 2, |i| {
            i != topic_i && d.votes[i] >= topics::SECONDARY_THRESHOLD
        })
        .into_iter()
        .map(|i| Scored {
            name: kw.topics[i].id.clone(),
            score: round3(d.votes[i].min(1.0)),
        })
        .collect();
        // evidence: the topic's keywords, then the category's strongest features
        let mut evidence: Vec<String> = kw
            .matched(scan, topic_i)
            .take(5)
            .map(str::to_string)
            .collect();
        for n in cat_names {
            if !evidence.contains(&n) {
                evidence.push(n);
            }
        }
        // the urgency classifier only for a text holding a danger term (the keyword scan tells)
        let urgency = if scan.maybe_urgent() {
            let title_len = if text.starts_with(title) {
                title.len()
            } else {
                0
            };
            self.urgency
                .assess(urgent::Lexicon::builtin(), text, title_len)
        } else {
            None
        };
        let is_urgent = urgency.as_ref().is_some_and(|u| u.urgent);
        if let Some(u) = urgency.as_ref().filter(|u| u.urgent) {
            evidence.push(format!("紧急:{}", u.term));
        }
        if let TopicRoute::Apart(_, Some(m)) = &self.fast_topic_route {
            s.features_for(m.cfg(), terms);
            m.vectorize(s);
            route_p = Some(softmax(&m.scores(&s.x), m.temperature));
        }
        let deps = self.departments(route_p, text, topic_i, topic_conf);
        Tags {
            category,
            category_confidence: round3(cconf),
            topic: kw.topics[topic_i].id.clone(),
            topic_confidence: round3(topic_conf),
            secondary_topics: secondary,
            evidence,
            department_suggestions: deps,
            urgent: is_urgent,
            urgency,
        }
    }

    /// The topic model's probability per keyword topic (zeros without a topic model) for
    /// `terms`, whose features may already be in `s` (overwrites `s.x`). Paired, the route
    /// model's scores come along and are dropped.
    fn topic_probabilities_in<S: AsRef<str>>(&self, s: &mut Scratch, terms: &[S]) -> Vec<f32> {
        match &self.fast_topic_route {
            TopicRoute::Paired(pm) => {
                s.features_for(pm.cfg(), terms);
                let [ts, _] = pm.scores(s);
                self.topic_probabilities_of(&ts, pm.temperatures()[0])
            }
            TopicRoute::Apart(Some(m), _) => {
                s.features_for(m.cfg(), terms);
                m.vectorize(s);
                self.topic_probabilities_of(&m.scores(&s.x), m.temperature)
            }
            TopicRoute::Apart(None, _) => vec![0f32; self.keywords.topics.len()],
        }
    }

    /// The topic model's probability per keyword topic from its raw scores.
    fn topic_probabilities_of(&self, scores: &[f32], temperature: f32) -> Vec<f32> {
        let mut model_p = vec![0f32; self.keywords.topics.len()];
        for (c, pc) in softmax(scores, temperature).into_iter().enumerate() {
            model_p[self.topic_index[c]] += pc;
        }
        model_p
    }

    /// Keyword scores and model probabilities per topic (in `keywords.topics` order), the
    /// category and its confidence: the raw votes, for tuning.
    pub fn debug_scores(&self, title: &str, body: &str) -> (Vec<f32>, Vec<f32>, String, f32) {
        let text = joined(title, body);
        let terms = segmenter().terms(&text);
        let mut s = Scratch::default();
        s.features(&self.category.cfg, &terms);
        let cat = &self.fast_category;
        cat.vectorize(&mut s);
        let (ci, cconf) = linear::argmax(&softmax(&cat.scores(&s.x), cat.temperature));
        let model_p = self.topic_probabilities_in(&mut s, &terms);
        (
            self.keywords.score(title, body).scores,
            model_p,
            self.category.classes[ci].clone(),
            cconf,
        )
    }

    /// Top three departments: the route model's best (a town office the text names first),
    /// mixed with the topic's defaults (only those the store has, for a store's own model).
    fn departments(
        &self,
        route_p: Option<Vec<f32>>,
        text: &str,
        topic: usize,
        topic_conf: f32,
    ) -> Vec<Scored> {
        let mut out: Vec<Scored> = Vec::new();
        if let (Some(m), Some(p)) = (&self.route, route_p) {
            let best = p.iter().copied().fold(0f32, f32::max);
            let named: Vec<usize> = self.route_towns.named_in(text).collect();
            for &i in &named {
                out.push(Scored {
                    name: m.classes[i].clone(),
                    score: best.max(p[i]) + 0.1,
                });
            }
            for i in top_k(&p, 3, |i| !named.contains(&i)) {
                out.push(Scored {
                    name: m.classes[i].clone(),
                    score: p[i],
                });
            }
        }
        let known = |d: &str| {
            !self.route_from_store
                || self
                    .route
                    .as_ref()
                    .is_some_and(|m| m.classes.iter().any(|c| c == d))
        };
        for (r, d) in self.keywords.topics[topic]
            .departments
            .iter()
            .enumerate()
            .filter(|(_, d)| known(d))
        {
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

/// The indices of the `k` largest values of `v` among those `keep` accepts, largest first,
/// ties to the lower index: the first `k` of a stable sort by descending value, without
/// sorting.
fn top_k(v: &[f32], k: usize, keep: impl Fn(usize) -> bool) -> Vec<usize> {
    let mut best: Vec<usize> = Vec::with_capacity(k + 1);
    if k == 0 {
        return best;
    }
    for (i, x) in v.iter().enumerate() {
        if best.len() == k && x.total_cmp(&v[best[k - 1]]).is_le() {
            continue;
        }
        if !keep(i) {
            continue;
        }
        let pos = best
            .iter()
            .position(|&b| x.total_cmp(&v[b]).is_gt())
            .unwrap_or(best.len());
        best.insert(pos, i);
        best.truncate(k);
    }
    best
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The topic probabilities read off the pair are those of the topic model on its own.
    #[test]
    fn paired_topic_probabilities_are_the_topic_model_s() {
        let parts = || {
            (
                LinearModel::from_bytes(CATEGORY_MODEL).unwrap(),
                LinearModel::from_bytes(TOPIC_MODEL).ok(),
                Keywords::builtin(),
            )
        };
        let (c, t, k) = parts();
        let paired = Tagger::from_parts(c, t, k, LinearModel::from_bytes(ROUTE_MODEL).ok());
        assert!(matches!(paired.fast_topic_route, TopicRoute::Paired(_)));
        let (c, t, k) = parts();
        let apart = Tagger::from_parts(c, t, k, None);
        assert!(matches!(
            apart.fast_topic_route,
            TopicRoute::Apart(Some(_), None)
        ));
        for (title, body) in [
            ("路灯不亮", "小区路灯不亮，晚上出行不便，希望尽快维修"),
            ("", "A市经开区某公司拖欠工资三个月，劳动监察部门不作为"),
            ("", ""),
        ] {
            let a = paired.debug_scores(title, body);
            let b = apart.debug_scores(title, body);
            assert_eq!(a, b, "{title} {body}");
        }
    }

    #[test]
    fn top_k_is_the_head_of_a_stable_sort() {
        let v = [0.1, 0.5, -0.0, 0.5, 0.0, 0.9, 0.1, 0.5, f32::NAN, 0.2];
        for k in 0..=v.len() + 1 {
            for keep_odd in [false, true] {
                let keep = |i: usize| !keep_odd || i % 2 == 1;
                let mut order: Vec<usize> = (0..v.len()).filter(|&i| keep(i)).collect();
                order.sort_by(|&a, &b| v[b].total_cmp(&v[a]));
                order.truncate(k);
                assert_eq!(top_k(&v, k, keep), order, "k={k} odd={keep_odd}");
            }
        }
    }
}
