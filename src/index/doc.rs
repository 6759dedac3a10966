//! The document type the case store writes: a case's field values as tantivy reads them,
//! with the long texts carrying index tokens made beforehand ([`IndexedText`]), so ingest
//! segments each text once and shares the words with the tagger.
//!
//! It implements tantivy's [`Document`] trait directly, so tantivy indexes and stores it in
//! place: no intermediate [`TantivyDocument`] is built, and the stored fields are exactly those
//! a [`TantivyDocument`] with the same values would store.

use tantivy::schema::document::{ReferenceValue, ReferenceValueLeaf};
use tantivy::schema::{Document, Field, Value};
use tantivy::{DateTime, TantivyDocument};

use super::tokenizer::IndexedText;

/// A case as the store's writer takes it (see [`super::CaseStore::case_doc`]).
#[derive(Debug, Default)]
pub struct CaseDoc {
    values: Vec<(Field, DocValue)>,
}

/// One field value of a [`CaseDoc`].
#[derive(Debug)]
enum DocValue {
    Str(String),
    Text(IndexedText),
    U64(u64),
    Date(DateTime),
}

/// A borrowed field value of a [`CaseDoc`].
#[derive(Debug, Clone, Copy)]
pub enum CaseValue<'a> {
    Str(&'a str),
    /// A text field value: asking for it hands its tokens to the tokenizer (see
    /// [`IndexedText`]).
    Text(&'a IndexedText),
    U64(u64),
    Date(DateTime),
}

impl CaseDoc {
    /// An empty document with room for `n` values.
    pub fn with_capacity(n: usize) -> CaseDoc {
        CaseDoc {
            values: Vec::with_capacity(n),
        }
    }

    /// Adds a string (a keyword field or a stored-only field).
    pub fn add_str(&mut self, field: Field, s: impl Into<String>) {
        self.values.push((field, DocValue::Str(s.into())));
    }

    /// Adds a tokenized text.
    pub fn add_text(&mut self, field: Field, text: IndexedText) {
        self.values.push((field, DocValue::Text(text)));
    }

    pub fn add_u64(&mut self, field: Field, v: u64) {
        self.values.push((field, DocValue::U64(v)));
    }

    pub fn add_date(&mut self, field: Field, v: DateTime) {
        self.values.push((field, DocValue::Date(v)));
    }

    /// The same values as a [`TantivyDocument`] (texts to be segmented by the index).
    pub fn into_tantivy(self) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        for (field, v) in self.values {
            match v {
                DocValue::Str(s) => doc.add_text(field, s),
                DocValue::Text(t) => doc.add_text(field, t.text()),
                DocValue::U64(v) => doc.add_u64(field, v),
                DocValue::Date(v) => doc.add_date(field, v),
            }
        }
        doc
    }
}

impl<'a> Value<'a> for CaseValue<'a> {
    type ArrayIter = std::iter::Empty<CaseValue<'a>>;
    type ObjectIter = std::iter::Empty<(&'a str, CaseValue<'a>)>;

    fn as_value(&self) -> ReferenceValue<'a, Self> {
        ReferenceValue::Leaf(match *self {
            CaseValue::Str(s) => ReferenceValueLeaf::Str(s),
            CaseValue::Text(t) => {
                t.hand_off();
                ReferenceValueLeaf::Str(t.text())
            }
            CaseValue::U64(v) => ReferenceValueLeaf::U64(v),
            CaseValue::Date(v) => ReferenceValueLeaf::Date(v),
        })
    }
}

/// The field values of a [`CaseDoc`], in the order they were added.
pub struct CaseDocValues<'a>(std::slice::Iter<'a, (Field, DocValue)>);

impl<'a> Iterator for CaseDocValues<'a> {
    type Item = (Field, CaseValue<'a>);

    fn next(&mut self) -> Option<(Field, CaseValue<'a>)> {
        let (field, v) = self.0.next()?;
        let v = match v {
            DocValue::Str(s) => CaseValue::Str(s),
            DocValue::Text(t) => CaseValue::Text(t),
            DocValue::U64(v) => CaseValue::U64(*v),
            DocValue::Date(v) => CaseValue::Date(*v),
        };
        Some((*field, v))
    }
}

impl Document for CaseDoc {
    type Value<'a> = CaseValue<'a>;
    type FieldsValuesIter<'a> = CaseDocValues<'a>;

    fn iter_fields_and_values(&self) -> CaseDocValues<'_> {
        CaseDocValues(self.values.iter())
    }
}
