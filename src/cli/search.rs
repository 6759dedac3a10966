//! `hotline search`, `hotline similar`, `hotline eval similar` and `hotline eval recall`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;

use std::fmt::Write as _;

use super::ingest::emit;
use super::IndexArgs;
use crate::index::CaseStore;
use crate::search::query::QueryOptions;
use crate::search::recall::{self, DEFAULT_WORDS};
use crate::search::{self, similar, FilterText, Filters, SearchRequest, SortBy};

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// What an analyst types: words, "quoted phrases", -excluded, OR.
    pub query: Vec<String>,
    #[command(flatten)]
    pub index: IndexArgs,
    /// Received on or after this date (YYYY-MM-DD or YYYY-MM).
    #[arg(long)]
    pub from: Option<String>,
    /// Received on or before this date (YYYY-MM-DD or YYYY-MM, inclusive).
    #[arg(long)]
    pub to: Option<String>,
    /// 诉求类型 (投诉, 建议, 咨询 ...).
    #[arg(long)]
    pub kind: Option<String>,
    /// 承办单位 (or a part of its name).
    #[arg(long)]
    pub dept: Option<String>,
    /// Town (镇 / 乡 / 街道), or a part of its name.
    #[arg(long)]
    pub town: Option<String>,
    /// Topic: its Chinese name (供水) or id (water_supply) from topics.md.
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
    /// Match a dictionary compound (路灯不亮) whole only, not also as its parts near each
    /// other (路灯长期不亮).
    #[arg(long)]
    pub exact_compounds: bool,
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
    /// Measure through the store (BM25 candidates, then cosine and vote) as `hotline
    /// similar` runs, instead of exact nearest neighbours.
    #[arg(long)]
    pub via_store: bool,
}

#[derive(Args, Debug)]
pub struct EvalRecallArgs {
    /// Input files to measure on (read like `hotline ingest`); default: the shared datasets'
    /// hotspot_messages.csv, replies.csv and mails.csv.
    #[arg(long, num_args = 1..)]
    pub data: Vec<PathBuf>,
    /// The shared directory holding datasets/ (default: $HOTLINE_SHARED or ../shared).
    #[arg(long)]
    pub shared: Option<PathBuf>,
    /// Words to measure, comma separated (default: 30 places, problems and agencies).
    #[arg(long, value_delimiter = ',')]
    pub words: Vec<String>,
    /// Measure without synonym expansion.
    #[arg(long)]
    pub no_synonyms: bool,
    /// Show this many missed and wrongly returned cases for the worst words.
    #[arg(long, default_value_t = 3)]
    pub examples: usize,
    #[arg(long)]
    pub json: bool,
    /// Largest gap between the parts of a dictionary compound (路灯不亮 ~ 路灯…不亮).
    #[arg(long, default_value_t = 0)]
    pub parts_slop: u32,
    /// Build the measured index in this directory and keep it (default: in memory).
    #[arg(long)]
    pub keep_index: Option<PathBuf>,
}

fn filters(a: &SearchArgs) -> Result<Filters> {
    Filters::parse(&FilterText {
        from: a.from.clone(),
        to: a.to.clone(),
        kind: a.kind.clone(),
        dept: a.dept.clone(),
        town: a.town.clone(),
        topic: a.topic.clone(),
    })
}

fn open_store(index: &IndexArgs) -> Result<CaseStore> {
    CaseStore::open_existing(&index.index)
}

pub fn run(args: SearchArgs) -> Result<ExitCode> {
    let req = SearchRequest {
        query: args.query.join(" "),
        filters: filters(&args)?,
        sort: SortBy::parse(&args.sort)?,
        limit: args.limit,
        offset: args.offset,
        options: QueryOptions {
            synonyms: !args.no_synonyms,
            compound_slop: if args.exact_compounds {
                None
            } else {
                QueryOptions::default().compound_slop
            },
            ..QueryOptions::default()
        },
    };
    if req.query.trim().is_empty() && req.filters.is_empty() {
        bail!("give a query, a filter (--from --to --kind --dept --town --topic), or both");
    }
    let store = open_store(&args.index)?;
    let res = search::search(&store, &req)?;
    let mut out = String::new();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&res)?)?;
        emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    writeln!(
        out,
        "{} 条结果{}",
        res.total_hits,
        if res.hits.is_empty() {
            String::new()
        } else {
            format!(
                "，显示第 {}-{} 条",
                args.offset + 1,
                args.offset
                    + res
                        .hits
                        .iter()
                        .map(|h| 1 + h.duplicate_ids.len())
                        .sum::<usize>()
            )
        }
    )?;
    for (i, h) in res.hits.iter().enumerate() {
        let title = h
            .title
            .clone()
            .unwrap_or_else(|| h.case.narrative.chars().take(30).collect());
        writeln!(out)?;
        writeln!(out, "{}. [{}] {}", args.offset + i + 1, h.id, title)?;
        if !h.duplicate_ids.is_empty() {
            writeln!(
                out,
                "   另有重复 {} 件：{}",
                h.duplicate_ids.len(),
                h.duplicate_ids.join("、")
            )?;
        }
        let mut meta = Vec::new();
        if h.reply_only {
            meta.push("仅答复匹配".to_string());
        }
        if let Some(d) = &h.received_at {
            meta.push(d.clone());
        }
        if let Some(d) = &h.department {
            meta.push(d.clone());
        }
        if let Some(t) = &h.topic {
            meta.push(format!("主题={}", crate::report::topic_name(t)));
        }
        if req.sort == SortBy::Relevance && !req.query.trim().is_empty() {
            meta.push(format!("score={:.2}", h.score));
        }
        if !meta.is_empty() {
            writeln!(out, "   {}", meta.join(" | "))?;
        }
        writeln!(out, "   {}", h.snippet_marked)?;
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_similar(args: SimilarArgs) -> Result<ExitCode> {
    let store = open_store(&args.index)?;
    let text = args.text.join(" ");
    let res = match (&args.id, text.trim().is_empty()) {
        (Some(id), true) => similar::similar_to_id(&store, id, args.limit)?,
        (None, false) => similar::similar_to_text(&store, &text, args.limit)?,
        (Some(_), false) => bail!("give either --id or a text, not both"),
        (None, true) => bail!("give a case id (--id ID) or a complaint's text"),
    };
    let mut out = String::new();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&res)?)?;
        emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if res.is_empty() {
        writeln!(out, "没有找到相似案例")?;
    }
    for (i, s) in res.iter().enumerate() {
        writeln!(out)?;
        writeln!(
            out,
            "{}. [{}] {}  (相似度 {:.2})",
            i + 1,
            s.id,
            s.title.clone().unwrap_or_default(),
            s.score
        )?;
        let mut meta = Vec::new();
        if let Some(d) = &s.received_at {
            meta.push(d.clone());
        }
        if let Some(d) = &s.department {
            meta.push(format!("承办单位：{d}"));
        } else if let Some(d) = &s.reply_department {
            meta.push(format!("承办单位：{d}（据答复）"));
        }
        if !meta.is_empty() {
            writeln!(out, "   {}", meta.join(" | "))?;
        }
        writeln!(out, "   诉求：{}", s.narrative_excerpt)?;
        match &s.reply_excerpt {
            Some(r) => writeln!(out, "   办理：{r}"),
            None => writeln!(out, "   办理：（无答复记录）"),
        }?;
    }
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_eval_similar(args: EvalSimilarArgs) -> Result<ExitCode> {
    let cases = recall::load_labeled(&args.data)?;
    if cases.is_empty() {
        bail!("{}: no labelled rows", args.data.display());
    }
    let r = if args.via_store {
        similar::evaluate_via_store(&cases, 10)?
    } else {
        similar::evaluate(&cases, 10)?
    };
    println!("messages={}", r.n);
    for (label, p, n) in &r.per_label {
        println!("{label}\tn={n}\tprecision_at_10={p:.4}");
    }
    println!("precision_at_10={:.4}", r.precision_at_10);
    Ok(ExitCode::SUCCESS)
}

pub fn run_eval_recall(args: EvalRecallArgs) -> Result<ExitCode> {
    let cases = if args.data.is_empty() {
        let shared = match args.shared.clone().or_else(crate::testdata::shared_dir) {
            Some(s) => s,
            None => {
                bail!("no shared datasets: pass --data FILE..., --shared DIR or set HOTLINE_SHARED")
            }
        };
        recall::load_shared_cases(&shared)?
    } else {
        let mut all = Vec::new();
        for path in &args.data {
            let batch = crate::ingest::read_path(path, &crate::ingest::ReadOptions::default())?;
            all.extend(batch.cases);
        }
        recall::dedup_by_id(all)
    };
    let store = match &args.keep_index {
        Some(dir) => CaseStore::open(dir)?,
        None => CaseStore::in_memory()?,
    };
    store.upsert(&cases)?;
    let words: Vec<String> = if args.words.is_empty() {
        DEFAULT_WORDS.iter().map(|w| w.to_string()).collect()
    } else {
        args.words.clone()
    };
    let opts = QueryOptions {
        synonyms: !args.no_synonyms,
        parts_slop: args.parts_slop,
        ..QueryOptions::default()
    };
    let rows = recall::measure(&store, &cases, &words, opts)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("cases={}", cases.len());
    println!("word\trelevant\treturned\trecall\tprecision");
    for r in &rows {
        println!(
            "{}\t{}\t{}\t{:.3}\t{:.3}",
            r.word, r.relevant, r.returned, r.recall, r.precision
        );
    }
    let mut worst: Vec<_> = rows.iter().collect();
    worst.sort_by(|a, b| {
        a.recall
            .min(a.precision)
            .total_cmp(&b.recall.min(b.precision))
    });
    println!();
    println!("worst:");
    for r in worst.iter().take(5) {
        println!(
            "  {}\trecall={:.3} precision={:.3}",
            r.word, r.recall, r.precision
        );
        if args.examples > 0 && (r.recall < 1.0 || r.precision < 1.0) {
            let (missed, wrong) = recall::examples(&store, &cases, &r.word, opts, args.examples)?;
            for (id, t) in missed {
                println!("    missed {id}: {t}");
            }
            for (id, t) in wrong {
                println!("    extra  {id}: {t}");
            }
        }
    }
    let n = rows.len().max(1) as f64;
    let mean_r = rows.iter().map(|r| r.recall).sum::<f64>() / n;
    let mean_p = rows.iter().map(|r| r.precision).sum::<f64>() / n;
    let min_r = rows.iter().map(|r| r.recall).fold(1.0, f64::min);
    let min_p = rows.iter().map(|r| r.precision).fold(1.0, f64::min);
    println!();
    let t = recall::pooled(&rows);
    println!("mean_recall={mean_r:.4} mean_precision={mean_p:.4} min_recall={min_r:.4} min_precision={min_p:.4}");
    println!("pooled_recall={:.4} pooled_precision={:.4}", t.0, t.1);
    Ok(ExitCode::SUCCESS)
}
