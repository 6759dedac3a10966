//! Ingest: reads work-order exports (csv, xlsx, jsonl; UTF-8 or GBK; Chinese headers) and
//! report documents into [`Case`]s, with every rejected row named by file, row, field and reason.
//!
//! [`read_path`] picks the reader by extension, else by sniffing the content:
//! [`mod@csv`] (delimited text, encoding detected by [`encoding`]), `xlsx` (calamine), `jsonl`
//! (one object per line) and `report_doc` (plain-text / markdown report documents). Tabular
//! inputs share the header mapping of [`headers`], the date parsing of [`dates`] and the row
//! rules of [`rows`] (rejects, derived ids, last-wins duplicates).

pub mod csv;
pub mod dates;
pub mod encoding;
pub mod headers;
pub mod jsonl;
pub mod report_doc;
pub mod rows;
pub mod xlsx;

use std::path::Path;

use anyhow::{Context, Result};

use crate::model::Case;

/// What reading one input produced.
#[derive(Debug, Default)]
pub struct Batch {
    pub cases: Vec<Case>,
    pub rejects: Vec<Reject>,
    /// Rows read (data rows, or extracted narratives for a report document).
    pub read: usize,
    /// Ids that occurred more than once in this input (the last occurrence wins and is the
    /// only one in `cases`), each listed once.
    pub duplicate_ids: Vec<String>,
    /// Rows dropped because a later row had the same id.
    pub duplicate_rows: usize,
    /// The detected text encoding (`UTF-8`, `UTF-8 (BOM)`, `GB18030` ...), for text inputs.
    pub encoding: Option<String>,
    /// Things worth telling the user that rejected nothing (a `--map` column this file lacks).
    pub warnings: Vec<String>,
}

/// A row that could not become a case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reject {
    pub file: String,
    /// Row as a spreadsheet shows it (header = 1, first data row = 2); line for jsonl (element
    /// for a JSON array); for report documents, the line the case's paragraph starts on.
    pub row: usize,
    pub field: String,
    pub reason: String,
}

impl std::fmt::Display for Reject {
    /// `FILE row N, FIELD: REASON` (without `, FIELD` when the reject names no field).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} row {}", self.file, self.row)?;
        if !self.field.is_empty() {
            write!(f, ", {}", self.field)?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// How to read an input.
#[derive(Debug, Default, Clone)]
pub struct ReadOptions {
    /// Field → column header overrides (`--map narrative=内容`), applied over the automatic mapping.
    pub map: Vec<(String, String)>,
    /// The xlsx sheet to read (default: the first).
    pub sheet: Option<String>,
}

impl ReadOptions {
    /// Parses `--map` arguments of the form `field=列名`.
    pub fn parse_map(args: &[String]) -> Result<Vec<(String, String)>> {
        args.iter()
            .map(|a| {
                let (f, c) = a
                    .split_once('=')
                    .with_context(|| format!("--map {a}: expected FIELD=列名"))?;
                Ok((f.trim().to_string(), c.trim().to_string()))
            })
            .collect()
    }
}

/// The input formats [`read_path`] knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Jsonl,
    Report,
}

/// The format by extension, else by content.
pub fn detect_format(path: &Path, bytes: &[u8]) -> Format {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" | "tsv" | "tab" => return Format::Csv,
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => return Format::Xlsx,
        "jsonl" | "ndjson" | "json" => return Format::Jsonl,
        "txt" | "md" | "markdown" | "text" => return Format::Report,
        _ => {}
    }
    sniff_format(bytes)
}

/// Guesses the format from the bytes alone.
pub fn sniff_format(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"\xD0\xCF\x11\xE0") {
        return Format::Xlsx;
    }
    let det = encoding::detect(bytes);
    let text = det.decode_lossy(&bytes[det.bom_len..]);
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        return Format::Jsonl;
    }
    // Delimited: the first few lines share a non-zero count of one delimiter.
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(6)
        .collect();
    if lines.len() >= 2 {
        for d in [',', '\t', ';', '|'] {
            let n = lines[0].matches(d).count();
            if n > 0 && lines[1..].iter().all(|l| l.matches(d).count() >= n.min(1)) {
                let consistent = lines[1..]
                    .iter()
                    .filter(|l| l.matches(d).count() == n)
                    .count();
                if consistent * 2 >= lines.len() - 1 {
                    return Format::Csv;
                }
            }
        }
    }
    Format::Report
}

/// Reads one input file (csv, xlsx, jsonl or a report document, by extension or content)
/// into cases and rejects. Fails only when the file cannot be read at all.
pub fn read_path(path: &Path, opts: &ReadOptions) -> Result<Batch> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).with_context(|| format!("{file}: cannot read"))?;
    match detect_format(path, &bytes) {
        Format::Csv => csv::read_csv(&file, &bytes, opts),
        Format::Xlsx => xlsx::read_xlsx(&file, bytes, opts),
        Format::Jsonl => jsonl::read_jsonl(&file, &bytes, opts),
        Format::Report => report_doc::read_report(&file, &bytes),
    }
}
