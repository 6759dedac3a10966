//! One tabular row (from csv, xlsx or jsonl) to a [`Case`], and the collector that applies the
//! per-input rules: rejects with file/row/field/reason, derived ids, last-wins duplicates.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use regex::Regex;

use super::dates::{excel_serial, parse_datetime, BadDate};
use super::headers::{Field, Mapping};
use super::{Batch, Reject};
use crate::model::{Card, Case, Kind, Satisfaction, Source, Status};

/// The largest cell accepted: 1 MiB of text.
pub const MAX_CELL_BYTES: usize = 1 << 20;

/// A cell value as the reader found it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// An integer kept exact (json / spreadsheet ints: an 18-digit id must not go through f64).
    Int(i64),
    Number(f64),
    Bool(bool),
    DateTime(NaiveDateTime),
}

impl Cell {
    /// The cell as text (numbers without a spurious `.0`).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Number(v) if v.fract() == 0.0 && v.abs() < 1e15 => format!("{}", *v as i64),
            Cell::Number(v) => v.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::DateTime(d) => d.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => clean(s).is_empty(),
            _ => false,
        }
    }

    /// The byte size of the cell's text (for the 1 MiB limit).
    pub fn text_len(&self) -> usize {
        match self {
            Cell::Text(s) => s.len(),
            _ => 0,
        }
    }
}

/// Trims whitespace, BOMs, NBSP and ideographic spaces from both ends.
pub fn clean(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{a0}')
}

fn opt_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Text(s) => {
            let t = clean(s);
            (!t.is_empty()).then(|| t.to_string())
        }
        Cell::Empty => None,
        other => {
            let t = other.text();
            let t = clean(&t);
            (!t.is_empty()).then(|| t.to_string())
        }
    }
}

fn parse_count(cell: &Cell) -> Option<u32> {
    match cell {
        Cell::Number(v) if *v >= 0.0 => Some(*v as u32),
        Cell::Int(i) => u32::try_from(*i).ok(),
        _ => {
            let t = cell.text();
            let t = clean(&t);
            t.parse::<u32>().ok().or_else(|| {
                t.parse::<f64>()
                    .ok()
                    .filter(|v| *v >= 0.0)
                    .map(|v| v as u32)
            })
        }
    }
}

fn parse_bool(cell: &Cell) -> Option<bool> {
    if let Cell::Bool(b) = cell {
        return Some(*b);
    }
    let t = cell.text();
    let t = clean(&t).to_lowercase();
    match t.as_str() {
        "" => None,
        "是" | "超期" | "已超期" | "y" | "yes" | "true" | "1" => Some(true),
        "否" | "未超期" | "正常" | "n" | "no" | "false" | "0" => Some(false),
        _ if t.starts_with('未') || t.starts_with('否') || t.starts_with("不") => Some(false),
        _ if t.contains("超期") => Some(true),
        _ => None,
    }
}

/// [`Kind::parse`], plus what 12345 exports also write: 求决 (a request to resolve something)
/// and a bare 反映.
fn parse_kind(s: &str) -> Option<Kind> {
    Kind::parse(s).or_else(|| {
        if s.contains("求决") {
            Some(Kind::HelpRequest)
        } else if s.contains("反映") {
            Some(Kind::Complaint)
        } else {
            None
        }
    })
}

fn parse_date_cell(cell: &Cell) -> Result<Option<NaiveDateTime>, BadDate> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::DateTime(d) => Ok(Some(*d)),
        Cell::Number(v) => excel_serial(*v).map(Some).ok_or(BadDate),
        // As its digits: an Excel serial, a compact 20240501, or a 10/13-digit epoch.
        Cell::Int(i) => parse_datetime(&i.to_string()),
        Cell::Bool(_) => Err(BadDate),
        Cell::Text(s) => parse_datetime(s),
    }
}

/// Towns, townships and street offices (镇 / 乡 / 街道 / 办事处) from the domain dictionary's
/// `ns` entries, longest first.
static TOWNS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let mut towns: Vec<&str> = crate::text::DOMAIN_DICT
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let word = parts.next()?;
            let tag = parts.nth(1)?;
            (tag == "ns"
                && !word.starts_with('#')
                && !matches!(
                    word,
                    "街道办事处" | "办事处" | "乡镇" | "街道" | "镇" | "乡"
                )
                && (word.ends_with('镇')
                    || word.ends_with('乡')
                    || word.ends_with("街道")
                    || word.ends_with("办事处")))
            .then_some(word)
        })
        .collect();
    if towns.is_empty() {
        return None;
    }
    towns.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    towns.dedup();
    let alt: Vec<String> = towns.iter().map(|t| regex::escape(t)).collect();
    Regex::new(&alt.join("|")).ok()
});

/// The first known town named in `text`.
pub fn find_town(text: &str) -> Option<String> {
    TOWNS.as_ref()?.find(text).map(|m| m.as_str().to_string())
}

/// Builds a case from one row; `Err((field, reason))` rejects it. The id is left empty when
/// the row has none (the collector derives one).
pub fn build_case(
    mapping: &Mapping,
    cells: &[Cell],
    file: &str,
    locator: String,
) -> Result<Case, (String, String)> {
    for (i, cell) in cells.iter().enumerate() {
        if cell.text_len() > MAX_CELL_BYTES {
            return Err((
                mapping.field_name(i),
                format!(
                    "cell of {} bytes in column `{}` is over the 1 MB limit",
                    cell.text_len(),
                    mapping.header(i)
                ),
            ));
        }
    }
    let mut case = Case {
        source: Source {
            file: file.to_string(),
            locator,
            ..Source::default()
        },
        ..Case::default()
    };
    let empty = Cell::Empty;
    let mut narrative_seen = false;
    let mut date_error = None;
    for (i, field) in mapping.fields.iter().enumerate() {
        let Some(field) = *field else { continue };
        let cell = cells.get(i).unwrap_or(&empty);
        if field.is_date() {
            let Ok(value) = parse_date_cell(cell) else {
                date_error.get_or_insert_with(|| {
                    (
                        field.name().to_string(),
                        format!(
                            "unparseable date `{}` in column `{}`",
                            cell.text(),
                            mapping.header(i)
                        ),
                    )
                });
                continue;
            };
            match field {
                Field::ReceivedAt => case.received_at = value,
                Field::Deadline => case.deadline = value,
                Field::ClosedAt => case.closed_at = value,
                _ => case.reply_at = value,
            }
            continue;
        }
        match field {
            Field::Id => case.id = opt_text(cell).unwrap_or_default(),
            Field::Narrative => {
                narrative_seen = true;
                case.narrative = opt_text(cell).unwrap_or_default();
            }
            Field::Title => case.title = opt_text(cell),
            Field::Kind => case.kind = opt_text(cell).and_then(|t| parse_kind(&t)),
            Field::Channel => case.channel = opt_text(cell),
            Field::Department => case.department = opt_text(cell),
            Field::Town => case.town = opt_text(cell),
            Field::Location => case.location = opt_text(cell),
            Field::Status => case.status = opt_text(cell).and_then(|t| Status::parse(&t)),
            Field::Satisfaction => {
                case.satisfaction = opt_text(cell).and_then(|t| Satisfaction::parse(&t))
            }
            Field::Overdue => case.overdue = parse_bool(cell),
            Field::Card => case.card = opt_text(cell).and_then(|t| Card::parse(&t)),
            Field::Reply => case.reply = opt_text(cell),
            Field::Likes => case.likes = parse_count(cell),
            Field::Dislikes => case.dislikes = parse_count(cell),
            Field::User => case.user = opt_text(cell),
            Field::Label => case.label = opt_text(cell),
            Field::ReceivedAt | Field::Deadline | Field::ClosedAt | Field::ReplyAt => {}
        }
    }
    if case.narrative.is_empty() {
        let col = mapping
            .column(Field::Narrative)
            .map(|i| mapping.header(i))
            .unwrap_or_default();
        let reason = if narrative_seen {
            format!("no narrative: column `{col}` is empty")
        } else {
            "no narrative: no column maps to narrative".to_string()
        };
        return Err(("narrative".to_string(), reason));
    }
    if let Some(e) = date_error {
        return Err(e);
    }
    if case.town.is_none() {
        case.town = find_town(&case.narrative)
            .or_else(|| case.title.as_deref().and_then(find_town))
            .or_else(|| case.location.as_deref().and_then(find_town));
    }
    Ok(case)
}

/// Gathers one input's cases and rejects, applying derived ids and last-wins duplicates.
pub struct Collector {
    pub file: String,
    batch: Batch,
    index: HashMap<String, usize>,
}

impl Collector {
    pub fn new(file: &str) -> Collector {
        Collector {
            file: file.to_string(),
            batch: Batch::default(),
            index: HashMap::new(),
        }
    }

    /// Counts a data row as read.
    pub fn count_read(&mut self) {
        self.batch.read += 1;
    }

    pub fn reject(&mut self, row: usize, field: impl Into<String>, reason: impl Into<String>) {
        self.batch.rejects.push(Reject {
            file: self.file.clone(),
            row,
            field: field.into(),
            reason: reason.into(),
        });
    }

    pub fn warn(&mut self, w: String) {
        self.batch.warnings.push(w);
    }

    pub fn set_encoding(&mut self, e: String) {
        self.batch.encoding = Some(e);
    }

    /// Adds a case; an empty id becomes [`Case::derived_id`]; a repeated id replaces the
    /// earlier case (last wins) and is recorded as a duplicate.
    pub fn push(&mut self, mut case: Case) {
        if case.id.is_empty() {
            case.id = case.derived_id();
        }
        match self.index.get(&case.id) {
            Some(&i) => {
                if !self.batch.duplicate_ids.contains(&case.id) {
                    self.batch.duplicate_ids.push(case.id.clone());
                }
                self.batch.duplicate_rows += 1;
                self.batch.cases[i] = case;
            }
            None => {
                self.index.insert(case.id.clone(), self.batch.cases.len());
                self.batch.cases.push(case);
            }
        }
    }

    /// Builds and adds the case of one row, or rejects it.
    pub fn row(&mut self, mapping: &Mapping, cells: &[Cell], row: usize, locator: String) {
        self.count_read();
        match build_case(mapping, cells, &self.file, locator) {
            Ok(case) => self.push(case),
            Err((field, reason)) => self.reject(row, field, reason),
        }
    }

    pub fn finish(self) -> Batch {
        self.batch
    }
}
