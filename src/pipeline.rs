//! The ingest run behind `hotline ingest`: reads every input (in parallel), tags the new and
//! changed cases, and upserts them into the case store by id with a commit every
//! [`IngestOptions::commit_every`] cases, so a run killed at any moment loses at most the open
//! chunk and a rerun completes it without duplicates.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;

use crate::index::{CaseStore, UpsertSummary};
use crate::ingest::{read_path, Batch, ReadOptions, Reject};
use crate::model::Case;

/// Cases per commit by default. Each commit flushes a segment per indexing thread and
/// later merges redo that work, so fewer, larger commits index faster; 20,000 cases are
/// about 30 MB of text, well inside the writer's memory budget.
pub const DEFAULT_COMMIT_EVERY: usize = 20_000;

/// Cases classified, tagged and written per step (the progress bar moves by this much).
const STEP: usize = 1_000;

/// Inputs with more cases than this get a progress bar (on a terminal).
const PROGRESS_MIN_CASES: usize = 3_000;

/// How to run an ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// How to read the inputs (`--map`, `--sheet`).
    pub read: ReadOptions,
    /// Commit after this many new or changed cases.
    pub commit_every: usize,
    /// Tag new and changed cases before storing them.
    pub tag: bool,
    /// Show a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            read: ReadOptions::default(),
            commit_every: DEFAULT_COMMIT_EVERY,
            tag: true,
            progress: false,
        }
    }
}

/// What happened to one input.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    /// The input as given.
    pub file: String,
    /// Rows (or report narratives) read.
    pub read: usize,
    /// Cases it yielded (after rejects and in-file duplicates).
    pub cases: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Ids that occurred more than once in this input.
    pub duplicate_ids: Vec<String>,
    /// Rows dropped because a later row had the same id.
    pub duplicate_rows: usize,
    /// The detected text encoding (csv, report documents).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// Notes from the reader that rejected nothing (a `--map` column this file lacks ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Why the input could not be read at all (nothing of it was stored).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The summary of an ingest run (`hotline ingest --json` prints it).
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    pub read: usize,
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    /// Ids repeated inside an input, summed over the inputs.
    pub duplicate_ids: usize,
    /// Rows dropped for a repeated id, summed over the inputs.
    pub duplicate_rows: usize,
    /// Inputs that could not be read at all.
    pub failed: usize,
    /// Cases in the store after the run.
    pub stored: u64,
    /// Narrative bytes (title, narrative, reply) of the cases read.
    pub text_bytes: u64,
    pub rejects: Vec<Reject>,
    pub files: Vec<FileReport>,
}

/// Reads `paths` and upserts their cases into `store`.
///
/// Fails only when the store cannot be written (locked by another ingest, disk error); an
/// input that cannot be read is reported in its [`FileReport::error`] and the others are still
/// ingested.
pub fn ingest_paths(
    store: &CaseStore,
    paths: &[PathBuf],
    opts: &IngestOptions,
) -> Result<IngestReport> {
    // Take the lock first: a second ingest fails before reading anything.
    let mut upserter = store.upserter()?;
    let batches: Vec<Result<Batch>> = paths.par_iter().map(|p| read_path(p, &opts.read)).collect();

    let mut report = IngestReport::default();
    let total_cases: usize = batches
        .iter()
        .filter_map(|b| b.as_ref().ok())
        .map(|b| b.cases.len())
        .sum();
    let bar = progress_bar(
        opts.progress && total_cases > PROGRESS_MIN_CASES,
        total_cases,
    );

    for (path, batch) in paths.iter().zip(batches) {
        let mut file = FileReport {
            file: path.display().to_string(),
            ..FileReport::default()
        };
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                file.error = Some(format!("{e:#}"));
                report.failed += 1;
                report.files.push(file);
                continue;
            }
        };
        file.read = batch.read;
        file.cases = batch.cases.len();
        file.rejected = batch.rejects.len();
        file.duplicate_ids = batch.duplicate_ids;
        file.duplicate_rows = batch.duplicate_rows;
        file.encoding = batch.encoding;
        file.warnings = batch.warnings;
        report.text_bytes += batch.cases.iter().map(text_bytes).sum::<u64>();
        report.rejects.extend(batch.rejects);

        let mut summary = UpsertSummary::default();
        let mut cases = batch.cases.into_iter();
        loop {
            let step: Vec<Case> = cases.by_ref().take(STEP).collect();
            if step.is_empty() {
                break;
            }
            let n = step.len();
            summary += upserter.upsert(step, |changed| {
                if opts.tag {
                    crate::tag::tag_cases(changed);
                }
            })?;
            if upserter.uncommitted() >= opts.commit_every {
                upserter.commit()?;
            }
            bar.inc(n as u64);
        }
        file.added = summary.added;
        file.updated = summary.updated;
        file.unchanged = summary.unchanged;
        report.files.push(file);
    }
    bar.finish_and_clear();
    upserter.finish()?;

    for f in &report.files {
        report.read += f.read;
        report.added += f.added;
        report.updated += f.updated;
        report.unchanged += f.unchanged;
        report.rejected += f.rejected;
        report.duplicate_ids += f.duplicate_ids.len();
        report.duplicate_rows += f.duplicate_rows;
    }
    report.stored = store.len();
    Ok(report)
}

/// Upserts cases already in memory (generated or replicated corpora, benches), tagging the
/// new and changed ones, with a commit every `commit_every` cases.
pub fn ingest_cases(
    store: &CaseStore,
    cases: impl IntoIterator<Item = Case>,
    commit_every: usize,
    tag: bool,
) -> Result<UpsertSummary> {
    let mut upserter = store.upserter()?;
    let mut summary = UpsertSummary::default();
    let mut cases = cases.into_iter();
    loop {
        let step: Vec<Case> = cases.by_ref().take(STEP).collect();
        if step.is_empty() {
            break;
        }
        summary += upserter.upsert(step, |changed| {
            if tag {
                crate::tag::tag_cases(changed);
            }
        })?;
        if upserter.uncommitted() >= commit_every {
            upserter.commit()?;
        }
    }
    upserter.finish()?;
    Ok(summary)
}

/// Bytes of the text a case carries into the index (title, narrative, reply).
pub fn text_bytes(case: &Case) -> u64 {
    (case.title.as_ref().map_or(0, String::len)
        + case.narrative.len()
        + case.reply.as_ref().map_or(0, String::len)) as u64
}

fn progress_bar(show: bool, total: usize) -> ProgressBar {
    if !show || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} ingest [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} cases (eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
