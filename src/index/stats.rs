//! Counts of stored cases by month, kind, department, status, record type and tagged category
//! and topic, read from the store's fast fields (one pass over each segment's columns, no
//! stored document is loaded).

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use serde::Serialize;
use tantivy::SegmentReader;

use super::CaseStore;

/// A value and how many stored cases have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameCount {
    pub name: String,
    pub count: u64,
}

/// Counts of the stored cases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Stored cases.
    pub total: u64,
    /// By month of `received_at` (`YYYY-MM`), in calendar order.
    pub by_month: BTreeMap<String, u64>,
    /// Cases without a date.
    pub no_month: u64,
    /// By 诉求类型, most frequent first.
    pub by_kind: Vec<NameCount>,
    pub no_kind: u64,
    /// By 承办单位, most frequent first.
    pub by_department: Vec<NameCount>,
    pub no_department: u64,
    /// By 办理状态, most frequent first.
    pub by_status: Vec<NameCount>,
    pub no_status: u64,
    /// By record type (`work_order`, `report_case`, `report_hotspot`).
    pub by_record: Vec<NameCount>,
    /// By tagged 一级分类, most frequent first.
    pub by_category: Vec<NameCount>,
    /// By tagged hotspot topic, most frequent first.
    pub by_topic: Vec<NameCount>,
    /// Cases not tagged yet.
    pub untagged: u64,
}

impl CaseStore {
    /// Counts the stored cases (as of the reader's last reload) by month, kind, department,
    /// status, record type, category and topic.
    pub fn stats(&self) -> Result<Stats> {
        let searcher = self.reader().searcher();
        let mut stats = Stats {
            total: searcher.num_docs(),
            ..Stats::default()
        };
        let mut month = Tally::default();
        let mut kind = Tally::default();
        let mut department = Tally::default();
        let mut status = Tally::default();
        let mut record = Tally::default();
        let mut category = Tally::default();
        let mut topic = Tally::default();
        for segment in searcher.segment_readers() {
            month.count(segment, "month")?;
            kind.count(segment, "kind")?;
            department.count(segment, "department")?;
            status.count(segment, "status")?;
            record.count(segment, "record")?;
            category.count(segment, "category")?;
            topic.count(segment, "topic")?;
        }
        stats.no_month = stats.total.saturating_sub(month.seen);
        stats.by_month = month.counts.into_iter().collect();
        stats.no_kind = stats.total.saturating_sub(kind.seen);
        stats.by_kind = kind.ranked();
        stats.no_department = stats.total.saturating_sub(department.seen);
        stats.by_department = department.ranked();
        stats.no_status = stats.total.saturating_sub(status.seen);
        stats.by_status = status.ranked();
        stats.by_record = record.ranked();
        stats.untagged = stats.total.saturating_sub(category.seen);
        stats.by_category = category.ranked();
        stats.by_topic = topic.ranked();
        Ok(stats)
    }
}

/// Value counts of one keyword field across segments.
#[derive(Default)]
struct Tally {
    counts: HashMap<String, u64>,
    /// Cases that have a value.
    seen: u64,
}

impl Tally {
    /// Adds the alive documents of `segment`: counts per term ordinal, then one dictionary
    /// lookup per distinct value.
    fn count(&mut self, segment: &SegmentReader, field: &str) -> Result<()> {
        let Some(col) = segment.fast_fields().str(field)? else {
            return Ok(());
        };
        let mut per_ord = vec![0u64; col.num_terms()];
        for doc in segment.doc_ids_alive() {
            let mut any = false;
            for ord in col.term_ords(doc) {
                per_ord[ord as usize] += 1;
                any = true;
            }
            if any {
                self.seen += 1;
            }
        }
        let mut name = String::new();
        for (ord, n) in per_ord.into_iter().enumerate() {
            if n > 0 && col.ord_to_str(ord as u64, &mut name)? {
                *self.counts.entry(name.clone()).or_default() += n;
            }
        }
        Ok(())
    }

    /// Most frequent first, ties by name.
    fn ranked(self) -> Vec<NameCount> {
        let mut v: Vec<NameCount> = self
            .counts
            .into_iter()
            .map(|(name, count)| NameCount { name, count })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        v
    }
}
