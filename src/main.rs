//! The `hotline` command line: parses arguments and hands them to the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hotline::cli;

/// 12345 hotline work orders: ingest, search, tag, hotspots and the monthly report.
#[derive(Parser)]
#[command(name = "hotline", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest work-order exports (csv, xlsx, jsonl) and report documents into the case store.
    Ingest(cli::ingest::IngestArgs),
    /// Show how each column of an export would be read (`ingest --dry-run`): ingests nothing.
    Inspect(cli::ingest::IngestArgs),
    /// Show how a text is segmented.
    Segment(cli::segment::SegmentArgs),
    /// Counts of stored cases by month, kind and department.
    Stats(cli::stats::StatsArgs),
    /// Search past cases by keyword, with filters.
    Search(cli::search::SearchArgs),
    /// The closest past cases to a case or to a new complaint's text.
    Similar(cli::search::SimilarArgs),
    /// Tag a text (or JSONL on stdin) with category, topic, departments and urgency.
    Tag(cli::tag::TagArgs),
    /// Train a category model from labelled cases.
    Train(cli::tag::TrainArgs),
    /// Re-tag every stored case after a model change.
    Retag(cli::tag::RetagArgs),
    /// Measure classification, routing or similar-case quality on a dataset.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Group a period's cases into concrete hotspots with a heat index.
    Hotspots(cli::hotspots::HotspotsArgs),
    /// Write the monthly report (md, html, json, docx, xlsx).
    Report(cli::report::ReportArgs),
    /// Start the local web workspace (search, tag, upload, hotspots, report) in the browser.
    Serve(cli::serve::ServeArgs),
    /// Build an index from corpus/ in a temporary directory and show what hotline does.
    Demo(cli::demo::DemoArgs),
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Per-class precision, recall, F1 and macro-F1 of the category model.
    Classify(cli::tag::EvalClassifyArgs),
    /// Department suggestion top-1 / top-3 accuracy with a time split.
    Route(cli::tag::EvalRouteArgs),
    /// Precision@10 of similar-case lookup by label.
    Similar(cli::search::EvalSimilarArgs),
    /// Recall and precision of single-word searches against substring search.
    Recall(cli::search::EvalRecallArgs),
    /// Primary-topic accuracy on the hand-labelled check set.
    Topics(cli::tag::EvalTopicsArgs),
    /// Urgency precision and recall on a held-out source of the labelled letters.
    Urgency(cli::urgency::EvalUrgencyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest(a) => cli::ingest::run(a),
        Command::Inspect(mut a) => {
            a.dry_run = true;
            cli::ingest::run(a)
        }
        Command::Segment(a) => cli::segment::run(a),
        Command::Stats(a) => cli::stats::run(a),
        Command::Search(a) => cli::search::run(a),
        Command::Similar(a) => cli::search::run_similar(a),
        Command::Tag(a) => cli::tag::run(a),
        Command::Train(a) => cli::tag::run_train(a),
        Command::Retag(a) => cli::tag::run_retag(a),
        Command::Eval(EvalCommand::Classify(a)) => cli::tag::run_eval_classify(a),
        Command::Eval(EvalCommand::Route(a)) => cli::tag::run_eval_route(a),
        Command::Eval(EvalCommand::Similar(a)) => cli::search::run_eval_similar(a),
        Command::Eval(EvalCommand::Recall(a)) => cli::search::run_eval_recall(a),
        Command::Eval(EvalCommand::Topics(a)) => cli::tag::run_eval_topics(a),
        Command::Eval(EvalCommand::Urgency(a)) => cli::urgency::run_eval(a),
        Command::Hotspots(a) => cli::hotspots::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Demo(a) => cli::demo::run(a),
        Command::Serve(a) => cli::serve::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("hotline: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
