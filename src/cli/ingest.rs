//! `hotline ingest PATH...`: reads exports and report documents into the case store.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;
use crate::index::CaseStore;
use crate::ingest::{input_files, ReadOptions};
use crate::pipeline::{
    ingest_paths, FileReport, IngestOptions, IngestReport, DEFAULT_COMMIT_EVERY,
};

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
    /// Show, per column, the field it maps to, why (列名 / 内容 / --map) and three sample values;
    /// ingest nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not retrain the store's department model after adding cases with departments.
    #[arg(long)]
    pub no_train: bool,
}

pub fn run(args: IngestArgs) -> Result<ExitCode> {
    let map = ReadOptions::parse_map(&args.map)?;
    if args.dry_run {
        return dry_run(&args, map);
    }
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
    for a in report.files.iter().flat_map(|f| &f.alerts) {
        eprintln!("hotline: {a}");
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

/// `row 7` / `line 7` / `element 7` as the Chinese summary says it.
fn zh_locator(loc: &str) -> String {
    match loc.split_once(' ') {
        Some(("row" | "line", n)) => format!("第 {n} 行"),
        Some(("element", n)) => format!("第 {n} 个元素"),
        _ => loc.to_string(),
    }
}

/// The duplicate ids of a file with the row kept for each (the last), a few of them.
fn duplicates(f: &FileReport) -> String {
    let mut kept: Vec<String> = f
        .duplicate_ids
        .iter()
        .zip(&f.duplicate_kept)
        .take(SHOWN_REJECTS)
        .map(|(id, loc)| format!("{id} 保留{}", zh_locator(loc)))
        .collect();
    if f.duplicate_ids.len() > SHOWN_REJECTS {
        kept.push(format!("等 {} 个", f.duplicate_ids.len()));
    }
    format!(
        "，重复编号 {} 个（丢弃 {} 行，保留每个编号的最后一行：{}）",
        f.duplicate_ids.len(),
        f.duplicate_rows,
        kept.join("，")
    )
}

/// The columns of a file that no field reads, with sample values (and the field their content
/// looks like, when another column already fills it).
fn unmapped(f: &FileReport) -> Option<String> {
    let cols: Vec<String> = f
        .columns
        .iter()
        .filter(|c| c.field.is_none() && !c.samples.is_empty())
        .map(|c| {
            let mut s = format!("{}（{}", c.header, c.samples.join("、"));
            if let Some(l) = c.looks_like {
                s.push_str(&format!("；像 {l}，已由另一列填写"));
            }
            s.push('）');
            s
        })
        .collect();
    (!cols.is_empty()).then(|| format!("  未读取的列：{}\n", cols.join("；")))
}

/// The summary as a person reads it.
fn human(r: &IngestReport, index: &str) -> String {
    let mut out = String::new();
    for f in &r.files {
        match &f.error {
            Some(e) => out.push_str(&format!("{}：未能读取（NOT READ）：{e}\n", f.file)),
            None => {
                out.push_str(&format!(
                    "{}：读取 {} 行，新增 {}，更新 {}，未变 {}，拒绝 {}",
                    f.file, f.read, f.added, f.updated, f.unchanged, f.rejected
                ));
                if !f.duplicate_ids.is_empty() {
                    out.push_str(&duplicates(f));
                }
                out.push('\n');
                if let Some(u) = unmapped(f) {
                    out.push_str(&u);
                }
                for a in &f.alerts {
                    out.push_str(&format!("  {a}\n"));
                }
                for w in &f.warnings {
                    out.push_str(&format!("  提示：{w}\n"));
                }
            }
        }
    }
    out.push_str(&format!(
        "合计：读取 {} 行，新增 {}，更新 {}，未变 {}，拒绝 {}",
        r.read, r.added, r.updated, r.unchanged, r.rejected
    ));
    if r.duplicate_ids > 0 {
        out.push_str(&format!(
            "，重复编号 {} 个（丢弃 {} 行）",
            r.duplicate_ids, r.duplicate_rows
        ));
    }
    if r.failed > 0 {
        out.push_str(&format!("，{} 个文件未能读取", r.failed));
    }
    out.push('\n');
    if !r.rejects.is_empty() {
        out.push_str("被拒绝的行：\n");
        for j in r.rejects.iter().take(SHOWN_REJECTS) {
            out.push_str(&format!("  {j}\n"));
        }
        if r.rejects.len() > SHOWN_REJECTS {
            out.push_str(&format!(
                "  ……另有 {} 行（--json 列出全部）\n",
                r.rejects.len() - SHOWN_REJECTS
            ));
        }
    }
    out.push_str(&format!("案件库 {index}：{} 件案件\n", r.stored));
    out
}

/// `--dry-run` / `hotline inspect`: reads each file and shows how its columns map, storing
/// nothing.
fn dry_run(args: &IngestArgs, map: Vec<(String, String)>) -> Result<ExitCode> {
    let read = ReadOptions {
        map,
        sheet: args.sheet.clone(),
    };
    let (files, _) = input_files(&args.paths)?;
    let mut out = String::new();
    let mut json = Vec::new();
    let mut failed = false;
    for path in &files {
        let name = path.display().to_string();
        let batch = match crate::ingest::read_path(path, &read) {
            Ok(b) => b,
            Err(e) => {
                failed = true;
                out.push_str(&format!("{name}：未能读取：{e:#}\n"));
                continue;
            }
        };
        if args.json {
            json.push(serde_json::json!({
                "file": name,
                "encoding": batch.encoding,
                "read": batch.read,
                "cases": batch.cases.len(),
                "rejected": batch.rejects.len(),
                "columns": batch.columns,
                "alerts": batch.alerts,
                "warnings": batch.warnings,
            }));
            continue;
        }
        out.push_str(&inspect_text(&name, &batch));
    }
    if args.json {
        emit(&format!("{}\n", serde_json::to_string_pretty(&json)?))?;
    } else {
        out.push_str("（试读，未导入任何案件）\n");
        emit(&out)?;
    }
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// One file of the dry run: its columns with field, why and samples, then its warnings.
fn inspect_text(name: &str, b: &crate::ingest::Batch) -> String {
    let mut out = format!(
        "{name}{}：读取 {} 行，可导入 {} 件，拒绝 {} 行\n",
        b.encoding
            .as_deref()
            .map(|e| format!("（{e}）"))
            .unwrap_or_default(),
        b.read,
        b.cases.len(),
        b.rejects.len()
    );
    for c in &b.columns {
        let (field, why) = match (c.field, c.why) {
            (Some(f), Some(w)) => (f.to_string(), w.as_str().to_string()),
            (Some(f), None) => (f.to_string(), String::new()),
            (None, _) => (
                "（不读取）".to_string(),
                match c.looks_like {
                    Some(l) => format!("像 {l}"),
                    None => String::new(),
                },
            ),
        };
        out.push_str(&format!(
            "  {} → {field}  [{why}]  样例：{}\n",
            c.header,
            c.samples.join(" | ")
        ));
    }
    for a in &b.alerts {
        out.push_str(&format!("  {a}\n"));
    }
    for w in &b.warnings {
        out.push_str(&format!("  提示：{w}\n"));
    }
    for j in b.rejects.iter().take(SHOWN_REJECTS) {
        out.push_str(&format!("  拒绝：{j}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Reject;

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
        assert!(text.contains("……另有 3 行"));
        assert!(text.contains("案件库 idx：2 件案件"));
    }
}
