//! The handling unit a reply names (经A6区园林局现场核实, 已转市人社局调查处理, 洛南县政府高度重视,
//! a signature line 县交通运输局 2013年9月16日): a department derived from the reply, for a case
//! whose 承办单位 was not recorded. It is shown beside the stored department, never stored over it.
//!
//! The unit suffixes and the sentence patterns are in `models/reply_units.txt`, compiled into
//! the binary; `$HOTLINE_REPLY_UNITS` names a file in the same format that replaces them.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use thiserror::Error;

/// The built-in patterns.
pub const BUILTIN_REPLY_UNITS: &str = include_str!("../../models/reply_units.txt");

/// Longest unit name before its suffix, in characters.
const MAX_NAME_CHARS: usize = 16;

/// A pattern file that cannot be used.
#[derive(Debug, Error)]
pub enum ReplyUnitsError {
    #[error("reply unit patterns: cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("reply unit patterns: line {line}: {source}")]
    Pattern { line: usize, source: regex::Error },
    #[error("reply unit patterns: line {line}: a pattern needs {{unit}}")]
    NoUnit { line: usize },
    #[error("reply unit patterns: no [suffix] entries")]
    NoSuffix,
}

/// Compiled patterns that find a unit name in a reply.
#[derive(Debug, Clone)]
pub struct ReplyUnits {
    patterns: Vec<Regex>,
    not: Vec<String>,
    trim: Vec<String>,
    /// Words taken off the end of a found name (市交通局阅处 → 市交通局).
    trim_end: Vec<String>,
}

static GLOBAL: LazyLock<ReplyUnits> = LazyLock::new(|| {
    if let Some(path) = std::env::var_os("HOTLINE_REPLY_UNITS") {
        match ReplyUnits::from_file(Path::new(&path)) {
            Ok(u) => return u,
            Err(e) => eprintln!("hotline: warning: {e}; using the built-in reply unit patterns"),
        }
    }
    ReplyUnits::parse(BUILTIN_REPLY_UNITS).expect("models/reply_units.txt is valid")
});

/// The process-wide patterns.
pub fn reply_units() -> &'static ReplyUnits {
    &GLOBAL
}

/// The unit a reply names, by the process-wide patterns.
pub fn unit_from_reply(reply: &str) -> Option<String> {
    reply_units().find(reply)
}

impl ReplyUnits {
    /// Reads a pattern file (see `models/reply_units.txt`).
    pub fn from_file(path: &Path) -> Result<ReplyUnits, ReplyUnitsError> {
        let text = std::fs::read_to_string(path).map_err(|source| ReplyUnitsError::Read {
            path: path.display().to_string(),
            source,
        })?;
        ReplyUnits::parse(&text)
    }

    /// Parses the sections `[suffix]`, `[not]`, `[trim]`, `[trim_end]` and `[pattern]`; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<ReplyUnits, ReplyUnitsError> {
        let mut section = "";
        let mut suffixes: Vec<String> = Vec::new();
        let mut not = Vec::new();
        let mut trim = Vec::new();
        let mut trim_end = Vec::new();
        let mut raw: Vec<(usize, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line.starts_with('[') && line.ends_with(']') {
                section = match line {
                    "[suffix]" => "suffix",
                    "[not]" => "not",
                    "[trim]" => "trim",
                    "[trim_end]" => "trim_end",
                    "[pattern]" => "pattern",
                    _ => "",
                };
                continue;
            }
            match section {
                "suffix" => suffixes.push(regex::escape(line)),
                "not" => not.push(line.to_string()),
                "trim" => trim.push(line.to_string()),
                "trim_end" => trim_end.push(line.to_string()),
                "pattern" => raw.push((i + 1, line.to_string())),
                _ => {}
            }
        }
        if suffixes.is_empty() {
            return Err(ReplyUnitsError::NoSuffix);
        }
        // longer suffixes first, so that 人民政府 is taken whole rather than as 政府
        suffixes.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
        let unit = format!(
            "(?P<unit>[\\p{{Han}}A-Za-z0-9]{{1,{MAX_NAME_CHARS}}}?(?:{}))",
            suffixes.join("|")
        );
        let patterns = raw
            .into_iter()
            .map(|(line, p)| {
                if !p.contains("{unit}") {
                    return Err(ReplyUnitsError::NoUnit { line });
                }
                Regex::new(&p.replace("{unit}", &unit))
                    .map_err(|source| ReplyUnitsError::Pattern { line, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ReplyUnits {
            patterns,
            not,
            trim,
            trim_end,
        })
    }

    /// The first unit name a pattern finds in `reply` (patterns in file order, matches left to
    /// right). A match that runs over a clause (你反映的问题洛南县政府) keeps the name after its
    /// last function word, less a leading `[trim]` word; names starting with a `[not]` word
    /// (我局, 有关部门) are skipped.
    pub fn find(&self, reply: &str) -> Option<String> {
        for p in &self.patterns {
            for caps in p.captures_iter(reply) {
                if let Some(name) = caps.name("unit").and_then(|m| self.name_in(m.as_str())) {
                    return Some(name);
                }
            }
        }
        None
    }

    fn name_in(&self, found: &str) -> Option<String> {
        let mut name = match found.rfind(NOT_IN_NAME) {
            Some(at) => {
                let c = found[at..].chars().next().expect("found a char");
                &found[at + c.len_utf8()..]
            }
            None => found,
        };
        while let Some(t) = self.trim.iter().find(|t| name.starts_with(t.as_str())) {
            name = &name[t.len()..];
        }
        if let Some(t) = self.trim_end.iter().find(|t| name.ends_with(t.as_str())) {
            name = &name[..name.len() - t.len()];
        }
        let ok =
            name.chars().count() >= 3 && !self.not.iter().any(|n| name.starts_with(n.as_str()));
        ok.then(|| name.to_string())
    }
}

/// Characters that do not occur in a unit name: a match holding one ran over a clause.
const NOT_IN_NAME: [char; 9] = ['的', '了', '您', '你', '我', '在', '是', '对', '将'];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_patterns_compile() {
        let u = ReplyUnits::parse(BUILTIN_REPLY_UNITS).unwrap();
        assert!(!u.patterns.is_empty());
    }

    #[test]
    fn finds_the_unit_of_common_reply_sentences() {
        let f = |s: &str| unit_from_reply(s);
        assert_eq!(
            f("您好！经A6区园林局现场核实调查，绿化已补种。").as_deref(),
            Some("A6区园林局")
        );
        assert_eq!(
            f("您的留言已收悉。关于您反映的问题，已转市人社局调查处理。").as_deref(),
            Some("市人社局")
        );
        assert_eq!(
            f("我们会加快工作步伐。A7县交通运输局 2013年9月16日").as_deref(),
            Some("A7县交通运输局")
        );
        assert_eq!(f("经我局现场查看，已修复。"), None);
        assert_eq!(
            f("网友你好，你反映的问题洛南县政府高度重视，现回复如下").as_deref(),
            Some("洛南县政府")
        );
        assert_eq!(f("感谢您对我们工作的支持！2018年4月4日"), None);
        assert_eq!(
            f("来信已收悉，你反映的问题已转市交通局阅处。").as_deref(),
            Some("市交通局")
        );
    }
}
