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
pub mod infer;
pub mod jsonl;
pub mod report_doc;
pub mod rows;
pub mod vocab;
pub mod xlsx;

use std::path::{Path, PathBuf};

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
    /// Where the kept (last) row of each of `duplicate_ids` is (`row 7`), in the same order.
    pub duplicate_kept: Vec<String>,
    /// The columns of a tabular input: field, why, sample values (the dry run prints them).
    pub columns: Vec<infer::ColumnInfo>,
    /// Loud warnings (Chinese): no date column, no department column, with the `--map` to fix.
    pub alerts: Vec<String>,
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
                let f = f.trim();
                if headers::Field::parse(f).is_none() {
                    let known: Vec<&str> = headers::Field::ALL.iter().map(|f| f.name()).collect();
                    anyhow::bail!(
                        "--map {a}: unknown field `{f}` (fields: {})",
                        known.join(", ")
                    );
                }
                Ok((f.to_string(), c.trim().to_string()))
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

/// Extensions of the files a directory given to ingest contributes (what [`detect_format`]
/// knows by name).
const INPUT_EXTENSIONS: &[&str] = &[
    "csv", "tsv", "tab", "xlsx", "xlsm", "xlsb", "xls", "ods", "jsonl", "ndjson", "json", "txt",
    "md", "markdown", "text",
];

/// The files to read for `paths`: a file stands for itself (whatever its name, its content
/// decides); a directory for the input files below it, at any depth, in name order, leaving out
/// hidden files and READMEs. Returns the files and, apart, the other files of those directories
/// (other extensions), passed over, so that the caller can say so.
pub fn input_files(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>, skipped: &mut Vec<PathBuf>) -> Result<()> {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read the directory {}", dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<_>>()
            .with_context(|| format!("cannot read the directory {}", dir.display()))?;
        entries.sort();
        for path in entries {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if name.starts_with('.') || name.starts_with("readme") {
                continue;
            }
            if path.is_dir() {
                walk(&path, files, skipped)?;
                continue;
            }
            let ext = path
                .extension()
                .map(|e| e.to_string_lossy().to_lowercase())
                .unwrap_or_default();
            if INPUT_EXTENSIONS.contains(&ext.as_str()) {
                files.push(path);
            } else {
                skipped.push(path);
            }
        }
        Ok(())
    }
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    for path in paths {
        if path.is_dir() {
            walk(path, &mut files, &mut skipped)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok((files, skipped))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_give_their_input_files_at_any_depth() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("2024-05")).unwrap();
        for f in [
            "b.csv",
            "a.xlsx",
            "README.md",
            ".hidden.csv",
            "notes.docx",
            "2024-05/c.jsonl",
            "2024-05/report.txt",
        ] {
            std::fs::write(d.join(f), "x").unwrap();
        }
        let named = d.join("notes.docx");
        let (files, skipped) = input_files(&[d.to_path_buf(), named.clone()]).unwrap();
        let rel: Vec<String> = files
            .iter()
            .map(|p| p.strip_prefix(d).unwrap().display().to_string())
            .collect();
        // a file named on the command line is read whatever its extension
        assert_eq!(
            rel,
            [
                "2024-05/c.jsonl",
                "2024-05/report.txt",
                "a.xlsx",
                "b.csv",
                "notes.docx"
            ]
        );
        assert_eq!(skipped, [named]);
    }
}
