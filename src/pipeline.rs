//! The ingest run behind `hotline ingest`: reads every input (in parallel), tags the new and
//! changed cases, and upserts them into the case store by id with a commit every
//! [`IngestOptions::commit_every`] cases, so a run killed at any moment loses at most the open
//! chunk and a rerun completes it without duplicates. New and changed cases are tagged with the
//! store's own department model when it has one; an ingest that stores cases with departments
//! then retrains that model ([`crate::tag::route::train_store`]).

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::Serialize;

use crate::index::{CaseStore, CaseTokens, UpsertSummary, Upserter};
use crate::ingest::{read_path, Batch, ReadOptions, Reject};
use crate::model::Case;
use crate::tag::Tagger;

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
    /// Retrain the store's department model when cases with departments were added or changed.
    pub train: bool,
}

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            read: ReadOptions::default(),
            commit_every: DEFAULT_COMMIT_EVERY,
            tag: true,
            progress: false,
            train: true,
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
    /// Where the kept row of each duplicate id is (`row 7`), in the order of `duplicate_ids`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub duplicate_kept: Vec<String>,
    /// The columns and the fields they fill (tabular inputs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<crate::ingest::infer::ColumnInfo>,
    /// Loud warnings: no date or no department column, with the `--map` that fixes it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<String>,
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
    /// The store's department model, retrained after this run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<crate::tag::route::StoreTraining>,
    /// Why retraining the department model failed (the cases are stored all the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_error: Option<String>,
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
    ingest_paths_observed(store, paths, opts, |_| {})
}

/// How far an ingest run is (for a progress display other than the terminal's bar).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct IngestProgress {
    /// Inputs read so far (all are read before any case is stored).
    pub files_read: usize,
    pub files: usize,
    /// Cases stored (tagged and written) so far, of `total_cases`.
    pub cases_done: usize,
    pub total_cases: usize,
}

/// [`ingest_paths`], telling `progress` when the inputs are read and after every step of
/// stored cases.
pub fn ingest_paths_observed(
    store: &CaseStore,
    paths: &[PathBuf],
    opts: &IngestOptions,
    mut progress: impl FnMut(IngestProgress),
) -> Result<IngestReport> {
    // Take the lock first: a second ingest fails before reading anything.
    let mut upserter = store.upserter()?;
    let own = if opts.tag {
        crate::tag::store_tagger(store)?
    } else {
        None
    };
    let tagger = opts
        .tag
        .then(|| own.as_ref().unwrap_or_else(|| crate::tag::tagger()));
    let mut departments_changed = false;
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
    let mut seen = IngestProgress {
        files_read: paths.len(),
        files: paths.len(),
        cases_done: 0,
        total_cases,
    };
    progress(seen);

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
        file.duplicate_kept = batch.duplicate_kept;
        file.columns = batch.columns;
        file.alerts = batch.alerts;
        report.text_bytes += batch.cases.iter().map(text_bytes).sum::<u64>();
        let with_departments = batch.cases.iter().any(|c| c.department.is_some());
        report.rejects.extend(batch.rejects);

        let summary = upsert_steps(&mut upserter, batch.cases, opts.commit_every, tagger, |n| {
            bar.inc(n as u64);
            seen.cases_done += n;
            progress(seen);
        })?;
        departments_changed |= with_departments && summary.added + summary.updated > 0;
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
    if opts.train && departments_changed && store.dir().is_some() {
        match crate::tag::route::train_store(store) {
            Ok(t) => report.route = t,
            Err(e) => report.route_error = Some(format!("{e:#}")),
        }
    }
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
    let own = if tag {
        crate::tag::store_tagger(store)?
    } else {
        None
    };
    let tagger = tag.then(|| own.as_ref().unwrap_or_else(|| crate::tag::tagger()));
    let summary = upsert_steps(&mut upserter, cases, commit_every, tagger, |_| {})?;
    upserter.finish()?;
    Ok(summary)
}

/// Upserts `cases` in steps of [`STEP`], tagging the new and changed ones with `tagger`, with a
/// commit whenever `commit_every` cases are uncommitted; `on_step` is told how many cases
/// each step took.
fn upsert_steps(
    upserter: &mut Upserter<'_>,
    cases: impl IntoIterator<Item = Case>,
    commit_every: usize,
    tagger: Option<&Tagger>,
    mut on_step: impl FnMut(usize),
) -> Result<UpsertSummary> {
    let mut summary = UpsertSummary::default();
    let mut cases = cases.into_iter();
    loop {
        let step: Vec<Case> = cases.by_ref().take(STEP).collect();
        if step.is_empty() {
            break;
        }
        let n = step.len();
        summary += upserter.upsert(step, |case, tokens| {
            if let Some(t) = tagger {
                tag_case_with(t, case, tokens);
            }
        })?;
        if upserter.uncommitted() >= commit_every {
            upserter.commit()?;
        }
        on_step(n);
    }
    Ok(summary)
}

/// Tags `case` from the words of its index tokens (one segmentation for both); a text with
/// full-width letters or digits, which the index segments as a half-width copy, is segmented
/// again by the tagger as it was written, so the tags are always those of [`Tagger::tag`].
///
pub fn tag_case(case: &mut Case, tokens: &CaseTokens) {
    tag_case_with(crate::tag::tagger(), case, tokens);
}

/// [`tag_case`] with the models of `t`.
pub fn tag_case_with(t: &Tagger, case: &mut Case, tokens: &CaseTokens) {
    let title = case.title.as_deref().unwrap_or("");
    let body = case.narrative.as_str();
    let title_words = tokens.title.as_ref().and_then(|tt| tt.words(title));
    let body_words = tokens.narrative.as_ref().and_then(|bt| bt.words(body));
    let tags = match (title_words, body_words) {
        (tw, Some(bw)) if tw.is_some() || title.is_empty() => {
            t.tag_tokens(title, body, tw.into_iter().flatten(), bw)
        }
        _ => t.tag(title, body),
    };
    case.tags = Some(tags);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::{read_path, ReadOptions};

    /// Tags from the shared index tokens are those the tagger makes segmenting on its own.
    fn assert_same_tags(case: &Case) {
        let mut shared = case.clone();
        tag_case(&mut shared, &CaseTokens::of(case));
        let own = crate::tag::tagger().tag(case.title.as_deref().unwrap_or(""), &case.narrative);
        assert_eq!(shared.tags.as_ref(), Some(&own), "{}", case.id);
    }

    #[test]
    fn tags_from_shared_tokens_are_the_tagger_s_own() {
        for (title, body) in [
            (
                None,
                "官渡镇至龙仙镇方向路灯不亮，住建管理局未处理12345工单",
            ),
            (Some(""), "小区停水三天，希望相关部门尽快处理"),
            (Some("路灯不亮"), "路灯不亮，晚上出行不便"),
            (Some("拖欠工资"), "某公司拖欠农民工工资三个月，请求帮助"),
            (Some("标题\r"), "正文：煤气泄漏，有人晕倒"),
            (Some("ＡＢＣ小区停水"), "已经停水三天"),
            (Some("停水"), "ＡＢＣ小区已经停水三天"),
            (Some("WES-5.4.5 版本"), "A市 İstanbul 12345热线 Water OFF!"),
        ] {
            let mut c = Case::new("t", body);
            c.title = title.map(str::to_string);
            assert_same_tags(&c);
        }
    }

    #[test]
    fn tags_from_shared_tokens_on_the_shared_datasets() {
        let Some(shared) = crate::testdata::shared_dir() else {
            println!("skipped: needs ../shared/datasets (or $HOTLINE_SHARED)");
            return;
        };
        let mut n = 0;
        for f in [
            "tipdm2020c/hotspot_messages.csv",
            "shangluo_mailbox/mails.csv",
        ] {
            let batch =
                read_path(&shared.join("datasets").join(f), &ReadOptions::default()).expect("read");
            // every 4th case keeps the debug test short
            for case in batch.cases.iter().step_by(4) {
                assert_same_tags(case);
                n += 1;
            }
        }
        assert!(n > 1000, "{n}");
    }
}
