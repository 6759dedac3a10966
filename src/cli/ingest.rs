//! `hotline ingest PATH...`: reads exports and report documents into the case store.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;
use crate::index::CaseStore;
use crate::ingest::{input_files, ReadOptions};
use crate::pipeline::{ingest_paths, IngestOptions, IngestReport, DEFAULT_COMMIT_EVERY};

/// Rejected rows printed in the human summary before `... and N more`.
const SHOWN_REJECTS: usize = 5;

#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Files to ingest (csv, xlsx, jsonl, or report documents: txt, md), or directories: their
    /// input files at any depth.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub index: IndexArgs,
    /// Map a field to a column header, overriding the automatic mapping: `--map narrative=内容`.
    #[arg(long = "map", value_name = "FIELD=列名")]
    pub map: Vec<String>,
    /// The xlsx sheet to read (default: the first).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Print the summary as JSON, with the list of rejected rows.
    #[arg(long)]
    pub json: bool,
    /// Commit after this many new or changed cases (a killed run loses at most that many).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_COMMIT_EVERY, hide = true)]
    pub commit_every: usize,
    /// Store cases without tagging them (tests and baselines; `hotline retag` tags later).
    #[arg(long, hide = true)]
    pub no_tag: bool,
    /// Do not retrain the store's department model after adding cases with departments.
    #[arg(long)]
    pub no_train: bool,
}

pub fn run(args: IngestArgs) -> Result<ExitCode> {
    let map = ReadOptions::parse_map(&args.map)?;
    let store = CaseStore::open(&args.index.index)?;
    let opts = IngestOptions {
        read: ReadOptions {
            map,
            sheet: args.sheet.clone(),
        },
        commit_every: args.commit_every.max(1),
        tag: !args.no_tag,
        progress: !args.json,
        train: !args.no_train,
    };
    let (files, skipped) = input_files(&args.paths)?;
    if !skipped.is_empty() {
        let names: Vec<String> = skipped.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "hotline: not read ({} file(s) in the given directories that are not csv, tsv, xlsx, jsonl, txt or md): {}",
            skipped.len(),
            names.join(", ")
        );
    }
    if files.is_empty() {
        anyhow::bail!(
            "no input files in {}",
            args.paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let before = store.len();
    let report = match ingest_paths(&store, &files, &opts) {
        Ok(r) => r,
        Err(e) if crate::index::is_disk_full(&e, &args.index.index) => {
            drop(store);
            return Err(disk_full(&args.index.index, before, &e));
        }
        Err(e) => return Err(e),
    };
    if args.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
    } else {
        emit(&human(&report, &args.index.index.display().to_string()))?;
    }
    for f in report.files.iter().filter(|f| f.error.is_some()) {
        eprintln!(
            "hotline: error: {}",
            f.error.as_deref().unwrap_or("cannot read")
        );
    }
    Ok(if report.failed > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// The error of an ingest stopped by a full disk: what the store still holds (its last
/// commit, read again from the directory) and how to finish.
fn disk_full(dir: &std::path::Path, before: u64, e: &anyhow::Error) -> anyhow::Error {
    let held = CaseStore::open_existing(dir).map(|s| s.len());
    let state = match held {
        Ok(n) => format!(
            "案件库仍是上一次提交的状态：{n} 件案件（本次运行已提交 {} 件）",
            n.saturating_sub(before)
        ),
        Err(_) => "案件库无法读取".to_string(),
    };
    anyhow::anyhow!(
        "磁盘已满（{}）：本次导入没有全部提交。{state}；腾出空间后重新运行同一命令即可补齐（已提交的案件不会重复导入）。（{e:#}）",
        dir.display()
    )
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

/// The summary as a person reads it.
fn human(r: &IngestReport, index: &str) -> String {
    let mut out = String::new();
    for f in &r.files {
        match &f.error {
            Some(e) => out.push_str(&format!("{}: NOT READ: {e}\n", f.file)),
            None => {
                out.push_str(&format!(
                    "{}: read {}, added {}, updated {}, unchanged {}, rejected {}",
                    f.file, f.read, f.added, f.updated, f.unchanged, f.rejected
                ));
                if !f.duplicate_ids.is_empty() {
                    out.push_str(&format!(
                        ", duplicate ids {} ({} rows dropped)",
                        f.duplicate_ids.len(),
                        f.duplicate_rows
                    ));
                }
                out.push('\n');
                for w in &f.warnings {
                    out.push_str(&format!("  warning: {w}\n"));
                }
            }
        }
    }
    out.push_str(&format!(
        "total: read {}, added {}, updated {}, unchanged {}, rejected {}",
        r.read, r.added, r.updated, r.unchanged, r.rejected
    ));
    if r.duplicate_ids > 0 {
        out.push_str(&format!(
            ", duplicate ids {} ({} rows dropped)",
            r.duplicate_ids, r.duplicate_rows
        ));
    }
    if r.failed > 0 {
        out.push_str(&format!(", {} input(s) not read", r.failed));
    }
    out.push('\n');
    if !r.rejects.is_empty() {
        out.push_str("rejected rows:\n");
        for j in r.rejects.iter().take(SHOWN_REJECTS) {
            out.push_str(&format!("  {j}\n"));
        }
        if r.rejects.len() > SHOWN_REJECTS {
            out.push_str(&format!(
                "  ... and {} more (--json lists them all)\n",
                r.rejects.len() - SHOWN_REJECTS
            ));
        }
    }
    out.push_str(&format!("index {index}: {} cases\n", r.stored));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Reject;
    use crate::pipeline::FileReport;

    #[test]
    fn human_summary_lists_a_few_rejects_then_the_rest_as_a_count() {
        let rejects: Vec<Reject> = (0..8)
            .map(|i| Reject {
                file: "a.csv".into(),
                row: i + 2,
                field: "narrative".into(),
                reason: "empty".into(),
            })
            .collect();
        let r = IngestReport {
            read: 10,
            added: 2,
            rejected: 8,
            rejects,
            stored: 2,
            files: vec![FileReport {
                file: "a.csv".into(),
                read: 10,
                cases: 2,
                added: 2,
                rejected: 8,
                ..FileReport::default()
            }],
            ..IngestReport::default()
        };
        let text = human(&r, "idx");
        assert!(text.contains("a.csv row 2, narrative: empty"));
        assert!(text.contains("... and 3 more"));
        assert!(text.contains("index idx: 2 cases"));
    }
}
