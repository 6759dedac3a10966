//! SVG charts for the HTML report, drawn with plotters' SVG backend: work orders by kind and by
//! satisfaction (donuts with a legend), per department and per hotspot topic (horizontal bars)
//! and per day (a line). Text is emitted as SVG `<text>` in a generic font family; the HTML
//! page's CSS picks the Chinese fonts.

use anyhow::{anyhow, Result};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::outline::ChartKind;
use super::{fmt_pct, pct, MonthlyReport};
use crate::model::Kind;

/// Font family written into the SVG; the page's CSS overrides it with CJK fonts.
const FONT: &str = "sans-serif";
/// plotters-svg divides font sizes by 1.24; this gives about 14px text.
const TEXT: f64 = 17.5;
const SMALL: f64 = 15.0;

/// A muted palette that prints well.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x2f, 0x5d, 0x9e),
    RGBColor(0xd9, 0x6c, 0x2c),
    RGBColor(0x3b, 0x8e, 0x5a),
    RGBColor(0xb8, 0x3b, 0x3b),
    RGBColor(0x7b, 0x5e, 0xa7),
    RGBColor(0xc9, 0xa2, 0x27),
    RGBColor(0x6b, 0x7b, 0x8c),
    RGBColor(0x2a, 0x9d, 0x9d),
];
const SATISFIED: RGBColor = RGBColor(0x3b, 0x8e, 0x5a);
const BASICALLY: RGBColor = RGBColor(0x2f, 0x5d, 0x9e);
const DISSATISFIED: RGBColor = RGBColor(0xb8, 0x3b, 0x3b);
const UNRATED: RGBColor = RGBColor(0x9a, 0xa5, 0xb1);
const BAR: RGBColor = RGBColor(0x2f, 0x5d, 0x9e);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("chart drawing failed: {e:?}")
}

/// The SVG for one chart, or `None` when the report has nothing to draw for it.
pub fn chart(report: &MonthlyReport, kind: ChartKind) -> Result<Option<String>> {
    match kind {
        ChartKind::Kinds => {
            // Each kind keeps its colour whichever kinds the month has.
            let items: Vec<(String, usize, RGBColor)> = Kind::ALL
                .iter()
                .map(|k| (k.as_str().to_string(), report.by_kind.get(*k)))
                .chain(std::iter::once(("未注明".to_string(), report.unknown_kind)))
                .enumerate()
                .map(|(i, (k, n))| (k, n, PALETTE[i % PALETTE.len()]))
                .filter(|(_, n, _)| *n > 0)
                .collect();
            donut("工单性质分布", &items)
        }
        ChartKind::Satisfaction => {
            let s = &report.satisfaction;
            // Colours that read right: 满意 green, 基本满意 blue, 不满意 red, 未评价 grey.
            let items: Vec<(String, usize, RGBColor)> = [
                ("满意", s.satisfied, SATISFIED),
                ("基本满意", s.basically_satisfied, BASICALLY),
                ("不满意", s.dissatisfied, DISSATISFIED),
                ("未评价", s.unrated, UNRATED),
            ]
            .into_iter()
            .filter(|(_, n, _)| *n > 0)
            .map(|(k, n, c)| (k.to_string(), n, c))
            .collect();
            donut("回访满意度分布", &items)
        }
        ChartKind::Departments => {
            let items: Vec<(String, usize)> = report
                .top_departments
                .iter()
                .take(15)
                .map(|d| (d.name.clone(), d.count))
                .collect();
            hbar("承办工单量前列的单位（件）", &items)
        }
        ChartKind::Topics => {
            let items: Vec<(String, usize)> = report
                .hotspot_topics
                .iter()
                .map(|t| (t.name.clone(), t.count))
                .collect();
            hbar("热点问题类别（件）", &items)
        }
        ChartKind::Daily => daily(report),
    }
}

/// A donut with a legend of `name  n件  share`, each item in its colour.
fn donut(title: &str, items: &[(String, usize, RGBColor)]) -> Result<Option<String>> {
    let total: usize = items.iter().map(|(_, n, _)| n).sum();
    if total == 0 {
        return Ok(None);
    }
    let (w, h) = (640u32, 300u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        root.draw(&Text::new(
            title.to_string(),
            (16, 12),
            (FONT, TEXT).into_font().style(FontStyle::Bold).color(&INK),
        ))
        .map_err(err)?;
        let center = (160, 165);
        let radius = 110.0;
        let sizes: Vec<f64> = items.iter().map(|(_, n, _)| *n as f64).collect();
        let colors: Vec<RGBColor> = items.iter().map(|(_, _, c)| *c).collect();
        let labels: Vec<String> = vec![String::new(); items.len()];
        let mut pie = Pie::new(&center, &radius, &sizes, &colors, &labels);
        pie.start_angle(-90.0);
        pie.donut_hole(58.0);
        root.draw(&pie).map_err(err)?;
        root.draw(&Text::new(
            format!("{total}件"),
            (center.0, center.1),
            (FONT, TEXT)
                .into_font()
                .style(FontStyle::Bold)
                .color(&INK)
                .pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(err)?;
        let line = 28;
        let top = 165 - (items.len() as i32 * line) / 2;
        for (i, (name, n, _)) in items.iter().enumerate() {
            let y = top + i as i32 * line;
            root.draw(&Rectangle::new(
                [(320, y + 4), (336, y + 20)],
                colors[i].filled(),
            ))
            .map_err(err)?;
            root.draw(&Text::new(
                format!("{name}  {n}件  {}", fmt_pct(pct(*n, total).unwrap_or(0.0))),
                (346, y + 4),
                (FONT, TEXT).into_font().color(&INK),
            ))
            .map_err(err)?;
        }
        root.present().map_err(err)?;
    }
    Ok(Some(svg))
}

/// Horizontal bars, largest on top, with the count at the end of each bar.
pub fn hbar(title: &str, items: &[(String, usize)]) -> Result<Option<String>> {
    if items.is_empty() {
        return Ok(None);
    }
    let n = items.len();
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(1).max(1);
    let longest = items
        .iter()
        .map(|(s, _)| s.chars().count())
        .max()
        .unwrap_or(4) as u32;
    let (w, h) = (760u32, 70 + 30 * n as u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let x_max = (max as f64 * 1.15).ceil() + 1.0;
        // A discrete usize range is inclusive: 0..n-1 gives exactly n rows.
        let rows = (0usize..n - 1).into_segmented();
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, TEXT).into_font().style(FontStyle::Bold))
            .margin(12)
            .x_label_area_size(24)
            .y_label_area_size(20 + 15 * longest.min(14))
            .build_cartesian_2d(0f64..x_max, rows)
            .map_err(err)?;
        let names: Vec<String> = items.iter().map(|(s, _)| s.clone()).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .y_labels(n)
            .y_label_style((FONT, SMALL).into_font().color(&INK))
            .x_label_style((FONT, SMALL).into_font().color(&INK))
            .y_label_formatter(&|v: &SegmentValue<usize>| match v {
                SegmentValue::CenterOf(i) if *i < n => names[n - 1 - *i].clone(),
                _ => String::new(),
            })
            .x_label_formatter(&|v: &f64| format!("{v:.0}"))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                let row = n - 1 - i;
                let mut r = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(row)),
                        (*v as f64, SegmentValue::Exact(row + 1)),
                    ],
                    BAR.filled(),
                );
                r.set_margin(5, 5, 0, 0);
                r
            }))
            .map_err(err)?;
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                let row = n - 1 - i;
                Text::new(
                    v.to_string(),
                    (*v as f64 + x_max * 0.008, SegmentValue::CenterOf(row)),
                    (FONT, SMALL)
                        .into_font()
                        .color(&INK)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(Some(svg))
}

/// Work orders per day.
fn daily(report: &MonthlyReport) -> Result<Option<String>> {
    if !report.daily.iter().any(|d| d.count > 0) {
        return Ok(None);
    }
    let days = report.daily.len() as u32;
    let max = report
        .daily
        .iter()
        .map(|d| d.count)
        .max()
        .unwrap_or(1)
        .max(1);
    let (w, h) = (760u32, 300u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let y_max = (max as f64 * 1.2).ceil() as usize + 1;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{}月每日受理工单量（件）", report.month_number),
                (FONT, TEXT).into_font().style(FontStyle::Bold),
            )
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(44)
            .build_cartesian_2d(1u32..days, 0usize..y_max)
            .map_err(err)?;
        chart
            .configure_mesh()
            .light_line_style(WHITE)
            .bold_line_style(GRID)
            .x_labels(days.div_ceil(2) as usize)
            .x_label_formatter(&|d: &u32| format!("{d}日"))
            .y_label_formatter(&|v: &usize| v.to_string())
            .x_label_style((FONT, SMALL).into_font().color(&INK))
            .y_label_style((FONT, SMALL).into_font().color(&INK))
            .draw()
            .map_err(err)?;
        let points: Vec<(u32, usize)> = report.daily.iter().map(|d| (d.day, d.count)).collect();
        chart
            .draw_series(LineSeries::new(points.clone(), BAR.stroke_width(2)))
            .map_err(err)?;
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, 3, BAR.filled())))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(Some(svg))
}
