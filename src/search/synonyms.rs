//! Query synonyms: groups of interchangeable words (欠薪 = 拖欠工资 = 讨薪 = 工资拖欠,
//! 路灯 = 街灯, 停水 = 断水 ...) from `models/synonyms.txt`, compiled into the binary.
//! `$HOTLINE_SYNONYMS` names a file in the same format that replaces the built-in list.

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{Context, Result};

use crate::text::normalize_token;

/// The built-in synonym list.
pub const BUILTIN_SYNONYMS: &str = include_str!("../../models/synonyms.txt");

static GLOBAL: LazyLock<Synonyms> = LazyLock::new(|| {
    if let Some(path) = std::env::var_os("HOTLINE_SYNONYMS") {
        match Synonyms::from_file(Path::new(&path)) {
            Ok(s) => return s,
            Err(e) => eprintln!("hotline: warning: {e:#}; using the built-in synonyms"),
        }
    }
    Synonyms::parse(BUILTIN_SYNONYMS)
});

/// The process-wide synonym table.
pub fn synonyms() -> &'static Synonyms {
    &GLOBAL
}

/// Word → the other words of its groups.
#[derive(Debug, Default, Clone)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
    by_word: HashMap<String, Vec<usize>>,
}

impl Synonyms {
    /// Parses lines of words separated by whitespace, `=` or `,`; `#` starts a comment line.
    pub fn parse(text: &str) -> Synonyms {
        let mut s = Synonyms::default();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut group: Vec<String> = Vec::new();
            for w in line.split(|c: char| c.is_whitespace() || c == '=' || c == ',' || c == '，') {
                let w = normalize_token(w.trim());
                if !w.is_empty() && !group.contains(&w) {
                    group.push(w);
                }
            }
            if group.len() < 2 {
                continue;
            }
            let gi = s.groups.len();
            for w in &group {
                s.by_word.entry(w.clone()).or_default().push(gi);
            }
            s.groups.push(group);
        }
        s
    }

    /// Reads a synonym file.
    pub fn from_file(path: &Path) -> Result<Synonyms> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read synonym file {}", path.display()))?;
        Ok(Synonyms::parse(&text))
    }

    /// The other words that mean the same as `word` (empty when it is in no group).
    pub fn expand(&self, word: &str) -> Vec<&str> {
        let w = normalize_token(word);
        let mut out: Vec<&str> = Vec::new();
        if let Some(gs) = self.by_word.get(&w) {
            for &g in gs {
                for o in &self.groups[g] {
                    if *o != w && !out.contains(&o.as_str()) {
                        out.push(o);
                    }
                }
            }
        }
        out
    }

    /// True when `word` is in some group.
    pub fn contains(&self, word: &str) -> bool {
        self.by_word.contains_key(&normalize_token(word))
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// True when there is no group.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_has_the_named_groups() {
        let s = Synonyms::parse(BUILTIN_SYNONYMS);
        assert!(s.len() > 80);
        let e = s.expand("欠薪");
        for w in ["拖欠工资", "讨薪", "工资拖欠"] {
            assert!(e.contains(&w), "{e:?}");
        }
        assert!(s.expand("路灯").contains(&"街灯"));
        assert!(s.expand("停水").contains(&"断水"));
        assert!(s.expand("没有这个词").is_empty());
    }

    #[test]
    fn parses_equals_and_comments() {
        let s = Synonyms::parse("# c\nA = b = 丙\n\nsolo\n");
        assert_eq!(s.len(), 1);
        assert_eq!(s.expand("a"), vec!["b", "丙"]);
    }
}
