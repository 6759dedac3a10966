//! The editable texts of a report: the office profile (`models/office.toml`, or a file given
//! with `hotline report --profile FILE`: 单位名称, the issuing office, 抄送, 发, 电话 ...) that
//! the closing block prints, and the per-topic suggestions of 二、热点问题
//! (`models/report_suggestions.toml`, keyed by topic id). Both defaults are compiled into the
//! binary.

use std::collections::HashMap;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The built-in office profile.
pub const BUILTIN_OFFICE: &str = include_str!("../../models/office.toml");
/// The built-in suggestions per topic.
pub const BUILTIN_SUGGESTIONS: &str = include_str!("../../models/report_suggestions.toml");

/// A profile file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read the office profile {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the office profile {path} is not valid: {source}")]
    Parse {
        path: String,
        source: Box<toml::de::Error>,
    },
}

/// Who issues the report and to whom, as the seeds' closing block prints it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OfficeProfile {
    /// 单位名称 for the heading (`翁源县`); `--title` overrides it.
    pub unit: String,
    /// The issuing office (落款, 编辑单位); empty: `{unit}12345政务服务便民热线管理办公室`.
    pub office: String,
    /// 抄送.
    pub cc: String,
    /// 发.
    pub to: String,
    /// 电话（传真）.
    pub phone: String,
    pub email: String,
    pub website: String,
}

impl OfficeProfile {
    /// The built-in profile (`models/office.toml`).
    pub fn builtin() -> OfficeProfile {
        OfficeProfile::parse(BUILTIN_OFFICE, "models/office.toml")
            .expect("models/office.toml is valid")
    }

    /// Reads a profile file; keys it leaves out are empty.
    pub fn load(path: &Path) -> Result<OfficeProfile, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        OfficeProfile::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, path: &str) -> Result<OfficeProfile, ProfileError> {
        toml::from_str(text).map_err(|source| ProfileError::Parse {
            path: path.to_string(),
            source: Box::new(source),
        })
    }

    /// The issuing office: as given, else derived from the 单位名称 in `title`.
    pub fn office_name(&self, title: Option<&str>) -> String {
        let office = self.office.trim();
        if !office.is_empty() {
            return office.to_string();
        }
        format!(
            "{}12345政务服务便民热线管理办公室",
            title.map(str::trim).unwrap_or_default()
        )
    }
}

fn suggestions() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str(BUILTIN_SUGGESTIONS).expect("models/report_suggestions.toml is valid")
    })
}

/// The 建议 sentence for a topic: its entry of `models/report_suggestions.toml`, else the
/// `default` entry with `{name}` replaced by the topic's name.
pub fn suggestion(topic: &str) -> String {
    let table = suggestions();
    match table.get(topic) {
        Some(s) => s.trim().to_string(),
        None => table
            .get("default")
            .map(|s| s.trim().replace("{name}", super::topic_name(topic)))
            .unwrap_or_default(),
    }
}
