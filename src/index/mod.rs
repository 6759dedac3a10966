//! The case store: every [`Case`] in a tantivy index, upserted by id.
//!
//! Each case is stored whole beside indexed text fields (title, narrative, reply, segmented
//! with [`tokenizer::ZhTokenizer`]) and fast fields for the filters the search, hotspot and
//! report stages need (date, month, kind, department, town, status, record type, category,
//! topic), plus a fast 64-bit content hash that lets an upsert tell unchanged cases from
//! updated ones without loading documents.
//!
//! Writes go through an [`Upserter`], which holds the index lock: it classifies each case
//! against the last commit and its own uncommitted writes, writes only new and changed ones,
//! and commits when asked. A re-ingested case keeps the stored value of every field it leaves
//! empty ([`merge::fill_from_stored`]), so a narrower export never erases what is stored.
//! A tantivy commit is atomic, so a process killed at any moment leaves the store as of its
//! last commit; the stale lock file left behind is an OS lock (`flock`) that died with the
//! process and does not block the next run.

pub mod doc;
pub mod merge;
pub mod stats;
pub mod tokenizer;

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDateTime;
use rayon::prelude::*;
use tantivy::collector::DocSetCollector;
use tantivy::directory::MmapDirectory;
use tantivy::index::SegmentId;
use tantivy::indexer::{LogMergePolicy, MergeCandidate, MergePolicy};
use tantivy::query::{AllQuery, TermQuery};
use tantivy::schema::{
    DateOptions, DateTimePrecision, Document, Field, IndexRecordOption, NumericOptions, Schema,
    TextFieldIndexing, TextOptions, Value, FAST, STORED, STRING,
};
use tantivy::{
    DateTime, DocAddress, DocId, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy,
    SegmentMeta, SegmentReader, TantivyDocument, TantivyError, Term, TERMINATED,
};

use crate::model::Case;
use doc::CaseDoc;
use tokenizer::{IndexedText, TextTokens, ZhTokenizer, ZH_TOKENIZER};

pub use merge::fill_from_stored;
pub use stats::{NameCount, Stats};

/// Memory the index writer may use before it flushes a segment (split over its indexing
/// threads): large enough that a default commit of 20,000 cases fits in one segment per
/// thread, small enough to keep the ingest well under 1 GiB.
const WRITER_MEMORY: usize = 256 * 1024 * 1024;

/// The name of the fast 64-bit content-hash field.
const HASH_FIELD: &str = "hash";

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
    /// The first 64 bits of [`Case::content_hash`] (u64, fast and stored).
    pub hash: Field,
    /// The case as JSON, without title, narrative and reply (those are stored in their own
    /// fields and put back by [`CaseStore::case_from_doc`]).
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
        hash: b.add_u64_field(
            HASH_FIELD,
            NumericOptions::default().set_fast().set_stored(),
        ),
        json: b.add_text_field("json", STORED),
    };
    (b.build(), fields)
}

/// The 64-bit store hash of a [`Case::content_hash`] hex digest.
pub fn hash64(content_hash: &str) -> u64 {
    content_hash
        .get(..16)
        .and_then(|h| u64::from_str_radix(h, 16).ok())
        .unwrap_or_else(|| {
            // Not a hex digest: fold the bytes (FNV-1a) so any string still gets a stable hash.
            content_hash.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            })
        })
}

/// True when `e` comes from a full disk under `dir`: an `ENOSPC` / storage-full I/O error in
/// its chain, or a writer that died (tantivy's "index writer was killed") while the disk has
/// next to no space left.
pub fn is_disk_full(e: &anyhow::Error, dir: &Path) -> bool {
    let enospc = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| {
            io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(28)
        }) || c.to_string().contains("os error 28")
    });
    if enospc {
        return true;
    }
    let killed = e.chain().any(|c| c.to_string().contains("killed"));
    killed && fs2::available_space(dir).is_ok_and(|free| free < 16 << 20)
}

/// What an upsert did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct UpsertSummary {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl std::ops::AddAssign for UpsertSummary {
    fn add_assign(&mut self, o: UpsertSummary) {
        self.added += o.added;
        self.updated += o.updated;
        self.unchanged += o.unchanged;
    }
}

/// A tantivy index of cases.
pub struct CaseStore {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    /// The directory it lives in (none in memory): models learned from the store sit there.
    dir: Option<std::path::PathBuf>,
}

impl CaseStore {
    /// Opens the store in `dir`, creating it (and the directory) if needed.
    pub fn open(dir: &Path) -> Result<CaseStore> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create index directory {}", dir.display()))?;
        let (schema, _) = schema();
        let mmap = MmapDirectory::open(dir)
            .with_context(|| format!("cannot open index directory {}", dir.display()))?;
        let index = Index::open_or_create(mmap, schema).with_context(|| {
            format!(
                "cannot open the case index in {} (not a hotline index, or made by another version?)",
                dir.display()
            )
        })?;
        let mut store = CaseStore::from_index(index)?;
        store.dir = Some(dir.to_path_buf());
        Ok(store)
    }

    /// Opens an existing store in `dir` without creating anything.
    pub fn open_existing(dir: &Path) -> Result<CaseStore> {
        if !dir.join("meta.json").is_file() {
            anyhow::bail!(
                "在 {} 没有案件库（no case index there）：先运行 `hotline ingest FILE... --index {}`，或检查 --index",
                dir.display(),
                dir.display()
            );
        }
        CaseStore::open(dir)
    }

    /// A store in memory (tests, one-off evaluations).
    pub fn in_memory() -> Result<CaseStore> {
        let (schema, _) = schema();
        CaseStore::from_index(Index::create_in_ram(schema))
    }

    fn from_index(index: Index) -> Result<CaseStore> {
        index
            .tokenizers()
            .register(ZH_TOKENIZER, ZhTokenizer::default());
        let (_, fields) = schema();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(CaseStore {
            index,
            reader,
            fields,
            dir: None,
        })
    }

    /// The directory the store lives in (`None` for a store in memory).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
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
        self.writer_of()
    }

    /// [`CaseStore::writer`] for documents of type `D`.
    fn writer_of<D: Document>(&self) -> Result<IndexWriter<D>> {
        let writer = self.index.writer(WRITER_MEMORY).map_err(|e| match e {
            TantivyError::LockFailure(..) => anyhow::anyhow!(
                "cannot lock the case index for writing: another ingest is running? ({e})"
            ),
            e => anyhow::Error::new(e).context("cannot open the case index for writing"),
        })?;
        writer.set_merge_policy(Box::new(BoundedMergePolicy::new(MAX_MERGE_DOCS)));
        Ok(writer)
    }

    /// A write session holding the index lock (see [`Upserter`]). The store's reader is
    /// reloaded once the lock is held, so what is read from the store afterwards is the last
    /// commit, which no other process can change any more until the session ends.
    pub fn upserter(&self) -> Result<Upserter<'_>> {
        let writer = self.writer_of()?;
        self.reload()?;
        Ok(Upserter {
            store: self,
            writer: Some(writer),
            known: None,
            generation: 1,
            uncommitted: 0,
        })
    }

    /// Adds or replaces `cases` by id and commits once. A case whose content hash is already
    /// stored under its id counts as unchanged and is not rewritten.
    pub fn upsert(&self, cases: &[Case]) -> Result<UpsertSummary> {
        let mut up = self.upserter()?;
        let summary = up.upsert(cases.to_vec(), |_, _| {})?;
        up.finish()?;
        Ok(summary)
    }

    /// Writes `cases` whatever is stored (replacing by id), each document segmented by the
    /// index itself (no tokens made beforehand); the caller commits `writer`. Tests compare
    /// what [`Upserter`] writes with it.
    #[cfg(test)]
    fn replace_with(&self, writer: &mut IndexWriter, cases: &[Case]) -> Result<()> {
        for case in cases {
            let hash = hash64(&case.content_hash());
            self.write(writer, case.clone(), hash, true)?;
        }
        Ok(())
    }

    /// Adds `case`, first deleting any case stored or written under its id when `replace`
    /// (a new id needs no delete, which spares tantivy a term query per segment at commit);
    /// not committed.
    #[cfg(test)]
    fn write(&self, writer: &IndexWriter, case: Case, hash: u64, replace: bool) -> Result<()> {
        if replace {
            writer.delete_term(Term::from_field_text(self.fields.id, &case.id));
        }
        writer.add_document(self.into_doc(case, hash)?)?;
        Ok(())
    }

    /// The content hashes stored (in the last commit) for these ids: one term-dictionary
    /// lookup per id and segment, and the hash read from its fast field, so the cost grows
    /// with the batch and the number of segments, not with the size of the store.
    pub fn stored_hashes<'a>(&self, ids: &[&'a str]) -> Result<HashMap<&'a str, u64>> {
        let mut out = HashMap::with_capacity(ids.len());
        let mut hashes = None;
        self.for_each_stored(ids, |id, _, segment, doc| {
            if hashes
                .as_ref()
                .is_none_or(|(s, _)| *s != segment.segment_id())
            {
                let column = segment.fast_fields().u64(HASH_FIELD)?;
                hashes = Some((segment.segment_id(), column));
            }
            if let Some(h) = hashes.as_ref().and_then(|(_, c)| c.first(doc)) {
                out.insert(id, h);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// The cases stored (in the last commit) under these ids, by id: as
    /// [`CaseStore::stored_hashes`], plus a read of each document.
    pub fn stored_cases(&self, ids: &[&str]) -> Result<HashMap<String, Case>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::with_capacity(ids.len());
        self.for_each_stored(ids, |id, segment_ord, _, doc| {
            let doc: TantivyDocument = searcher.doc(DocAddress::new(segment_ord, doc))?;
            out.insert(id.to_string(), self.case_from_doc(&doc)?);
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with each of `ids` stored in the last commit, with the ordinal and reader of
    /// its segment and its document there (alive documents only); one term-dictionary lookup
    /// per id and segment.
    fn for_each_stored<'a>(
        &self,
        ids: &[&'a str],
        mut f: impl FnMut(&'a str, u32, &SegmentReader, DocId) -> Result<()>,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let searcher = self.reader.searcher();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            if segment.num_docs() == 0 {
                continue;
            }
            let inverted = segment.inverted_index(self.fields.id)?;
            for id in ids {
                let term = Term::from_field_text(self.fields.id, id);
                let Some(info) = inverted.get_term_info(&term)? else {
                    continue;
                };
                let mut postings =
                    inverted.read_postings_from_terminfo(&info, IndexRecordOption::Basic)?;
                let mut doc = postings.doc();
                while doc != TERMINATED {
                    if !segment.is_deleted(doc) {
                        f(id, ord as u32, segment, doc)?;
                    }
                    doc = postings.advance();
                }
            }
        }
        Ok(())
    }

    /// Every stored id with its content hash, read once from the fast fields: per segment, the
    /// hash of each alive document by id ordinal, then the id dictionary streamed in order.
    /// About 60 bytes a case in memory (60 MB for a million cases).
    pub fn stored_hash_map(&self) -> Result<HashMap<Box<str>, u64>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::with_capacity(searcher.num_docs() as usize);
        for segment in searcher.segment_readers() {
            if segment.num_docs() == 0 {
                continue;
            }
            let Some(ids) = segment.fast_fields().str("id")? else {
                continue;
            };
            let hashes = segment.fast_fields().u64(HASH_FIELD)?;
            let mut by_ord: Vec<Option<u64>> = vec![None; ids.num_terms()];
            for doc in segment.doc_ids_alive() {
                if let (Some(ord), Some(h)) = (ids.ords().first(doc), hashes.first(doc)) {
                    by_ord[ord as usize] = Some(h);
                }
            }
            let mut terms = ids.dictionary().stream()?;
            while terms.advance() {
                if let Some(Some(h)) = by_ord.get(terms.term_ord() as usize) {
                    out.insert(Box::from(String::from_utf8_lossy(terms.key()).as_ref()), *h);
                }
            }
        }
        Ok(out)
    }

    /// The tantivy document for a case, moving its texts into the document; `hash` is the
    /// [`hash64`] of its content hash. The index segments its texts when it is written.
    pub fn into_doc(&self, case: Case, hash: u64) -> Result<TantivyDocument> {
        Ok(self
            .case_doc(case, hash, CaseTokens::default())?
            .into_tantivy())
    }

    /// The document for a case, moving its texts into it with their index tokens made
    /// beforehand (`tokens`, see [`CaseTokens::of`]; a text without tokens is segmented by
    /// the index when it is written); `hash` is the [`hash64`] of its content hash.
    pub fn case_doc(&self, mut case: Case, hash: u64, tokens: CaseTokens) -> Result<CaseDoc> {
        let f = &self.fields;
        let mut doc = CaseDoc::with_capacity(16);
        if let Some(at) = case.received_at {
            doc.add_date(f.received_at, to_tantivy_date(at));
            doc.add_str(f.month, at.format("%Y-%m").to_string());
        }
        if let Some(k) = case.kind {
            doc.add_str(f.kind, k.as_str());
        }
        if let Some(d) = &case.department {
            doc.add_str(f.department, d);
        }
        if let Some(t) = &case.town {
            doc.add_str(f.town, t);
        }
        if let Some(s) = case.status {
            doc.add_str(f.status, s.as_str());
        }
        doc.add_str(f.record, record_name(&case));
        if let Some(tags) = &case.tags {
            doc.add_str(f.category, &tags.category);
            doc.add_str(f.topic, &tags.topic);
        }
        doc.add_u64(f.likes, case.likes.unwrap_or(0) as u64);
        doc.add_u64(f.hash, hash);
        // The id and the long texts are stored once, in their own fields.
        doc.add_str(f.id, std::mem::take(&mut case.id));
        if let Some(t) = case.title.take() {
            doc.add_text(f.title, IndexedText::new(t, tokens.title));
        }
        doc.add_text(
            f.narrative,
            IndexedText::new(std::mem::take(&mut case.narrative), tokens.narrative),
        );
        if let Some(r) = case.reply.take() {
            doc.add_text(f.reply, IndexedText::new(r, tokens.reply));
        }
        doc.add_str(f.json, serde_json::to_string(&case)?);
        Ok(doc)
    }

    /// The case stored in a document.
    pub fn case_from_doc(&self, doc: &TantivyDocument) -> Result<Case> {
        let f = &self.fields;
        let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str());
        let json = text(f.json).context("stored document has no case JSON")?;
        let mut case: Case = serde_json::from_str(json)?;
        case.id = text(f.id).unwrap_or_default().to_string();
        case.title = text(f.title).map(str::to_string);
        case.narrative = text(f.narrative).unwrap_or_default().to_string();
        case.reply = text(f.reply).map(str::to_string);
        Ok(case)
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
        self.cases_matching(&AllQuery, CaseParts::Whole)
    }

    /// Every stored case, sorted by id, with only `parts` filled in.
    pub fn all_cases_with(&self, parts: CaseParts) -> Result<Vec<Case>> {
        self.cases_matching(&AllQuery, parts)
    }

    /// The stored cases `query` matches, sorted by id. The documents are read in store order
    /// (each compressed block of the document store is decompressed once) into a vector of
    /// the exact length.
    fn cases_matching(
        &self,
        query: &dyn tantivy::query::Query,
        parts: CaseParts,
    ) -> Result<Vec<Case>> {
        let searcher = self.reader.searcher();
        let mut addrs: Vec<DocAddress> = searcher
            .search(query, &DocSetCollector)?
            .into_iter()
            .collect();
        addrs.sort_unstable();
        let mut cases = Vec::with_capacity(addrs.len());
        for a in addrs {
            let mut case = self.case_from_doc(&searcher.doc(a)?)?;
            parts.trim(&mut case);
            cases.push(case);
        }
        // In place (a stable sort would take a buffer of half the cases); ids are unique in
        // the store, so the order is the same.
        cases.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        Ok(cases)
    }

    /// The stored cases received in any of the half-open ranges `[from, to)`, and, when
    /// `undated`, every case without a received date too (a report document's cases, or a
    /// work order known only by its closing date), in id order like [`CaseStore::all_cases`]:
    /// a month's report or hotspots read their months, not the whole store.
    pub fn cases_received_in(
        &self,
        ranges: &[(NaiveDateTime, NaiveDateTime)],
        undated: bool,
        parts: CaseParts,
    ) -> Result<Vec<Case>> {
        use std::ops::Bound;
        use tantivy::query::{BooleanQuery, ExistsQuery, Occur, Query, RangeQuery};
        let mut any: Vec<(Occur, Box<dyn Query>)> = ranges
            .iter()
            .map(|&(from, to)| {
                let term = |at| Term::from_field_date(self.fields.received_at, to_tantivy_date(at));
                let range = RangeQuery::new(Bound::Included(term(from)), Bound::Excluded(term(to)));
                (Occur::Should, Box::new(range) as Box<dyn Query>)
            })
            .collect();
        if undated {
            let missing = BooleanQuery::new(vec![
                (Occur::Must, Box::new(AllQuery) as Box<dyn Query>),
                (
                    Occur::MustNot,
                    Box::new(ExistsQuery::new("received_at".to_string(), false)),
                ),
            ]);
            any.push((Occur::Should, Box::new(missing)));
        }
        self.cases_matching(&BooleanQuery::new(any), parts)
    }

    /// Every stored id (unsorted, one per stored case), read from the id fast field.
    pub fn all_ids(&self) -> Result<Vec<String>> {
        let searcher = self.reader.searcher();
        let mut out = Vec::with_capacity(searcher.num_docs() as usize);
        for segment in searcher.segment_readers() {
            let Some(col) = segment.fast_fields().str("id")? else {
                continue;
            };
            let mut s = String::new();
            for doc in segment.doc_ids_alive() {
                for ord in col.term_ords(doc) {
                    col.ord_to_str(ord, &mut s)?;
                    out.push(s.clone());
                }
            }
        }
        Ok(out)
    }
}

/// How much of each stored case a bulk read ([`CaseStore::cases_received_in`],
/// [`CaseStore::all_cases_with`]) fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseParts {
    /// The whole case as it was stored.
    Whole,
    /// Everything but the tagger's explanations: its verdicts (category, topic, their
    /// confidences, urgent) are kept, its evidence, department suggestions, secondary topics
    /// and urgency evidence are left empty. What the monthly report and the hotspot search
    /// read; it spares a 100,000-case month about 60 MB.
    Verdicts,
}

impl CaseParts {
    /// Empties what `self` leaves out of `case`.
    fn trim(self, case: &mut Case) {
        if let (CaseParts::Verdicts, Some(tags)) = (self, case.tags.as_mut()) {
            tags.evidence = Vec::new();
            tags.department_suggestions = Vec::new();
            tags.secondary_topics = Vec::new();
            tags.urgency = None;
        }
    }
}

/// The store hash of a case: [`hash64`] of its [`Case::content_hash`], without copying the
/// case (its tags and source are set aside while it is serialized, then put back) and with the
/// serialization buffer reused.
pub fn case_hash64(case: &mut Case) -> u64 {
    use sha2::{Digest, Sha256};
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let tags = case.tags.take();
    let source = std::mem::take(&mut case.source);
    let digest = BUF.with(|buf| {
        let mut buf = buf.borrow_mut();
        buf.clear();
        let ok = serde_json::to_writer(&mut *buf, &*case).is_ok();
        let digest = Sha256::digest(&buf[..]);
        if buf.capacity() > 1 << 20 {
            *buf = Vec::new();
        }
        ok.then_some(digest)
    });
    case.tags = tags;
    case.source = source;
    match digest {
        // hash64 reads the first 16 hex digits of the digest: its first 8 bytes
        Some(d) => u64::from_be_bytes(d[..8].try_into().expect("8 bytes")),
        None => hash64(&case.content_hash()),
    }
}

/// The index tokens of a case's title, narrative and reply ([`TextTokens`]), made once before
/// the case is written: [`Upserter::upsert`] hands them to its `prepare` step (the
/// tagger reads the words) and then to the index, which does not segment the texts again.
#[derive(Debug, Clone, Default)]
pub struct CaseTokens {
    pub title: Option<TextTokens>,
    pub narrative: Option<TextTokens>,
    pub reply: Option<TextTokens>,
}

impl CaseTokens {
    /// Tokenizes the texts of `case`.
    pub fn of(case: &Case) -> CaseTokens {
        CaseTokens {
            title: case.title.as_deref().and_then(TextTokens::new),
            narrative: TextTokens::new(&case.narrative),
            reply: case.reply.as_deref().and_then(TextTokens::new),
        }
    }
}

/// How an upsert classified a case, with the case's store hash.
type Changed = (Change, u64);

/// How an upsert classified a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Updated,
    Unchanged,
}

/// A write session on the store: holds the index lock, writes new and changed cases, and
/// commits when told to. On its first [`Upserter::upsert`] it reads every stored id and
/// content hash once ([`CaseStore::stored_hash_map`]) and then keeps that map up to date with
/// its own writes, so classifying a case with a new id is one hash lookup whatever the size of
/// the store, and an id met twice is classified against the version written first. A session
/// that only [`Upserter::replace`]s never reads the map.
///
/// A case whose id is known with other content is first filled from the version known
/// ([`fill_from_stored`]: a field the new case leaves empty keeps its stored value), and
/// counts as unchanged if the merged case hashes as the stored one does: re-ingesting a
/// narrower export neither erases fields nor rewrites anything the second time. Only these
/// cases pay for reading a stored document.
///
/// Dropping an upserter without [`Upserter::commit`] or [`Upserter::finish`] discards the
/// uncommitted writes (the store stays as of the last commit).
pub struct Upserter<'a> {
    store: &'a CaseStore,
    writer: Option<IndexWriter<CaseDoc>>,
    /// Id → content hash of every stored or written case, with the [`Upserter::generation`]
    /// it was written in (0: stored before the map was read). None until first needed.
    known: Option<HashMap<Box<str>, (u64, u32)>>,
    /// Counts the commits of this session from 1: a known case whose generation is the
    /// current one is written but not committed (so not yet readable from the store).
    generation: u32,
    uncommitted: usize,
}

impl Upserter<'_> {
    /// Classifies `cases` (in order) and writes the new and changed ones, nothing committed:
    /// the texts of each are tokenized once ([`CaseTokens::of`]) and `prepare` is called on
    /// the case with its tokens (the tagger reads the words from them) before it is written
    /// with those same tokens, in parallel.
    pub fn upsert(
        &mut self,
        cases: Vec<Case>,
        prepare: impl Fn(&mut Case, &CaseTokens) + Sync,
    ) -> Result<UpsertSummary> {
        let (changed, changes, summary) = self.classify(cases)?;
        self.write_all(changed, changes, prepare)?;
        Ok(summary)
    }

    /// Writes `cases` whatever is stored (replacing each by id), nothing committed, as
    /// [`Upserter::upsert`] writes a changed case: the texts tokenized once, `prepare` called
    /// with the tokens (e.g. the tagger, for `hotline retag`: tags are not part of the content
    /// hash, so an upsert would leave them unchanged), the document built from those tokens.
    pub fn replace(
        &mut self,
        mut cases: Vec<Case>,
        prepare: impl Fn(&mut Case, &CaseTokens) + Sync,
    ) -> Result<()> {
        let changes: Vec<(Change, u64)> = cases
            .par_iter_mut()
            .map(|c| (Change::Updated, case_hash64(c)))
            .collect();
        if let Some(known) = &mut self.known {
            for (c, &(_, h)) in cases.iter().zip(&changes) {
                known.insert(Box::from(c.id.as_str()), (h, self.generation));
            }
        }
        self.uncommitted += cases.len();
        self.write_all(cases, changes, prepare)
    }

    /// The id → (hash, generation) map, read from the store the first time: after a commit
    /// of anything [`Upserter::replace`]d before, so the map is exactly the store's.
    fn known(&mut self) -> Result<&mut HashMap<Box<str>, (u64, u32)>> {
        if self.known.is_none() {
            if self.uncommitted > 0 {
                self.commit()?;
            }
            let map = self.store.stored_hash_map()?;
            self.known = Some(map.into_iter().map(|(id, h)| (id, (h, 0))).collect());
        }
        Ok(self.known.as_mut().expect("just read"))
    }

    /// Classifies `cases` and keeps the new and changed ones, each with its change and hash.
    /// A case known with another hash is merged first (see [`Upserter`]) with the version
    /// known: an earlier case of this call, or the stored one (after a commit, when the
    /// version known is one written by an earlier call and not committed yet).
    fn classify(
        &mut self,
        mut cases: Vec<Case>,
    ) -> Result<(Vec<Case>, Vec<Changed>, UpsertSummary)> {
        let current = self.generation;
        let known = self.known()?;
        // (hash, known with another hash, that version written in this generation: not
        // committed yet, so not readable from the store)
        let looked: Vec<(u64, bool, bool)> = cases
            .par_iter_mut()
            .map(|c| {
                let hash = case_hash64(c);
                match known.get(c.id.as_str()) {
                    Some(&(h, g)) if h != hash => (hash, true, g == current),
                    _ => (hash, false, false),
                }
            })
            .collect();
        let merge_ids: Vec<&str> = cases
            .iter()
            .zip(&looked)
            .filter(|(_, l)| l.1)
            .map(|(c, _)| c.id.as_str())
            .collect();
        let mut stored = HashMap::new();
        if !merge_ids.is_empty() {
            if looked.iter().any(|l| l.2) {
                self.commit()?;
            }
            stored = self.store.stored_cases(&merge_ids)?;
        }
        drop(merge_ids);
        // after a commit above, a version of this generation is one written by this call
        let generation = self.generation;
        let known = self.known.as_mut().expect("read above");
        let mut summary = UpsertSummary::default();
        let mut changes: Vec<(Change, u64)> = Vec::with_capacity(cases.len());
        for i in 0..cases.len() {
            let mut hash = looked[i].0;
            let change = match known.get(cases[i].id.as_str()) {
                None => Change::Added,
                Some(&(h, _)) if h == hash => Change::Unchanged,
                Some(&(h, g)) => {
                    // the version known: written earlier in this call, or stored
                    let (before, rest) = cases.split_at_mut(i);
                    let case = &mut rest[0];
                    let base = if g == generation {
                        before
                            .iter()
                            .zip(&changes)
                            .rev()
                            .find(|(c, ch)| ch.0 != Change::Unchanged && c.id == case.id)
                            .map(|(c, _)| c)
                    } else {
                        stored.get(case.id.as_str())
                    };
                    if let Some(base) = base {
                        fill_from_stored(case, base);
                        hash = case_hash64(case);
                    }
                    if h == hash {
                        Change::Unchanged
                    } else {
                        Change::Updated
                    }
                }
            };
            match change {
                Change::Unchanged => summary.unchanged += 1,
                Change::Updated => summary.updated += 1,
                Change::Added => summary.added += 1,
            }
            if change != Change::Unchanged {
                known.insert(Box::from(cases[i].id.as_str()), (hash, generation));
            }
            changes.push((change, hash));
        }
        self.uncommitted += summary.added + summary.updated;
        let (changed, changes) = cases
            .into_iter()
            .zip(changes)
            .filter(|(_, (c, _))| *c != Change::Unchanged)
            .unzip();
        Ok((changed, changes, summary))
    }

    /// Tokenizes, prepares and builds the documents of `cases` in parallel, then writes them
    /// in order (an updated case first deletes what is stored under its id).
    fn write_all(
        &mut self,
        cases: Vec<Case>,
        changes: Vec<(Change, u64)>,
        prepare: impl Fn(&mut Case, &CaseTokens) + Sync,
    ) -> Result<()> {
        let store = self.store;
        let writer = self.writer.as_ref().context("upserter already finished")?;
        let docs: Vec<Result<(Option<Term>, CaseDoc)>> = cases
            .into_par_iter()
            .zip(changes)
            .map(|(mut case, (change, hash))| {
                let tokens = CaseTokens::of(&case);
                prepare(&mut case, &tokens);
                let delete = (change == Change::Updated)
                    .then(|| Term::from_field_text(store.fields.id, &case.id));
                Ok((delete, store.case_doc(case, hash, tokens)?))
            })
            .collect();
        for doc in docs {
            let (delete, doc) = doc?;
            if let Some(term) = delete {
                writer.delete_term(term);
            }
            writer.add_document(doc)?;
        }
        Ok(())
    }

    /// Cases written since the last commit.
    pub fn uncommitted(&self) -> usize {
        self.uncommitted
    }

    /// Commits the writes so far (atomically) and makes them visible to the store's reader.
    pub fn commit(&mut self) -> Result<()> {
        let writer = self.writer.as_mut().context("upserter already finished")?;
        writer.commit().context("cannot commit to the case index")?;
        self.store.reload()?;
        self.uncommitted = 0;
        self.generation += 1;
        Ok(())
    }

    /// Commits, waits for background segment merges and releases the lock.
    pub fn finish(mut self) -> Result<()> {
        self.commit()?;
        if let Some(writer) = self.writer.take() {
            writer
                .wait_merging_threads()
                .context("merging index segments")?;
        }
        self.store.reload()?;
        Ok(())
    }
}

/// The most documents one background merge reads. A merge maps its input segments into
/// memory, and those pages count in the process's resident set: with about 2 KB of index
/// per case, 200,000 cases keep a merge near 400 MB however large the store grows (a
/// million cases end in five or six segments of 100,000 to 200,000, plus the recent ones).
pub const MAX_MERGE_DOCS: usize = 200_000;

/// tantivy's [`LogMergePolicy`] with merges bounded to `max_docs` documents: of each
/// candidate it keeps the smallest segments whose documents add up to at most `max_docs`,
/// and segments over half of it are not merged again.
#[derive(Debug)]
struct BoundedMergePolicy {
    inner: LogMergePolicy,
    max_docs: usize,
}

impl BoundedMergePolicy {
    fn new(max_docs: usize) -> BoundedMergePolicy {
        let mut inner = LogMergePolicy::default();
        inner.set_max_docs_before_merge(max_docs / 2);
        BoundedMergePolicy { inner, max_docs }
    }
}

impl MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
        let docs: HashMap<SegmentId, usize> = segments
            .iter()
            .map(|s| (s.id(), s.num_docs() as usize))
            .collect();
        self.inner
            .compute_merge_candidates(segments)
            .into_iter()
            .filter_map(|MergeCandidate(mut ids)| {
                ids.sort_by_key(|id| docs.get(id).copied().unwrap_or(0));
                let mut total = 0;
                ids.retain(|id| {
                    total += docs.get(id).copied().unwrap_or(0);
                    total <= self.max_docs
                });
                (ids.len() >= 2).then_some(MergeCandidate(ids))
            })
            .collect()
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
    use crate::model::{Kind, RecordType, Satisfaction, Status, Tags};

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
        let s = store.upsert(std::slice::from_ref(&a)).unwrap();
        assert_eq!(s.updated, 1);
        assert_eq!(store.len(), 2);
        assert_eq!(store.get("1").unwrap().unwrap().narrative, a.narrative);
    }

    /// One posting: id, field, term, positions, field norm.
    type Posting = (String, u32, Vec<u8>, Vec<u32>, u32);

    /// Every posting the index holds for the text fields.
    fn postings(store: &CaseStore) -> Vec<Posting> {
        use tantivy::postings::Postings;
        let f = store.fields();
        let searcher = store.reader().searcher();
        let mut out = Vec::new();
        for seg in searcher.segment_readers() {
            let ids = seg.fast_fields().str("id").unwrap().unwrap();
            let id_of = |doc| {
                let mut s = String::new();
                let ord = ids.ords().first(doc).unwrap();
                ids.ord_to_str(ord, &mut s).unwrap();
                s
            };
            for field in [f.title, f.narrative, f.reply] {
                let inv = seg.inverted_index(field).unwrap();
                let norms = seg.get_fieldnorms_reader(field).unwrap();
                let mut terms = inv.terms().stream().unwrap();
                while terms.advance() {
                    let mut p = inv
                        .read_postings_from_terminfo(
                            terms.value(),
                            IndexRecordOption::WithFreqsAndPositions,
                        )
                        .unwrap();
                    let mut doc = p.doc();
                    while doc != TERMINATED {
                        let mut pos = Vec::new();
                        p.positions(&mut pos);
                        let norm = norms.fieldnorm_id(doc) as u32;
                        out.push((
                            id_of(doc),
                            field.field_id(),
                            terms.key().to_vec(),
                            pos,
                            norm,
                        ));
                        doc = p.advance();
                    }
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn shared_tokens_index_as_the_tokenizer_does() {
        let mut cases = Vec::new();
        for (i, (title, body, reply)) in [
            (
                "路灯不亮",
                "官渡镇至龙仙镇方向路灯不亮，住建管理局未处理12345工单",
                Some("已修复"),
            ),
            (
                "",
                "😀投诉：ＡＢＣ小区停水，Water OFF! 公交车站旁的路灯杆倒了",
                None,
            ),
            ("拖欠工资", "拖欠工资三个月\r\n第二行 WES-5.4.5", Some("")),
            ("ＡＢＣ", "，。！", None),
        ]
        .into_iter()
        .enumerate()
        {
            let mut c = Case::new(format!("c{i}"), body);
            c.title = Some(title.to_string());
            c.reply = reply.map(str::to_string);
            cases.push(c);
        }
        let shared = CaseStore::in_memory().unwrap();
        let before = tokenizer::handed_off_texts();
        shared.upsert(&cases).unwrap();
        // 4 titles, 4 narratives, 2 replies, each taken with its tokens
        assert!(tokenizer::handed_off_texts() >= before + 10);
        let own = CaseStore::in_memory().unwrap();
        let mut w = own.writer().unwrap();
        own.replace_with(&mut w, &cases).unwrap();
        w.commit().unwrap();
        own.reload().unwrap();
        let p = postings(&shared);
        assert!(p.len() > 30, "{}", p.len());
        assert_eq!(p, postings(&own));
        assert_eq!(shared.all_cases().unwrap(), own.all_cases().unwrap());
    }

    #[test]
    fn stored_cases_round_trip() {
        let store = CaseStore::in_memory().unwrap();
        let mut a = Case::new("20200000805", "来电反映龙仙镇某小区停水三天");
        a.title = Some("停水".into());
        a.reply = Some("已协调供水公司抢修".into());
        a.kind = Some(Kind::Complaint);
        a.department = Some("水务局".into());
        a.received_at = chrono::NaiveDate::from_ymd_opt(2020, 11, 14)
            .unwrap()
            .and_hms_opt(19, 53, 0);
        a.record = RecordType::ReportCase;
        a.source.file = "002.txt".into();
        a.source.locator = "paragraph 12".into();
        a.tags = Some(Tags {
            category: "城乡建设".into(),
            topic: "water".into(),
            ..Tags::default()
        });
        let mut b = Case::new("x", "无标题");
        b.title = Some(String::new());
        store.upsert(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(store.get("20200000805").unwrap().unwrap(), a);
        assert_eq!(store.get("x").unwrap().unwrap(), b);
        assert_eq!(store.all_cases().unwrap(), vec![a, b]);
    }

    #[test]
    fn repeated_ids_before_a_commit_are_classified_in_order() {
        let store = CaseStore::in_memory().unwrap();
        let mut up = store.upserter().unwrap();
        let a1 = Case::new("a", "第一版");
        let a2 = Case::new("a", "第二版");
        let s = up
            .upsert(vec![a1.clone(), a1.clone(), a2.clone()], |_, _| {})
            .unwrap();
        assert_eq!((s.added, s.unchanged, s.updated), (1, 1, 1));
        // Seen again in a later call of the same session, still uncommitted.
        let s = up.upsert(vec![a2.clone()], |_, _| {}).unwrap();
        assert_eq!(s.unchanged, 1);
        up.finish().unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(store.get("a").unwrap().unwrap().narrative, "第二版");
    }

    #[test]
    fn only_new_and_changed_cases_are_prepared() {
        let store = CaseStore::in_memory().unwrap();
        store
            .upsert(&[Case::new("1", "甲"), Case::new("2", "乙")])
            .unwrap();
        let mut up = store.upserter().unwrap();
        let seen = std::sync::Mutex::new(Vec::new());
        let s = up
            .upsert(
                vec![
                    Case::new("1", "甲"),
                    Case::new("2", "乙改"),
                    Case::new("3", "丙"),
                ],
                |case, _| seen.lock().unwrap().push(case.id.clone()),
            )
            .unwrap();
        // prepared in parallel: the order of the calls is not the input order
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen, ["2", "3"]);
        assert_eq!((s.added, s.updated, s.unchanged), (1, 1, 1));
        assert_eq!(up.uncommitted(), 2);
        up.finish().unwrap();
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn lookups_span_segments_and_skip_deleted_docs() {
        let store = CaseStore::in_memory().unwrap();
        // Several commits make several segments; updates delete older versions.
        for round in 0..4 {
            let cases: Vec<Case> = (0..50)
                .map(|i| Case::new(format!("c{i}"), format!("第{}版 {}", round / 2, i)))
                .collect();
            store.upsert(&cases).unwrap();
        }
        assert_eq!(store.len(), 50);
        let ids = ["c0", "c49", "nope"];
        let hashes = store.stored_hashes(&ids).unwrap();
        assert_eq!(hashes.len(), 2);
        let want = hash64(&Case::new("c0", "第1版 0").content_hash());
        assert_eq!(hashes["c0"], want);
        let map = store.stored_hash_map().unwrap();
        assert_eq!(map.len(), 50);
        assert_eq!(map["c0"], want);
        assert_eq!(map["c49"], hashes["c49"]);
        let mut all = store.all_ids().unwrap();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 50);
    }

    #[test]
    fn replace_rewrites_even_when_content_is_unchanged() {
        let store = CaseStore::in_memory().unwrap();
        let mut a = Case::new("1", "路灯不亮");
        store.upsert(std::slice::from_ref(&a)).unwrap();
        a.tags = Some(Tags {
            category: "城乡建设".into(),
            ..Tags::default()
        });
        assert_eq!(store.upsert(std::slice::from_ref(&a)).unwrap().unchanged, 1);
        let mut up = store.upserter().unwrap();
        up.replace(vec![a.clone()], |_, _| {}).unwrap();
        // an upsert in the same session sees the replaced version
        let s = up.upsert(vec![a.clone()], |_, _| {}).unwrap();
        assert_eq!(s.unchanged, 1);
        up.finish().unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(store.get("1").unwrap().unwrap().tags, a.tags);
    }

    /// A case as a full export gives it, and as a narrower one (id, narrative, time only).
    fn full_and_partial() -> (Case, Case) {
        let mut partial = Case::new("M1", "路灯不亮");
        partial.received_at = chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0);
        let mut full = partial.clone();
        full.department = Some("城管局".into());
        full.satisfaction = Some(Satisfaction::Satisfied);
        full.status = Some(Status::InProgress);
        full.title = Some("路灯".into());
        full.tags = Some(Tags {
            category: "城乡建设".into(),
            ..Tags::default()
        });
        (full, partial)
    }

    #[test]
    fn a_narrower_export_keeps_the_stored_fields() {
        let store = CaseStore::in_memory().unwrap();
        let (full, mut partial) = full_and_partial();
        assert_eq!(store.upsert(std::slice::from_ref(&full)).unwrap().added, 1);
        // the same case with fewer columns: nothing to change
        let s = store.upsert(std::slice::from_ref(&partial)).unwrap();
        assert_eq!((s.added, s.updated, s.unchanged), (0, 0, 1));
        assert_eq!(store.get("M1").unwrap().unwrap(), full);
        // an edited narrative is updated, the fields it does not give are kept
        partial.narrative = "路灯不亮已一个月".into();
        let s = store.upsert(std::slice::from_ref(&partial)).unwrap();
        assert_eq!((s.added, s.updated, s.unchanged), (0, 1, 0));
        let got = store.get("M1").unwrap().unwrap();
        assert_eq!(got.narrative, partial.narrative);
        assert_eq!(got.department.as_deref(), Some("城管局"));
        assert_eq!(got.satisfaction, Some(Satisfaction::Satisfied));
        assert_eq!(got.title.as_deref(), Some("路灯"));
        assert_eq!(got.tags, full.tags);
        // the same narrow export again: unchanged, nothing rewritten
        let s = store.upsert(std::slice::from_ref(&partial)).unwrap();
        assert_eq!((s.added, s.updated, s.unchanged), (0, 0, 1));
        assert_eq!(store.len(), 1);
        // a field given with another value is updated
        partial.status = Some(Status::Closed);
        let s = store.upsert(std::slice::from_ref(&partial)).unwrap();
        assert_eq!(s.updated, 1);
        let got = store.get("M1").unwrap().unwrap();
        assert_eq!(got.status, Some(Status::Closed));
        assert_eq!(got.department.as_deref(), Some("城管局"));
    }

    #[test]
    fn a_narrower_version_before_a_commit_is_merged_too() {
        let (full, mut partial) = full_and_partial();
        partial.narrative = "路灯不亮已一个月".into();
        // in one call
        let store = CaseStore::in_memory().unwrap();
        let s = store.upsert(&[full.clone(), partial.clone()]).unwrap();
        assert_eq!((s.added, s.updated), (1, 1));
        let got = store.get("M1").unwrap().unwrap();
        assert_eq!(got.department.as_deref(), Some("城管局"));
        assert_eq!(got.narrative, partial.narrative);
        // in two calls of one session, without a commit between them
        let store = CaseStore::in_memory().unwrap();
        let mut up = store.upserter().unwrap();
        up.upsert(vec![full.clone()], |_, _| {}).unwrap();
        let s = up.upsert(vec![partial.clone()], |_, _| {}).unwrap();
        assert_eq!(s.updated, 1);
        let s = up.upsert(vec![partial.clone()], |_, _| {}).unwrap();
        assert_eq!(s.unchanged, 1);
        up.finish().unwrap();
        assert_eq!(store.len(), 1);
        let got = store.get("M1").unwrap().unwrap();
        assert_eq!(got.department.as_deref(), Some("城管局"));
        assert_eq!(got.satisfaction, Some(Satisfaction::Satisfied));
        assert_eq!(got.narrative, partial.narrative);
    }

    #[test]
    fn cases_received_in_reads_ranges_and_undated_cases() {
        let store = CaseStore::in_memory().unwrap();
        let at = |m, d, h| {
            chrono::NaiveDate::from_ymd_opt(2020, m, d)
                .unwrap()
                .and_hms_opt(h, 0, 0)
        };
        let mut cases = Vec::new();
        for (id, t) in [
            ("jan-first", at(1, 1, 0)),
            ("jan-last", at(1, 31, 23)),
            ("feb-first", at(2, 1, 0)),
            ("mar", at(3, 15, 8)),
        ] {
            let mut c = Case::new(id, "停水");
            c.received_at = t;
            cases.push(c);
        }
        cases.push(Case::new("undated", "无日期"));
        store.upsert(&cases).unwrap();
        let ids = |ranges: &[(NaiveDateTime, NaiveDateTime)], undated| {
            store
                .cases_received_in(ranges, undated, CaseParts::Whole)
                .unwrap()
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        };
        let jan = (at(1, 1, 0).unwrap(), at(2, 1, 0).unwrap());
        let mar = (at(3, 1, 0).unwrap(), at(4, 1, 0).unwrap());
        assert_eq!(ids(&[jan], false), ["jan-first", "jan-last"]);
        assert_eq!(
            ids(&[jan, mar], true),
            ["jan-first", "jan-last", "mar", "undated"]
        );
        assert_eq!(ids(&[], true), ["undated"]);
    }

    #[test]
    fn stats_count_by_month_kind_and_department() {
        let store = CaseStore::in_memory().unwrap();
        let mut cases = Vec::new();
        for i in 0..10 {
            let mut c = Case::new(format!("{i}"), "停水");
            c.received_at = chrono::NaiveDate::from_ymd_opt(2020, 1 + (i % 2), 3)
                .unwrap()
                .and_hms_opt(8, 0, 0);
            c.kind = Some(if i < 7 {
                Kind::Complaint
            } else {
                Kind::Inquiry
            });
            if i < 5 {
                c.department = Some("水务局".into());
            }
            cases.push(c);
        }
        cases.push(Case::new("nodate", "无日期"));
        store.upsert(&cases).unwrap();
        let s = store.stats().unwrap();
        assert_eq!(s.total, 11);
        assert_eq!(s.by_month["2020-01"], 5);
        assert_eq!(s.by_month["2020-02"], 5);
        assert_eq!(s.no_month, 1);
        assert_eq!(
            s.by_kind,
            vec![
                NameCount {
                    name: "投诉".into(),
                    count: 7
                },
                NameCount {
                    name: "咨询".into(),
                    count: 3
                }
            ]
        );
        assert_eq!(s.no_kind, 1);
        assert_eq!(s.by_department[0].count, 5);
        assert_eq!(s.no_department, 6);
        assert_eq!(s.by_record[0].name, "work_order");
    }

    #[test]
    fn merges_stay_under_the_document_bound() {
        let policy = BoundedMergePolicy::new(100);
        let index = Index::create_in_ram(schema().0);
        let segments: Vec<SegmentMeta> = [30u32, 30, 30, 30, 30, 30, 30, 30, 30]
            .iter()
            .map(|&n| index.new_segment_meta(SegmentId::generate_random(), n))
            .collect();
        let candidates = policy.compute_merge_candidates(&segments);
        assert!(!candidates.is_empty());
        for MergeCandidate(ids) in candidates {
            assert!(ids.len() >= 2 && ids.len() * 30 <= 100, "{ids:?}");
        }
    }

    #[test]
    fn case_hash_is_the_content_hash() {
        let mut a = Case::new("20200000805", "来电反映龙仙镇某小区停水三天\"引号\"\n换行");
        a.title = Some("停水".into());
        a.reply = Some("已协调".into());
        a.department = Some("水务局".into());
        a.source.file = "002.txt".into();
        a.tags = Some(Tags {
            category: "城乡建设".into(),
            ..Tags::default()
        });
        for c in [a, Case::new("", ""), Case::new("x", "😀 ＡＢＣ")] {
            let want = hash64(&c.content_hash());
            let mut m = c.clone();
            assert_eq!(case_hash64(&mut m), want);
            assert_eq!(m, c, "the case is put back as it was");
        }
    }

    #[test]
    fn hash64_takes_the_digest_prefix() {
        assert_eq!(hash64("00000000000000ffabc"), 255);
        assert_ne!(hash64("not hex"), hash64("not hex!"));
    }
}
