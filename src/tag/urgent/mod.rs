//! Urgency: does a case describe a present or imminent danger to life, health, safety or a
//! vital service that needs dispatch today? Not past events (已修好, 火灾后赔偿), hypotheticals
//! (万一, 如发生, 存在隐患), requests to relocate or repair someday, policy questions.
//!
//! A classifier with evidence, not a word list:
//! - [`lexicon`] finds the danger mentions (terms by kind, `models/urgency.toml`) and the cue
//!   words around each (negation, time, modality, request type, resolved, urging);
//! - [`features`] turns a mention and its cues into features (cue by position, kind, term,
//!   character bigrams of its clause);
//! - [`model`] weighs them: a logistic regression (`models/urgency.json`) trained by [`train`]
//!   (linfa-logistic) on the labelled letters of tests/urgency/, its threshold tuned by
//!   cross-validation inside the training sources;
//! - [`legacy`] is the former word-list rule, kept as the evaluation's baseline.

pub mod features;
pub mod legacy;
pub mod lexicon;
pub mod model;
pub mod train;

use std::sync::LazyLock;

pub use lexicon::Lexicon;
pub use model::UrgencyModel;

use crate::model::UrgencyEvidence;

/// Errors of the urgency classifier.
#[derive(Debug, thiserror::Error)]
pub enum UrgencyError {
    #[error("urgency lexicon: {0}")]
    Lexicon(String),
    #[error("urgency lexicon: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("urgency model: {0}")]
    Json(#[from] serde_json::Error),
    #[error("urgency model: {0}")]
    Model(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("urgency labels: {0}")]
    Labels(String),
    #[error("urgency training: {0}")]
    Fit(String),
}

/// Every danger term of the built-in lexicon: the keyword scan looks for them, so that only
/// texts holding one are read by the classifier.
pub static EMERGENCIES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| Lexicon::builtin().danger_terms().collect());

/// The built-in model, loaded once.
pub fn builtin_model() -> &'static UrgencyModel {
    static MODEL: LazyLock<UrgencyModel> = LazyLock::new(UrgencyModel::builtin);
    &MODEL
}

/// Judges one text with the built-in lexicon and model (no title): `None` without a danger
/// term.
pub fn assess(text: &str) -> Option<UrgencyEvidence> {
    builtin_model().assess(Lexicon::builtin(), text, 0)
}

/// True when the built-in classifier finds `text` urgent.
pub fn is_urgent(text: &str) -> bool {
    assess(text).is_some_and(|e| e.urgent)
}
