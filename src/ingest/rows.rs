//! One tabular row (from csv, xlsx or jsonl) to a [`Case`], and the collector that applies the
//! per-input rules: rejects with file/row/field/reason, derived ids, last-wins duplicates.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use regex::Regex;

use super::dates::{
    excel_serial, parse_datetime, plausible_date, plausible_until, BadDate, PLAUSIBLE_FROM,
};
use super::headers::{Field, Mapping};
use super::vocab::{parse_kind, parse_satisfaction, parse_status};
use super::{Batch, Reject};
use crate::model::{Card, Case, Source};

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

/// A count (点赞数, 踩数) that is a whole number from 0 to `u32::MAX`; anything else (negative,
/// fractional, not finite, too large) is no count at all, never clamped to the nearest one.
pub fn count_of(v: f64) -> Option<u32> {
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX)).then_some(v as u32)
}

fn parse_count(cell: &Cell) -> Option<u32> {
    match cell {
        Cell::Number(v) => count_of(*v),
        Cell::Int(i) => u32::try_from(*i).ok(),
        _ => {
            let t = cell.text();
            let t = clean(&t);
            t.parse::<u32>()
                .ok()
                .or_else(|| t.parse::<f64>().ok().and_then(count_of))
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

/// Parses a non-empty cell with `parse`, noting `(column, value)` when that gives nothing.
fn noted<T>(
    column: usize,
    cell: &Cell,
    unparsed: &mut Vec<(usize, String)>,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Option<T> {
    let t = opt_text(cell)?;
    let v = parse(&t);
    if v.is_none() && !is_placeholder(&t) {
        unparsed.push((column, t));
    }
    v
}

/// [`parse_date_value`], then [`plausible_date`]: a date outside 1990 .. next year is an
/// error, told apart from an unparseable one.
fn parse_date_cell(cell: &Cell) -> Result<Option<NaiveDateTime>, Option<NaiveDateTime>> {
    match parse_date_value(cell) {
        Ok(Some(d)) if !plausible_date(d) => Err(Some(d)),
        Ok(v) => Ok(v),
        Err(BadDate) => Err(None),
    }
}

fn parse_date_value(cell: &Cell) -> Result<Option<NaiveDateTime>, BadDate> {
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

/// Values that mean "nothing here" and so are left empty without a warning.
fn is_placeholder(t: &str) -> bool {
    matches!(
        t.to_lowercase().as_str(),
        "无" | "暂无" | "空" | "-" | "--" | "—" | "/" | "\\" | "n/a" | "na" | "null" | "none"
    )
}

/// Builds a case from one row; `Err((field, reason))` rejects it. The id is left empty when
/// the row has none (the collector derives one). Pushes `(column, value)` to `unparsed` for
/// each non-empty value of an enumerated or numeric field (类型, 状态, 回访结果, 超期, 黄红牌,
/// 点赞数 ...) that did not parse and so is left empty.
pub fn build_case(
    mapping: &Mapping,
    cells: &[Cell],
    file: &str,
    locator: String,
    unparsed: &mut Vec<(usize, String)>,
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
            let value = match parse_date_cell(cell) {
                Ok(v) => v,
                Err(out_of_range) => {
                    date_error.get_or_insert_with(|| {
                        let reason = match out_of_range {
                            Some(d) => format!(
                                "implausible date `{}` ({}) in column `{}`: outside {} .. {}",
                                cell.text(),
                                d.format("%Y-%m-%d"),
                                mapping.header(i),
                                PLAUSIBLE_FROM,
                                plausible_until().format("%Y-%m-%d")
                            ),
                            None => format!(
                                "unparseable date `{}` in column `{}`",
                                cell.text(),
                                mapping.header(i)
                            ),
                        };
                        (field.name().to_string(), reason)
                    });
                    continue;
                }
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
            Field::Kind => {
                case.kind = noted(i, cell, unparsed, parse_kind);
                // The source's own word, when it is not the normalised one (反映问题 → 投诉).
                case.kind_source =
                    opt_text(cell).filter(|t| case.kind.is_none_or(|k| k.as_str() != t.as_str()));
            }
            Field::Channel => case.channel = opt_text(cell),
            Field::Department => case.department = opt_text(cell),
            Field::Town => case.town = opt_text(cell),
            Field::Location => case.location = opt_text(cell),
            Field::Status => case.status = noted(i, cell, unparsed, parse_status),
            Field::Satisfaction => case.satisfaction = noted(i, cell, unparsed, parse_satisfaction),
            Field::Overdue => case.overdue = noted(i, cell, unparsed, |_| parse_bool(cell)),
            Field::Card => case.card = noted(i, cell, unparsed, Card::parse),
            Field::Reply => case.reply = opt_text(cell),
            Field::Likes => case.likes = noted(i, cell, unparsed, |_| parse_count(cell)),
            Field::Dislikes => case.dislikes = noted(i, cell, unparsed, |_| parse_count(cell)),
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
    /// The ids already in `batch.duplicate_ids` (which keeps first-seen order).
    duplicates: HashSet<String>,
    /// Values left empty because they did not parse, by column header in order of first
    /// sight: each distinct value with its first row and its count.
    unparsed: Vec<(String, UnparsedValues)>,
    /// Rows whose cells held NUL bytes (removed), and the first of them.
    nul_rows: usize,
    first_nul: Option<String>,
}

/// The distinct values of one column that did not parse, in order of first sight, with an
/// index by value (a mis-mapped free-text column can hold as many as there are rows).
#[derive(Default)]
struct UnparsedValues {
    values: Vec<Unparsed>,
    at: HashMap<String, usize>,
}

/// A value of one column that did not parse.
struct Unparsed {
    value: String,
    /// Where it was first seen: `row N` (csv, xlsx) or `line N` (jsonl).
    first: String,
    rows: usize,
}

/// How many distinct unparsed values a warning spells out per column.
const SHOWN_VALUES: usize = 5;

impl Collector {
    pub fn new(file: &str) -> Collector {
        Collector {
            file: file.to_string(),
            batch: Batch::default(),
            index: HashMap::new(),
            duplicates: HashSet::new(),
            unparsed: Vec::new(),
            nul_rows: 0,
            first_nul: None,
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

    /// Records the columns of `mapping` (with samples; the first mapping of a jsonl file), its
    /// warnings and the loud alerts of a missing date or department column, each once.
    pub fn describe(&mut self, mapping: &Mapping, samples: &[Vec<Cell>]) {
        for w in &mapping.warnings {
            let w = format!("{}: {w}", self.file);
            if !self.batch.warnings.contains(&w) {
                self.batch.warnings.push(w);
            }
        }
        if self.batch.columns.is_empty() {
            self.batch.columns = super::infer::describe(mapping, samples);
        }
        for a in super::infer::missing_alerts(&self.file, mapping, samples) {
            if !self.batch.alerts.contains(&a) {
                self.batch.alerts.push(a);
            }
        }
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
                if self.duplicates.insert(case.id.clone()) {
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
        self.row_counted(mapping, cells, row, locator);
    }

    /// [`Collector::row`] for a row already counted as read.
    pub fn row_counted(&mut self, mapping: &Mapping, cells: &[Cell], row: usize, locator: String) {
        let stripped;
        let cells = if cells
            .iter()
            .any(|c| matches!(c, Cell::Text(t) if t.contains('\0')))
        {
            self.nul_rows += 1;
            self.first_nul.get_or_insert_with(|| locator.clone());
            stripped = cells
                .iter()
                .map(|c| match c {
                    Cell::Text(t) => Cell::Text(t.replace('\0', "")),
                    c => c.clone(),
                })
                .collect::<Vec<_>>();
            &stripped[..]
        } else {
            cells
        };
        let mut unparsed = Vec::new();
        match build_case(mapping, cells, &self.file, locator, &mut unparsed) {
            Ok(case) => {
                for (i, value) in unparsed {
                    self.note_unparsed(mapping.header(i), value, &case.source.locator);
                }
                self.push(case)
            }
            Err((field, reason)) => self.reject(row, field, reason),
        }
    }

    fn note_unparsed(&mut self, header: String, value: String, locator: &str) {
        let pos = match self.unparsed.iter().position(|(h, _)| *h == header) {
            Some(p) => p,
            None => {
                self.unparsed.push((header, UnparsedValues::default()));
                self.unparsed.len() - 1
            }
        };
        let column = &mut self.unparsed[pos].1;
        match column.at.get(&value) {
            Some(&k) => column.values[k].rows += 1,
            None => {
                column.at.insert(value.clone(), column.values.len());
                column.values.push(Unparsed {
                    value,
                    first: locator.to_string(),
                    rows: 1,
                });
            }
        }
    }

    /// The batch, with one warning per column whose values did not all parse.
    pub fn finish(mut self) -> Batch {
        self.batch.duplicate_kept = self
            .batch
            .duplicate_ids
            .iter()
            .map(|id| self.batch.cases[self.index[id]].source.locator.clone())
            .collect();
        if let Some(first) = self.first_nul.take() {
            self.batch.warnings.push(format!(
                "{}: NUL bytes removed from {} row(s) (first: {first}): a binary or corrupt export?",
                self.file, self.nul_rows
            ));
        }
        for (header, UnparsedValues { values, .. }) in std::mem::take(&mut self.unparsed) {
            let rows: usize = values.iter().map(|u| u.rows).sum();
            let mut shown: Vec<String> = values
                .iter()
                .take(SHOWN_VALUES)
                .map(|u| match u.rows {
                    1 => format!("`{}` ({})", u.value, u.first),
                    n => format!("`{}` ({} and {} more)", u.value, u.first, n - 1),
                })
                .collect();
            if values.len() > SHOWN_VALUES {
                shown.push(format!("and {} other values", values.len() - SHOWN_VALUES));
            }
            let w = format!(
                "{}: column `{header}`: {rows} {} not understood, left empty: {}",
                self.file,
                if rows == 1 { "value" } else { "values" },
                shown.join(", ")
            );
            self.batch.warnings.push(w);
        }
        self.batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Satisfaction};

    fn collect(rows: &[[&str; 5]]) -> Batch {
        let headers: Vec<String> = ["编号", "诉求内容", "诉求类型", "办理状态", "回访结果"]
            .iter()
            .map(|h| h.to_string())
            .collect();
        let mapping = Mapping::new(&headers, &[]).unwrap();
        let mut col = Collector::new("t.csv");
        for (i, r) in rows.iter().enumerate() {
            let cells: Vec<Cell> = r.iter().map(|v| Cell::Text(v.to_string())).collect();
            col.row(&mapping, &cells, i + 2, format!("row {}", i + 2));
        }
        col.finish()
    }

    #[test]
    fn unparsed_values_are_warned_by_column_and_row() {
        let b = collect(&[
            ["T1", "路灯不亮", "其它", "已办结", "不太满意"],
            ["T2", "井盖丢失", "投诉", "审核中", "很好"],
            ["T3", "停水", "杂项", "已办结", "很好"],
            ["T4", "噪音", "无", "已办结", "满意"],
        ]);
        assert_eq!(b.cases.len(), 4);
        assert_eq!(b.cases[0].kind, Some(Kind::Other));
        assert_eq!(b.cases[0].satisfaction, Some(Satisfaction::Dissatisfied));
        assert_eq!(b.cases[1].satisfaction, None);
        assert_eq!(
            b.warnings,
            [
                "t.csv: column `回访结果`: 2 values not understood, left empty: `很好` (row 3 and 1 more)",
                "t.csv: column `诉求类型`: 1 value not understood, left empty: `杂项` (row 4)",
            ]
        );
    }

    #[test]
    fn duplicate_ids_are_listed_once_in_first_seen_order() {
        let mut col = Collector::new("t.csv");
        for (id, text) in [
            ("B", "1"),
            ("A", "2"),
            ("B", "3"),
            ("A", "4"),
            ("B", "5"),
            ("C", "6"),
        ] {
            col.push(Case::new(id, text));
        }
        let b = col.finish();
        assert_eq!(b.duplicate_ids, ["B", "A"]);
        assert_eq!(b.duplicate_rows, 3);
        let got: Vec<(&str, &str)> = b
            .cases
            .iter()
            .map(|c| (c.id.as_str(), c.narrative.as_str()))
            .collect();
        assert_eq!(got, [("B", "5"), ("A", "4"), ("C", "6")]);
    }
}
