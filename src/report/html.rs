//! The report as one self-contained HTML page: the outline's blocks, inline SVG charts from
//! [`super::charts`], the annex table, and CSS whose font stacks name the common Chinese fonts
//! (Noto CJK, Source Han, Microsoft YaHei, SimSun, PingFang), so it reads offline anywhere.

use anyhow::Result;

use super::charts;
use super::outline::{outline, Block, Table};
use super::MonthlyReport;

/// Escapes text for HTML (the one escaper, shared with search snippets).
pub use crate::search::snippet::html_escape as escape;

const CSS: &str = r#"
:root { --ink: #222; --muted: #666; --rule: #c8c8c8; --accent: #b22222; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f4f1; color: var(--ink);
  font-family: "Noto Serif CJK SC", "Source Han Serif SC", "Songti SC", "SimSun", "宋体",
    "Noto Sans CJK SC", serif;
  font-size: 16px; line-height: 1.9; }
main { max-width: 980px; margin: 24px auto; background: #fff; padding: 48px 64px 64px;
  box-shadow: 0 1px 4px rgba(0,0,0,.12); }
h1, h2, h3, .subtitle, table, figure, .note, svg text {
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
    "微软雅黑", "SimHei", "黑体", sans-serif; }
h1 { font-size: 26px; line-height: 1.5; text-align: center; color: var(--accent);
  margin: 0 0 6px; font-weight: 700; }
.subtitle { text-align: center; color: var(--muted); margin: 0 0 28px; font-size: 15px; }
h2 { font-size: 20px; margin: 32px 0 10px; padding-bottom: 4px;
  border-bottom: 2px solid var(--accent); }
h3 { font-size: 17px; margin: 20px 0 6px; }
p { margin: 6px 0; text-indent: 2em; text-align: justify; }
ul { margin: 6px 0 10px; padding-left: 2.2em; }
li { margin: 4px 0; text-align: justify; }
.note { color: var(--muted); font-size: 13px; text-indent: 0; }
.sign { text-align: right; text-indent: 0; }
figure { margin: 14px 0 18px; text-align: center; }
figure svg { max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; line-height: 1.5;
  margin: 10px 0; }
th, td { border: 1px solid var(--rule); padding: 4px 6px; }
th { background: #eef1f5; font-weight: 700; text-align: center; }
td { text-align: right; font-variant-numeric: tabular-nums; }
td:first-child { text-align: left; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafafa; }
tr.total td { font-weight: 700; background: #eef1f5; border-top: 2px solid #888; }
@media print {
  body { background: #fff; }
  main { box-shadow: none; margin: 0; padding: 0 8mm; max-width: none; }
  h2 { break-after: avoid; }
  figure, tr { break-inside: avoid; }
}
"#;

fn table(t: &Table, out: &mut String) {
    out.push_str("<div class=\"table-wrap\"><table>\n<thead>\n");
    if t.groups.iter().any(|(g, _)| !g.is_empty()) {
        // Group header: columns without a group span both header rows.
        out.push_str("<tr>");
        let mut col = 0;
        for (g, span) in &t.groups {
            if g.is_empty() {
                for h in &t.header[col..col + span] {
                    out.push_str(&format!("<th rowspan=\"2\">{}</th>", escape(h)));
                }
            } else {
                out.push_str(&format!("<th colspan=\"{span}\">{}</th>", escape(g)));
            }
            col += span;
        }
        out.push_str("</tr>\n<tr>");
        let mut col = 0;
        for (g, span) in &t.groups {
            if !g.is_empty() {
                for h in &t.header[col..col + span] {
                    out.push_str(&format!("<th>{}</th>", escape(h)));
                }
            }
            col += span;
        }
        out.push_str("</tr>\n");
    } else {
        out.push_str("<tr>");
        for h in &t.header {
            out.push_str(&format!("<th>{}</th>", escape(h)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</thead>\n<tbody>\n");
    for r in &t.rows {
        out.push_str("<tr>");
        for c in r {
            out.push_str(&format!("<td>{}</td>", escape(c)));
        }
        out.push_str("</tr>\n");
    }
    if let Some(total) = &t.total {
        out.push_str("<tr class=\"total\">");
        for c in total {
            out.push_str(&format!("<td>{}</td>", escape(c)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
}

/// Renders the report as a self-contained HTML page.
pub fn render(report: &MonthlyReport) -> Result<String> {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str(&format!("<title>{}</title>\n", escape(&report.heading)));
    out.push_str(&format!("<style>{CSS}</style>\n</head>\n<body>\n<main>\n"));
    let mut in_list = false;
    for block in outline(report) {
        let is_item = matches!(block, Block::Item(_));
        if is_item && !in_list {
            out.push_str("<ul>\n");
        } else if !is_item && in_list {
            out.push_str("</ul>\n");
        }
        in_list = is_item;
        match block {
            Block::Title(t) => out.push_str(&format!("<h1>{}</h1>\n", escape(&t))),
            Block::Subtitle(t) => {
                out.push_str(&format!("<div class=\"subtitle\">{}</div>\n", escape(&t)))
            }
            Block::Heading1(t) => out.push_str(&format!("<h2>{}</h2>\n", escape(&t))),
            Block::Heading2(t) => out.push_str(&format!("<h3>{}</h3>\n", escape(&t))),
            Block::Para(t) => out.push_str(&format!("<p>{}</p>\n", escape(&t))),
            Block::Item(t) => out.push_str(&format!("<li>{}</li>\n", escape(&t))),
            Block::Note(t) => out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(&t))),
            Block::Sign(t) => out.push_str(&format!("<p class=\"sign\">{}</p>\n", escape(&t))),
            Block::Chart(kind) => {
                if let Some(svg) = charts::chart(report, kind)? {
                    out.push_str("<figure>\n");
                    out.push_str(&svg);
                    out.push_str("\n</figure>\n");
                }
            }
            Block::Table(t) => table(&t, &mut out),
        }
    }
    if in_list {
        out.push_str("</ul>\n");
    }
    out.push_str("</main>\n</body>\n</html>\n");
    Ok(out)
}
