//! The case store: every [`Case`] in a tantivy index, upserted by id.
//!
//! Each case is stored whole (as JSON) beside indexed text fields (title, narrative, reply,
//! segmented with [`tokenizer::ZhTokenizer`]) and fast fields for the filters the search,
//! hotspot and report stages need (date, month, kind, department, town, status, category,
//! topic). A commit is atomic: a process killed mid-ingest leaves the last commit intact.

pub mod tokenizer;

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use tantivy::collector::DocSetCollector;
use tantivy::directory::MmapDirectory;
use tantivy::query::{AllQuery, TermQuery};
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING,
};
use tantivy::{DateTime, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::model::Case;
use tokenizer::{ZhTokenizer, ZH_TOKENIZER};

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 128 * 1024 * 1024;

/// The schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub narrative: Field,
    pub reply: Field,
    pub received_at: Field,
    pub month: Field,
    pub kind: Field,
    pub department: Field,
    pub town: Field,
    pub status: Field,
    pub record: Field,
    pub category: Field,
    pub topic: Field,
    pub likes: Field,
    pub hash: Field,
    pub json: Field,
}

/// Builds the schema and returns it with its fields.
pub fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let zh = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ZH_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let keyword = STRING | STORED | FAST;
    let fields = Fields {
        id: b.add_text_field("id", keyword.clone()),
        title: b.add_text_field("title", zh.clone()),
        narrative: b.add_text_field("narrative", zh.clone()),
        reply: b.add_text_field("reply", zh),
        received_at: b.add_date_field(
            "received_at",
            DateOptions::default()
                .set_indexed()
                .set_fast()
                .set_stored()
                .set_precision(DateTimePrecision::Seconds),
        ),
        month: b.add_text_field("month", keyword.clone()),
        kind: b.add_text_field("kind", keyword.clone()),
        department: b.add_text_field("department", keyword.clone()),
        town: b.add_text_field("town", keyword.clone()),
        status: b.add_text_field("status", keyword.clone()),
        record: b.add_text_field("record", keyword.clone()),
        category: b.add_text_field("category", keyword.clone()),
        topic: b.add_text_field("topic", keyword),
        likes: b.add_u64_field(
            "likes",
            NumericOptions::default()
                .set_fast()
                .set_stored()
                .set_indexed(),
        ),
        hash: b.add_text_field("hash", STRING | STORED),
        json: b.add_text_field("json", STORED),
    };
    (b.build(), fields)
}

/// What an upsert did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct UpsertSummary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// A tantivy index of cases.
pub struct CaseStore {
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl CaseStore {
    /// Opens the store in `dir`, creating it (and the directory) if needed.
    pub fn open(dir: &Path) -> Result<CaseStore> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create index directory {}", dir.display()))?;
        let (schema, _) = schema();
        let mmap = MmapDirectory::open(dir)
            .with_context(|| format!("cannot open index directory {}", dir.display()))?;
        let index = Index::open_or_create(mmap, schema)
            .with_context(|| format!("cannot open the case index in {}", dir.display()))?;
        CaseStore::from_index(index)
    }

    /// A store in memory (tests, one-off evaluations).
    pub fn in_memory() -> Result<CaseStore> {
        let (schema, _) = schema();
        CaseStore::from_index(Index::create_in_ram(schema))
    }

    fn from_index(index: Index) -> Result<CaseStore> {
        index.tokenizers().register(ZH_TOKENIZER, ZhTokenizer);
        let (_, fields) = schema();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(CaseStore {
            index,
            reader,
            fields,
        })
    }

    /// The tantivy index (for the search stage).
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The reader; call [`CaseStore::reload`] after another process committed.
    pub fn reader(&self) -> &IndexReader {
        &self.reader
    }

    /// The schema's fields.
    pub fn fields(&self) -> Fields {
        self.fields
    }

    /// Sees the latest commit.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload()?;
        Ok(())
    }

    /// Number of stored cases.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// True when the store holds no case.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A writer for a batch of upserts (holds the index lock until dropped).
    pub fn writer(&self) -> Result<IndexWriter> {
        self.index
            .writer(WRITER_MEMORY)
            .context("cannot lock the case index for writing (is another ingest running?)")
    }

    /// Adds or replaces `cases` by id and commits once. A case whose content hash is already
    /// stored under its id counts as unchanged and is not rewritten.
    pub fn upsert(&self, cases: &[Case]) -> Result<UpsertSummary> {
        let mut writer = self.writer()?;
        let summary = self.upsert_with(&mut writer, cases)?;
        writer.commit()?;
        self.reload()?;
        Ok(summary)
    }

    /// As [`CaseStore::upsert`] without committing: the caller commits `writer`.
    /// Ids repeated inside `cases` count once (the last one wins).
    pub fn upsert_with(&self, writer: &mut IndexWriter, cases: &[Case]) -> Result<UpsertSummary> {
        let mut last: HashMap<&str, &Case> = HashMap::new();
        let mut order = Vec::new();
        for c in cases {
            if last.insert(c.id.as_str(), c).is_none() {
                order.push(c.id.as_str());
            }
        }
        let stored = self.stored_hashes(&order)?;
        let mut summary = UpsertSummary::default();
        for id in order {
            let case = last[id];
            let hash = case.content_hash();
            match stored.get(id) {
                Some(h) if *h == hash => {
                    summary.unchanged += 1;
                    continue;
                }
                Some(_) => summary.updated += 1,
                None => summary.added += 1,
            }
            writer.delete_term(Term::from_field_text(self.fields.id, id));
            writer.add_document(self.to_doc(case, &hash)?)?;
        }
        Ok(summary)
    }

    /// The content hashes stored for these ids.
    fn stored_hashes(&self, ids: &[&str]) -> Result<HashMap<String, String>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for id in ids {
            let q = TermQuery::new(
                Term::from_field_text(self.fields.id, id),
                IndexRecordOption::Basic,
            );
            let hits = searcher.search(&q, &DocSetCollector)?;
            if let Some(addr) = hits.into_iter().next() {
                let doc: TantivyDocument = searcher.doc(addr)?;
                if let Some(h) = doc.get_first(self.fields.hash).and_then(|v| v.as_str()) {
                    out.insert(id.to_string(), h.to_string());
                }
            }
        }
        Ok(out)
    }

    /// The tantivy document for a case.
    pub fn to_doc(&self, case: &Case, hash: &str) -> Result<TantivyDocument> {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &case.id);
        if let Some(t) = &case.title {
            doc.add_text(f.title, t);
        }
        doc.add_text(f.narrative, &case.narrative);
        if let Some(r) = &case.reply {
            doc.add_text(f.reply, r);
        }
        if let Some(at) = case.received_at {
            doc.add_date(f.received_at, to_tantivy_date(at));
            doc.add_text(f.month, at.format("%Y-%m").to_string());
        }
        if let Some(k) = case.kind {
            doc.add_text(f.kind, k.as_str());
        }
        if let Some(d) = &case.department {
            doc.add_text(f.department, d);
        }
        if let Some(t) = &case.town {
            doc.add_text(f.town, t);
        }
        if let Some(s) = case.status {
            doc.add_text(f.status, s.as_str());
        }
        doc.add_text(f.record, record_name(case));
        if let Some(tags) = &case.tags {
            doc.add_text(f.category, &tags.category);
            doc.add_text(f.topic, &tags.topic);
        }
        doc.add_u64(f.likes, case.likes.unwrap_or(0) as u64);
        doc.add_text(f.hash, hash);
        doc.add_text(f.json, serde_json::to_string(case)?);
        Ok(doc)
    }

    /// The case stored in a document.
    pub fn case_from_doc(&self, doc: &TantivyDocument) -> Result<Case> {
        let json = doc
            .get_first(self.fields.json)
            .and_then(|v| v.as_str())
            .context("stored document has no case JSON")?;
        Ok(serde_json::from_str(json)?)
    }

    /// The stored case with this id.
    pub fn get(&self, id: &str) -> Result<Option<Case>> {
        let searcher = self.reader.searcher();
        let q = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        match searcher.search(&q, &DocSetCollector)?.into_iter().next() {
            Some(addr) => Ok(Some(self.case_from_doc(&searcher.doc(addr)?)?)),
            None => Ok(None),
        }
    }

    /// Every stored case, sorted by id.
    pub fn all_cases(&self) -> Result<Vec<Case>> {
        let searcher = self.reader.searcher();
        let addrs = searcher.search(&AllQuery, &DocSetCollector)?;
        let mut cases = addrs
            .into_iter()
            .map(|a| self.case_from_doc(&searcher.doc(a)?))
            .collect::<Result<Vec<_>>>()?;
        cases.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(cases)
    }
}

fn record_name(case: &Case) -> &'static str {
    match case.record {
        crate::model::RecordType::WorkOrder => "work_order",
        crate::model::RecordType::ReportCase => "report_case",
        crate::model::RecordType::ReportHotspot => "report_hotspot",
    }
}

/// A naive local time as a tantivy date (the time is taken as-is, stored as if UTC).
pub fn to_tantivy_date(at: NaiveDateTime) -> DateTime {
    DateTime::from_timestamp_secs(at.and_utc().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_is_idempotent() {
        let store = CaseStore::in_memory().unwrap();
        let mut a = Case::new("1", "官渡镇路灯不亮");
        let b = Case::new("2", "县城停水");
        let s = store.upsert(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(s.added, 2);
        let s = store.upsert(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(s.unchanged, 2);
        a.narrative.push_str("，至今未修");
        let s = store.upsert(&[a.clone()]).unwrap();
        assert_eq!(s.updated, 1);
        assert_eq!(store.len(), 2);
        assert_eq!(store.get("1").unwrap().unwrap().narrative, a.narrative);
    }
}
