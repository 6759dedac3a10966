//! `hotline demo`: builds a fresh case store from corpus/ in a temporary directory and walks
//! through what hotline does with it: ingest, statistics, search, similar cases, tagging,
//! the month's hotspots, and the monthly report (Markdown and HTML) for the corpus's most
//! recent month with enough work orders.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::hotspots::{find_hotspots, HotspotParams};
use crate::index::CaseStore;
use crate::model::{Case, RecordType};
use crate::pipeline::{ingest_paths, IngestOptions};
use crate::report::{self, Format, ReportOptions, YearMonth};
use crate::search::similar::similar_to_text;
use crate::search::{search, SearchRequest};
use crate::tag::tag_text;

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The corpus directory (default: corpus/ of this project).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Where to write the index and the report files (default: a new temporary directory,
    /// kept after the run so the files can be opened).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// The most recent month with at least `min` dated work orders (else the most recent at all).
pub fn latest_month(cases: &[Case], min: usize) -> Option<YearMonth> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for c in cases.iter().filter(|c| c.record == RecordType::WorkOrder) {
        if let Some(at) = c.received_at {
            *counts.entry(at.format("%Y-%m").to_string()).or_default() += 1;
        }
    }
    let pick = counts
        .iter()
        .rev()
        .find(|(_, n)| **n >= min)
        .or_else(|| counts.iter().next_back())
        .map(|(m, _)| m.clone())?;
    YearMonth::parse(&pick).ok()
}

fn section(title: &str) {
    println!("\n━━ {title} ━━");
}

pub fn run(args: DemoArgs) -> Result<ExitCode> {
    let corpus = args
        .corpus
        .unwrap_or_else(|| crate::testdata::project_dir().join("corpus"));
    let (files, _) = crate::ingest::input_files(std::slice::from_ref(&corpus))?;
    if files.is_empty() {
        bail!("no input files in {}", corpus.display());
    }
    let out = match args.out {
        Some(dir) => dir,
        None => tempfile::Builder::new()
            .prefix("hotline-demo-")
            .tempdir()?
            .keep(),
    };
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let index_dir = out.join("index");

    section(&format!(
        "1. 导入 ingest: {} 个文件 → {}",
        files.len(),
        index_dir.display()
    ));
    let store = CaseStore::open(&index_dir)?;
    let ingested = ingest_paths(&store, &files, &IngestOptions::default())?;
    for f in &ingested.files {
        println!(
            "  {:<44} 读取 {:>4}  新增 {:>4}  拒收 {:>2}",
            Path::new(&f.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            f.read,
            f.added,
            f.rejected
        );
    }
    println!(
        "  合计: read {}, added {}, updated {}, unchanged {}, rejected {}; 库中 {} 件",
        ingested.read,
        ingested.added,
        ingested.updated,
        ingested.unchanged,
        ingested.rejected,
        ingested.stored
    );
    let cases = store.all_cases()?;
    let docs = cases
        .iter()
        .filter(|c| c.record != RecordType::WorkOrder)
        .count();
    println!(
        "  其中工单 {} 件，报告中的案例与热点段落 {} 条",
        cases.len() - docs,
        docs
    );

    section("2. 检索 search: 停水");
    let mut req = SearchRequest::new("停水");
    req.limit = 3;
    let found = search(&store, &req)?;
    println!("  共 {} 件", found.total_hits);
    for h in &found.hits {
        println!(
            "  [{}] {} {}",
            h.id,
            h.department.as_deref().unwrap_or("-"),
            h.snippet_marked
        );
    }

    let complaint = "我家小区附近的路灯已经坏了半个月，晚上一片漆黑，希望尽快维修";
    section(&format!("3. 相似案例 similar: {complaint}"));
    for s in similar_to_text(&store, complaint, 3)? {
        println!(
            "  [{}] {} {}",
            s.id,
            s.department.as_deref().unwrap_or("-"),
            s.narrative_excerpt
        );
        if let Some(r) = &s.reply_excerpt {
            println!("      处理结果：{r}");
        }
    }

    let new_case = "S41省道新江镇路段山体塌方，树木倒在路上，车辆无法通行";
    section(&format!("4. 自动分类 tag: {new_case}"));
    let tags = tag_text(new_case);
    println!(
        "  一级分类 {}（{:.2}），热点主题 {}（{:.2}），紧急 {}",
        tags.category,
        tags.category_confidence,
        tags.topic,
        tags.topic_confidence,
        if tags.urgent { "是" } else { "否" }
    );
    let depts: Vec<&str> = tags
        .department_suggestions
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    println!("  建议承办单位：{}", depts.join("、"));
    println!("  依据：{}", tags.evidence.join("、"));

    let Some(month) = latest_month(&cases, 50) else {
        println!("\n(no dated work orders in the corpus: no monthly report)");
        return Ok(ExitCode::SUCCESS);
    };
    let month_cases: Vec<Case> = cases
        .iter()
        .filter(|c| c.received_at.map(|t| t.format("%Y-%m").to_string()) == Some(month.to_string()))
        .cloned()
        .collect();

    section(&format!(
        "5. 热点 hotspots: {month}，{} 件",
        month_cases.len()
    ));
    let hotspots = find_hotspots(
        &month_cases,
        &HotspotParams {
            top: 5,
            ..HotspotParams::default()
        },
    );
    for h in &hotspots {
        println!(
            "  {:>2}. {}（{} 件，热度 {:.1}）",
            h.rank, h.label, h.case_count, h.heat
        );
    }

    section(&format!("6. 月报 report: {month}"));
    let opts = ReportOptions::default();
    let built = report::build_month(&cases, month, &opts);
    let md = out.join(format!("report-{month}.md"));
    let html = out.join(format!("report-{month}.html"));
    std::fs::write(&md, report::render(&built, Format::Markdown)?)?;
    std::fs::write(&html, report::render(&built, Format::Html)?)?;
    let text = std::fs::read_to_string(&md)?;
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(14) {
        println!("  {line}");
    }
    println!("  ...");
    println!(
        "\n报告已写入 / report written to:\n  {}\n  {}",
        md.display(),
        html.display()
    );
    println!("案件库 / case store: {}", index_dir.display());
    Ok(ExitCode::SUCCESS)
}
