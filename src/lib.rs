//! `hotline`: a toolkit for 12345 government-service hotline offices (热线办).
//!
//! One pipeline over one record type, the [`Case`]:
//! [`ingest`] reads work-order exports and report documents into cases,
//! [`text`] segments Chinese with jieba-rs and the domain dictionary,
//! [`index`] keeps cases in a tantivy store, [`search`] finds past cases and similar ones,
//! [`tag`] assigns category, topic, departments and urgency,
//! [`hotspots`] clusters a period's cases into concrete hotspots, and
//! [`report`] writes the monthly report. [`cli`] holds the command implementations that
//! `main.rs` dispatches to.

pub mod cli;
pub mod hotspots;
pub mod index;
pub mod ingest;
pub mod model;
pub mod outfile;
pub mod pipeline;
pub mod report;
pub mod search;
pub mod serve;
pub mod tag;
pub mod testdata;
pub mod text;

pub use model::{Case, Kind, RecordType, Satisfaction, Source, Status, Tags};
