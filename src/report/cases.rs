//! Section builder for 三、应急处置与典型案例: the month's urgent cases (the urgency tags, or a
//! report document's 应急处置 section), similar ones folded together, and typical cases with a
//! full handling record (a reply and a handling unit), chosen for variety: one per leading
//! topic first, then dissimilar others.

use std::collections::HashSet;

use crate::model::{Case, RecordType, Satisfaction};

use super::hot::HotSection;
use super::month::MonthCases;
use super::{
    bigrams, case_topic, document_order, is_typical_section, is_urgent, pick_distinct, rep_key,
    similarity, Bigrams, CaseSummary, ReportOptions, SAME_THING,
};

/// 三、应急处置与典型案例.
pub struct CaseSection {
    pub urgent_cases: Vec<CaseSummary>,
    pub typical_cases: Vec<CaseSummary>,
}

/// Builds 三 from the month's cases (`hot` names the leading topics typical cases cover).
pub fn cases(m: &MonthCases, opts: &ReportOptions, hot: &HotSection) -> CaseSection {
    let mut urgent: Vec<&Case> = m
        .narratives
        .iter()
        .copied()
        .filter(|c| is_urgent(c))
        .collect();
    urgent.sort_by(|a, b| {
        a.received_at
            .cmp(&b.received_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    let urgent_ids: HashSet<&str> = urgent.iter().map(|c| c.id.as_str()).collect();
    let urgent_cases: Vec<CaseSummary> = pick_distinct(&urgent, opts.max_urgent)
        .into_iter()
        .map(|(c, n)| CaseSummary {
            similar_cases: n,
            ..CaseSummary::of(c)
        })
        .collect();
    let typical = typical(m, opts, hot, &urgent_ids);
    CaseSection {
        urgent_cases,
        typical_cases: typical.iter().map(|c| CaseSummary::of(c)).collect(),
    }
}

/// How well a case was received on its return visit: 满意 first, 不满意 last.
fn handled(c: &Case) -> u8 {
    match c.satisfaction {
        Some(Satisfaction::Satisfied) => 0,
        Some(Satisfaction::BasicallySatisfied) => 1,
        None | Some(Satisfaction::Unrated) => 2,
        Some(Satisfaction::Dissatisfied) => 3,
    }
}

/// The typical cases: a report document's 典型案例 in document order, then work orders with a
/// full handling record.
fn typical<'a>(
    m: &MonthCases<'a>,
    opts: &ReportOptions,
    hot: &HotSection,
    urgent_ids: &HashSet<&str>,
) -> Vec<&'a Case> {
    let mut typical: Vec<&Case> = m
        .narratives
        .iter()
        .copied()
        .filter(|c| is_typical_section(c) && !urgent_ids.contains(c.id.as_str()))
        .collect();
    typical.sort_by(|a, b| document_order(a).cmp(&document_order(b)));
    typical.truncate(opts.max_typical);
    if typical.len() >= opts.max_typical {
        return typical;
    }
    let mut seen: HashSet<&str> = typical.iter().map(|c| c.id.as_str()).collect();
    // A full handling record: who handled it and what they answered.
    let full_record = |c: &&Case| {
        c.record == RecordType::WorkOrder
            && c.reply.as_deref().is_some_and(|r| !r.trim().is_empty())
            && c.department
                .as_deref()
                .is_some_and(|d| !d.trim().is_empty())
            && !urgent_ids.contains(c.id.as_str())
    };
    let mut pool: Vec<&Case> = m.orders.iter().copied().filter(full_record).collect();
    pool.sort_by_cached_key(|c| (handled(c), rep_key(c)));
    // One per leading topic first, each from a different department.
    let mut departments: HashSet<&str> = HashSet::new();
    for t in &hot.hotspot_topics {
        if typical.len() >= opts.max_typical {
            break;
        }
        if let Some(c) = pool.iter().find(|c| {
            case_topic(c) == Some(t.id.as_str())
                && !seen.contains(c.id.as_str())
                && !departments.contains(c.department.as_deref().unwrap_or(""))
        }) {
            seen.insert(c.id.as_str());
            departments.insert(c.department.as_deref().unwrap_or(""));
            typical.push(c);
        }
    }
    let mut grams: Vec<Bigrams> = typical.iter().map(|c| bigrams(&c.narrative)).collect();
    for c in pool.iter().take(2000) {
        if typical.len() >= opts.max_typical {
            break;
        }
        if seen.contains(c.id.as_str()) {
            continue;
        }
        let g = bigrams(&c.narrative);
        if grams.iter().all(|p| similarity(p, &g) < SAME_THING) {
            seen.insert(c.id.as_str());
            typical.push(c);
            grams.push(g);
        }
    }
    typical
}
