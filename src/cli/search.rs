//! `hotline search`, `hotline similar` and `hotline eval similar`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// What an analyst types: words, "quoted phrases", -excluded, OR.
    pub query: Vec<String>,
    #[command(flatten)]
    pub index: IndexArgs,
    /// Received on or after this date (YYYY-MM-DD).
    #[arg(long)]
    pub from: Option<String>,
    /// Received on or before this date (YYYY-MM-DD).
    #[arg(long)]
    pub to: Option<String>,
    /// 诉求类型 (投诉, 建议, 咨询 ...).
    #[arg(long)]
    pub kind: Option<String>,
    /// 承办单位.
    #[arg(long)]
    pub dept: Option<String>,
    /// Town (镇 / 乡 / 街道).
    #[arg(long)]
    pub town: Option<String>,
    /// Topic id from topics.md.
    #[arg(long)]
    pub topic: Option<String>,
    /// relevance or date.
    #[arg(long, default_value = "relevance")]
    pub sort: String,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    #[arg(long, default_value_t = 0)]
    pub offset: usize,
    /// Do not expand the query with models/synonyms.txt.
    #[arg(long)]
    pub no_synonyms: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct SimilarArgs {
    /// A new complaint's text (or use --id).
    pub text: Vec<String>,
    /// A stored case's id.
    #[arg(long)]
    pub id: Option<String>,
    #[command(flatten)]
    pub index: IndexArgs,
    #[arg(long, default_value_t = 5)]
    pub limit: usize,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct EvalSimilarArgs {
    /// A labelled csv (e.g. tipdm2020c/labeled_raw.csv).
    #[arg(long)]
    pub data: PathBuf,
}

pub fn run(_args: SearchArgs) -> Result<ExitCode> {
    anyhow::bail!("search: not implemented yet")
}

pub fn run_similar(_args: SimilarArgs) -> Result<ExitCode> {
    anyhow::bail!("similar: not implemented yet")
}

pub fn run_eval_similar(_args: EvalSimilarArgs) -> Result<ExitCode> {
    anyhow::bail!("eval similar: not implemented yet")
}
