//! `hotline segment TEXT`: shows the tokens the pipeline sees.

use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use crate::text::segmenter;

#[derive(Args, Debug)]
pub struct SegmentArgs {
    /// The text to segment.
    #[arg(required = true)]
    pub text: Vec<String>,
    /// Drop stopwords (the tokens the tagger and clustering read).
    #[arg(long)]
    pub terms: bool,
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: SegmentArgs) -> Result<ExitCode> {
    let text = args.text.join(" ");
    let seg = segmenter();
    let tokens = if args.terms {
        seg.terms(&text)
    } else {
        seg.tokens(&text)
    };
    if args.json {
        println!("{}", serde_json::to_string(&tokens)?);
    } else {
        println!("{}", tokens.join(" / "));
    }
    Ok(ExitCode::SUCCESS)
}
