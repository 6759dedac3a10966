//! The report as Markdown: the outline's blocks, the annex as a pipe table (charts are left to
//! the HTML report).

use super::outline::{outline, Block, Table};
use super::MonthlyReport;

/// Case-derived text made inert for a Markdown renderer: no raw HTML (`<script>`,
/// `<img onerror=…>`), no links or images (`[点我](javascript:…)`, `![x](http://…)`), no code
/// spans, and no `javascript:` scheme a renderer could autolink. Markdown punctuation is
/// backslash-escaped (it renders as itself); angle brackets become entities.
pub fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if rest.len() >= 11 && rest.as_bytes()[..11].eq_ignore_ascii_case(b"javascript:") {
            out.push_str(&rest[..10]);
            out.push_str("\\:");
            rest = &rest[11..];
            continue;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '[' | ']' | '(' | ')' | '!' | '`' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn cell(s: &str) -> String {
    inert(s).replace('|', "\\|").replace('\n', " ")
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
            Block::Title(t) => out.push_str(&format!("# {}\n\n", inert(&t))),
            Block::Subtitle(t) => out.push_str(&format!("{}\n\n", inert(&t))),
            Block::Heading1(t) => out.push_str(&format!("## {}\n\n", inert(&t))),
            Block::Heading2(t) => out.push_str(&format!("### {}\n\n", inert(&t))),
            Block::Para(t) => out.push_str(&format!("{}\n\n", inert(&t))),
            Block::Item(t) => out.push_str(&format!("- {}\n", inert(&t))),
            Block::Note(t) => out.push_str(&format!("> {}\n\n", inert(&t))),
            Block::Sign(t) => out.push_str(&format!("{}\n\n", inert(&t))),
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

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn html_links_and_images_are_inert() {
        assert_eq!(
            inert("<script>alert(1)</script>"),
            "&lt;script&gt;alert\\(1\\)&lt;/script&gt;"
        );
        assert_eq!(
            inert("[点我](JavaScript:x)"),
            "\\[点我\\]\\(JavaScript\\:x\\)"
        );
        assert_eq!(
            inert("![x](http://e.cn/a.png)"),
            "\\!\\[x\\]\\(http://e.cn/a.png\\)"
        );
        assert_eq!(inert("路灯不亮（已报修）"), "路灯不亮（已报修）");
    }
}
