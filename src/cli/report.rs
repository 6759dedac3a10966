//! `hotline report --month YYYY-MM`: the monthly report (md, html, json, docx or xlsx), from the
//! case store or straight from input files (`--input`).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;

use super::IndexArgs;
use crate::index::CaseStore;
use crate::ingest::{read_path, ReadOptions};
use crate::model::Case;
use crate::report::profile::OfficeProfile;
use crate::report::{self, DateBasis, Format, ReportOptions, YearMonth};
use chrono::NaiveDate;

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// YYYY-MM.
    #[arg(long)]
    pub month: String,
    /// md, html, json, docx or xlsx (default: what the --out file's extension names, else md).
    #[arg(long)]
    pub format: Option<String>,
    /// Output file (default: stdout for md and json, `report-YYYY-MM.<ext>` otherwise).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 单位名称 for the heading (a shortcut for the profile's `unit`).
    #[arg(long)]
    pub title: Option<String>,
    /// Office profile (TOML, as models/office.toml): 单位名称, 落款, 抄送, 发, 电话 ...
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Issuing date printed under the 落款, YYYY-MM-DD (default: today).
    #[arg(long)]
    pub date: Option<String>,
    /// Read cases from these files (csv, xlsx, jsonl, report documents) instead of the store.
    #[arg(long)]
    pub input: Vec<PathBuf>,
    /// Count a work order in the month of its 办结时间 instead of its 受理时间.
    #[arg(long)]
    pub by_closed: bool,
    /// How many departments of each type to name (县直单位 / 镇).
    #[arg(long, default_value_t = 3)]
    pub top_departments: usize,
    /// How many concrete hotspots to look for.
    #[arg(long, default_value_t = 10)]
    pub top_hotspots: usize,
}

fn load_cases(args: &ReportArgs) -> Result<Vec<Case>> {
    if args.input.is_empty() {
        if !args.index.index.is_dir() {
            anyhow::bail!(
                "no case store at {}: run `hotline ingest` first, pass --index DIR, or read files with --input",
                args.index.index.display()
            );
        }
        let store = CaseStore::open_existing(&args.index.index)?;
        let loaded =
            report::store::month_cases(&store, YearMonth::parse(&args.month)?, args.by_closed);
        return loaded.with_context(|| {
            format!(
                "cannot read the case store in {}",
                args.index.index.display()
            )
        });
    }
    let mut cases = Vec::new();
    for path in &args.input {
        let batch = read_path(path, &ReadOptions::default())?;
        for r in batch.rejects.iter().take(5) {
            eprintln!("hotline: {r}");
        }
        if batch.rejects.len() > 5 {
            eprintln!(
                "hotline: {}: {} more rows rejected",
                path.display(),
                batch.rejects.len() - 5
            );
        }
        cases.extend(batch.cases);
    }
    let mut cases = merge_by_id(cases);
    crate::tag::tag_cases(&mut cases);
    Ok(cases)
}

/// One case per id, as the store keeps them: a later case (a later row or a later `--input`
/// file) replaces an earlier one with the same id, in the earlier one's place.
fn merge_by_id(cases: Vec<Case>) -> Vec<Case> {
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut merged: Vec<Case> = Vec::with_capacity(cases.len());
    for case in cases {
        match at.get(&case.id) {
            Some(&i) => merged[i] = case,
            None => {
                at.insert(case.id.clone(), merged.len());
                merged.push(case);
            }
        }
    }
    merged
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let month = YearMonth::parse(&args.month)?;
    let protected = crate::outfile::Protected {
        inputs: args.input.clone(),
        dirs: vec![args.index.index.clone()],
    };
    // A target that is an input or inside the store is refused first (and before the cases
    // are read), whatever else is wrong with the arguments.
    if let Some(path) = &args.out {
        crate::outfile::check_target(path, &protected)?;
    }
    let format = output_format(args.format.as_deref(), args.out.as_deref())?;
    let out = match (&args.out, format.is_text() && format != Format::Html) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => None,
        (None, false) => {
            let path = PathBuf::from(format!("report-{month}.{}", format.extension()));
            crate::outfile::check_target(&path, &protected)?;
            Some(path)
        }
    };
    let mut timer = crate::hotspots::StageTimer::new();
    let cases = load_cases(&args)?;
    timer.stage("report: load cases");
    let profile = match &args.profile {
        Some(path) => OfficeProfile::load(path)?,
        None => OfficeProfile::builtin(),
    };
    let issued = match &args.date {
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .with_context(|| format!("--date {d}: expected YYYY-MM-DD"))?,
        None => chrono::Local::now().date_naive(),
    };
    let opts = ReportOptions {
        title: args.title.clone().filter(|t| !t.trim().is_empty()),
        profile,
        issued: Some(issued),
        date_basis: if args.by_closed {
            DateBasis::Closed
        } else {
            DateBasis::Received
        },
        top_departments: args.top_departments,
        top_hotspots: args.top_hotspots,
        ..ReportOptions::default()
    };
    let built = report::build_month(&cases, month, &opts);
    if built.total == 0 && built.topic_basis == 0 {
        eprintln!(
            "hotline: warning: no cases of {month} among {} cases",
            cases.len()
        );
    }
    timer.stage("report: build");
    let bytes = report::render(&built, format)?;
    match out {
        Some(path) => {
            crate::outfile::write(&path, &bytes, &protected)?;
            eprintln!(
                "hotline: wrote {} ({} work orders, {} bytes)",
                path.display(),
                built.total,
                bytes.len()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes)?;
            stdout.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The report's format: `--format` when given, else the one the `--out` file's extension
/// names, else Markdown. A `--format` that contradicts the file's extension is refused: a
/// `report.docx` holding Markdown would not open in Word.
fn output_format(format: Option<&str>, out: Option<&std::path::Path>) -> Result<Format> {
    let named = out.and_then(Format::from_path);
    match (format.map(Format::parse).transpose()?, named) {
        (Some(f), Some(n)) if f != n => anyhow::bail!(
            "--format {} 与输出文件 {} 的扩展名不符：去掉 --format，或把文件名改为 .{}",
            f.extension(),
            out.map(|p| p.display().to_string()).unwrap_or_default(),
            f.extension()
        ),
        (Some(f), _) => Ok(f),
        (None, Some(n)) => Ok(n),
        (None, None) => Ok(Format::Markdown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_out_extension_names_the_format_unless_format_says_otherwise() {
        let f = |fmt: Option<&str>, out: Option<&str>| output_format(fmt, out.map(Path::new));
        assert_eq!(f(None, Some("r.docx")).unwrap(), Format::Docx);
        assert_eq!(f(None, Some("r.XLSX")).unwrap(), Format::Xlsx);
        assert_eq!(f(None, Some("r.txt")).unwrap(), Format::Markdown);
        assert_eq!(f(None, None).unwrap(), Format::Markdown);
        assert_eq!(f(Some("html"), Some("r.htm")).unwrap(), Format::Html);
        assert_eq!(f(Some("json"), Some("out")).unwrap(), Format::Json);
        assert!(f(Some("md"), Some("r.docx")).is_err());
    }
}
