//! The ingest vocabularies of `models/ingest.toml` (compiled in): header synonyms per field,
//! the kind table (反映问题 → 投诉), status and satisfaction values, agency name endings and
//! the phrases of an office's reply. Column mapping ([`super::headers`], [`super::infer`]) and
//! row parsing ([`super::rows`]) read them from here, so that the words live in `models/`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::model::{Kind, Satisfaction, Status};

/// The vocabulary file as shipped.
pub const INGEST_VOCAB: &str = include_str!("../../models/ingest.toml");

/// `models/ingest.toml`, parsed.
#[derive(Debug, Deserialize)]
pub struct Vocab {
    /// Field name (`received_at`) → headers, most specific first.
    pub headers: BTreeMap<String, Vec<String>>,
    pub kinds: BTreeMap<String, Kind>,
    pub status: BTreeMap<String, Status>,
    pub satisfaction: BTreeMap<String, Satisfaction>,
    pub department: DepartmentWords,
    pub reply: ReplyWords,
}

#[derive(Debug, Deserialize)]
pub struct DepartmentWords {
    pub suffixes: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct ReplyWords {
    pub markers: Vec<String>,
}

/// The shipped vocabulary (a malformed file is a build defect, caught by the tests below).
pub static VOCAB: LazyLock<Vocab> =
    LazyLock::new(|| toml::from_str(INGEST_VOCAB).expect("models/ingest.toml is valid"));

/// The value of `table` for `s`: an exact entry, else the longest entry `s` contains.
fn lookup<T: Copy>(table: &BTreeMap<String, T>, s: &str) -> Option<T> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(v) = table.get(s) {
        return Some(*v);
    }
    table
        .iter()
        .filter(|(k, _)| s.contains(k.as_str()))
        .max_by_key(|(k, _)| k.chars().count())
        .map(|(_, v)| *v)
}

/// A kind value as exports write it (投诉件, 反映问题, 求决, complaint ...), normalised.
pub fn parse_kind(s: &str) -> Option<Kind> {
    lookup(&VOCAB.kinds, s).or_else(|| Kind::parse(s))
}

/// True when `s` is a kind word as a kind column holds it: an entry of the kind table with at
/// most two characters around it (投诉, 投诉件, 来电投诉), or an English kind. A remark that
/// merely mentions one (业主多次反映) is not.
pub fn is_kind_value(s: &str) -> bool {
    let s = s.trim();
    let n = s.chars().count();
    VOCAB
        .kinds
        .keys()
        .any(|k| s.contains(k.as_str()) && n <= k.chars().count() + 2)
        || (s.is_ascii() && Kind::parse(s).is_some())
}

/// A status value (办理完毕, 正在办理, 已办结 ...).
pub fn parse_status(s: &str) -> Option<Status> {
    lookup(&VOCAB.status, s).or_else(|| Status::parse(s))
}

/// A satisfaction value (非常满意, 不满意, 未回访 ...).
pub fn parse_satisfaction(s: &str) -> Option<Satisfaction> {
    lookup(&VOCAB.satisfaction, s).or_else(|| Satisfaction::parse(s))
}

/// True when `s` reads as an agency name: ends with one of the department endings.
pub fn looks_like_department(s: &str) -> bool {
    let s = s.trim();
    let n = s.chars().count();
    (2..=30).contains(&n)
        && VOCAB
            .department
            .suffixes
            .iter()
            .any(|x| s.ends_with(x.as_str()) && s.chars().count() > x.chars().count())
}

/// True when `s` holds a phrase offices write in replies (经核实, 我局, 收悉 ...).
pub fn looks_like_reply(s: &str) -> bool {
    VOCAB.reply.markers.iter().any(|m| s.contains(m.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::headers::Field;

    #[test]
    fn the_shipped_file_parses_and_names_every_field() {
        for f in Field::ALL {
            assert!(
                VOCAB.headers.get(f.name()).is_some_and(|h| !h.is_empty()),
                "models/ingest.toml: no headers for {}",
                f.name()
            );
        }
        assert_eq!(VOCAB.headers.len(), Field::ALL.len());
    }

    #[test]
    fn kinds_follow_the_table() {
        assert_eq!(parse_kind("反映问题"), Some(Kind::Complaint));
        assert_eq!(parse_kind("投诉件"), Some(Kind::Complaint));
        assert_eq!(parse_kind("求决"), Some(Kind::HelpRequest));
        assert_eq!(parse_kind("其它"), Some(Kind::Other));
        assert_eq!(parse_kind("complaint"), Some(Kind::Complaint));
        assert_eq!(parse_kind("感谢信"), Some(Kind::Praise));
        assert_eq!(parse_kind("杂项"), None);
        assert!(is_kind_value("来电投诉") && is_kind_value("反映问题"));
        assert!(!is_kind_value("业主多次反映"));
    }

    #[test]
    fn status_satisfaction_and_departments() {
        assert_eq!(parse_status("办理完毕"), Some(Status::Closed));
        assert_eq!(parse_status("正在办理"), Some(Status::InProgress));
        assert_eq!(parse_status("未办结"), Some(Status::InProgress));
        assert_eq!(
            parse_satisfaction("非常满意"),
            Some(Satisfaction::Satisfied)
        );
        assert_eq!(
            parse_satisfaction("非常不满意"),
            Some(Satisfaction::Dissatisfied)
        );
        assert!(looks_like_department("县住建局"));
        assert!(looks_like_department("城关镇人民政府"));
        assert!(looks_like_department("自来水公司"));
        assert!(!looks_like_department("局"));
        assert!(!looks_like_department("路灯坏了好几天没人修"));
        assert!(looks_like_reply("您好，经核实，该路段路灯已修复。"));
    }
}
