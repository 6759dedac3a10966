//! `hotline tag`, `train`, `retag`, `eval classify` and `eval route`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use super::IndexArgs;

#[derive(Args, Debug)]
pub struct TagArgs {
    /// The text to tag (or --stdin).
    pub text: Vec<String>,
    /// Read JSONL lines {"id", "text"} from stdin, write one JSON object per line.
    #[arg(long)]
    pub stdin: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct TrainArgs {
    /// Labelled data (csv); repeat for several files.
    #[arg(long, required = true)]
    pub data: Vec<PathBuf>,
    #[arg(long)]
    pub text_col: Option<String>,
    #[arg(long)]
    pub label_col: Option<String>,
    /// Where to write the model (default models/category).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct RetagArgs {
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Args, Debug)]
pub struct EvalClassifyArgs {
    #[arg(long, required = true)]
    pub data: Vec<PathBuf>,
    #[arg(long)]
    pub text_col: Option<String>,
    #[arg(long)]
    pub label_col: Option<String>,
    #[arg(long)]
    pub model: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EvalRouteArgs {
    #[arg(long)]
    pub data: PathBuf,
}

pub fn run(_args: TagArgs) -> Result<ExitCode> {
    anyhow::bail!("tag: not implemented yet")
}
pub fn run_train(_args: TrainArgs) -> Result<ExitCode> {
    anyhow::bail!("train: not implemented yet")
}
pub fn run_retag(_args: RetagArgs) -> Result<ExitCode> {
    anyhow::bail!("retag: not implemented yet")
}
pub fn run_eval_classify(_args: EvalClassifyArgs) -> Result<ExitCode> {
    anyhow::bail!("eval classify: not implemented yet")
}
pub fn run_eval_route(_args: EvalRouteArgs) -> Result<ExitCode> {
    anyhow::bail!("eval route: not implemented yet")
}
