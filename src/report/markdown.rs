//! The report as Markdown: the outline's blocks, the annex as a pipe table (charts are left to
//! the HTML report).

use super::outline::{outline, Block, Table};
use super::MonthlyReport;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn table(t: &Table, out: &mut String) {
    out.push_str(&format!(
        "| {} |\n",
        t.header
            .iter()
            .map(|h| cell(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    out.push_str(&format!(
        "|{}\n",
        t.header
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---|" } else { "---:|" })
            .collect::<String>()
    ));
    for r in &t.rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
        ));
    }
    if let Some(total) = &t.total {
        out.push_str(&format!(
            "| {} |\n",
            total
                .iter()
                .map(|c| if c.is_empty() {
                    String::new()
                } else {
                    format!("**{}**", cell(c))
                })
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
}

/// Renders the report as Markdown.
pub fn render(report: &MonthlyReport) -> String {
    let mut out = String::new();
    let mut in_list = false;
    for block in outline(report) {
        let is_item = matches!(block, Block::Item(_));
        if in_list && !is_item {
            out.push('\n');
        }
        in_list = is_item;
        match block {
            Block::Title(t) => out.push_str(&format!("# {t}\n\n")),
            Block::Subtitle(t) => out.push_str(&format!("{t}\n\n")),
            Block::Heading1(t) => out.push_str(&format!("## {t}\n\n")),
            Block::Heading2(t) => out.push_str(&format!("### {t}\n\n")),
            Block::Para(t) => out.push_str(&format!("{t}\n\n")),
            Block::Item(t) => out.push_str(&format!("- {t}\n")),
            Block::Note(t) => out.push_str(&format!("> {t}\n\n")),
            Block::Chart(_) => {}
            Block::Table(t) => {
                table(&t, &mut out);
                out.push('\n');
            }
        }
    }
    if in_list {
        out.push('\n');
    }
    out
}
