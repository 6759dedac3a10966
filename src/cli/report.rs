//! `hotline report --month YYYY-MM`: the monthly report.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub index: IndexArgs,
    /// YYYY-MM.
    #[arg(long)]
    pub month: String,
    /// md, html, json, docx or xlsx.
    #[arg(long, default_value = "md")]
    pub format: String,
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 单位名称 for the heading.
    #[arg(long)]
    pub title: Option<String>,
}

pub fn run(_args: ReportArgs) -> Result<ExitCode> {
    anyhow::bail!("report: not implemented yet")
}
