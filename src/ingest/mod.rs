//! Ingest: reads work-order exports (csv, xlsx, jsonl; UTF-8 or GBK; Chinese headers) and
//! report documents into [`Case`]s, with every rejected row named by file, row, field and reason.

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
}

/// A row that could not become a case.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reject {
    pub file: String,
    /// Row as a spreadsheet shows it (header = 1, first data row = 2); line for jsonl;
    /// paragraph for report documents.
    pub row: usize,
    pub field: String,
    pub reason: String,
}

/// How to read an input.
#[derive(Debug, Default, Clone)]
pub struct ReadOptions {
    /// Field → column header overrides (`--map narrative=内容`), applied over the automatic mapping.
    pub map: Vec<(String, String)>,
    /// The xlsx sheet to read (default: the first).
    pub sheet: Option<String>,
}

/// Reads one input file (csv, xlsx, jsonl or a report document, by extension or content)
/// into cases and rejects. Fails only when the file cannot be read at all.
pub fn read_path(path: &std::path::Path, _opts: &ReadOptions) -> anyhow::Result<Batch> {
    anyhow::bail!("{}: ingest is not implemented yet", path.display())
}
