//! The indexing floor (issue #6): how fast tantivy alone indexes the scale run's texts when
//! the words are already cut, under our settings and under lighter ones, beside bare jieba-rs
//! segmentation of the same bytes on the same threads. It answers "how fast could any ingest
//! built on jieba-rs + tantivy be on this machine", the bound under the 25 MB/s and 50x-peer
//! targets.
//!
//! The texts (title, narrative, reply of the cases the scale run replicates) are segmented by
//! jieba once, outside the timing, and joined with spaces; each configuration then indexes them
//! through tantivy's whitespace tokenizer with the writer's default threads, committing every
//! 20,000 cases as the ingest does:
//! - `positions+store`: freqs and positions, the text stored (what a searchable, highlightable
//!   case store needs; ours adds sub-words, keyword and fast fields, and the case JSON);
//! - `freqs`: term frequencies only, nothing stored;
//! - `docs`: document ids only, nothing stored (the least an inverted index can hold).
//!
//! `HOTLINE_FLOOR_N=100000 cargo bench --bench floor` (needs `../shared` or `$HOTLINE_SHARED`;
//! skips otherwise).

mod common;

use common::{bare_jieba_rate, cpu_secs, env_count, scale_templates};
use std::time::Instant;

use rayon::prelude::*;
use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{doc, Index};

use hotline::text::segmenter;

const COMMIT_EVERY: usize = 20_000;
const WRITER_MEMORY: usize = 256 * 1024 * 1024;

fn main() {
    let Some(shared) = hotline::testdata::shared_dir() else {
        println!("skipped: the floor bench needs ../shared/datasets (or $HOTLINE_SHARED)");
        return;
    };
    let n = env_count("HOTLINE_FLOOR_N", 100_000).max(1);
    let templates = scale_templates(&shared);
    let texts: Vec<String> = templates
        .iter()
        .map(|c| {
            let mut t = c.title.clone().unwrap_or_default();
            t.push('\n');
            t.push_str(&c.narrative);
            if let Some(r) = &c.reply {
                t.push('\n');
                t.push_str(r);
            }
            t
        })
        .collect();

    let (seg_mbps, seg_cpu) = bare_jieba_rate(&texts);

    // The words, cut once (not timed).
    let jieba = segmenter().jieba();
    let cut: Vec<String> = texts
        .par_iter()
        .map(|t| {
            jieba
                .cut(t, true)
                .iter()
                .map(|w| w.word.trim())
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let bytes: usize = (0..n).map(|i| texts[i % texts.len()].len()).sum();
    let mb = bytes as f64 / 1e6;
    println!(
        "floor: {n} cases ({mb:.1} MB of text) from {} templates, {} threads",
        templates.len(),
        rayon::current_num_threads()
    );
    println!("\n| what | MB/s (wall) | MB per CPU-second | vs bare jieba (wall) |");
    println!("|---|---|---|---|");
    println!("| bare jieba segmentation | {seg_mbps:.2} | {seg_cpu:.2} | 100 % |");

    let configs: [(&str, IndexRecordOption, bool); 3] = [
        (
            "positions+store",
            IndexRecordOption::WithFreqsAndPositions,
            true,
        ),
        ("freqs", IndexRecordOption::WithFreqs, false),
        ("docs", IndexRecordOption::Basic, false),
    ];
    for (name, record, stored) in configs {
        let mut b = Schema::builder();
        let mut opts = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("whitespace")
                .set_index_option(record),
        );
        if stored {
            opts = opts.set_stored();
        }
        let text = b.add_text_field("text", opts);
        let dir = tempfile::tempdir().unwrap();
        let index = Index::create_in_dir(dir.path(), b.build()).unwrap();
        let (start, cpu0) = (Instant::now(), cpu_secs());
        let mut writer = index
            .writer::<tantivy::TantivyDocument>(WRITER_MEMORY)
            .unwrap();
        for i in 0..n {
            writer
                .add_document(doc!(text => cut[i % cut.len()].as_str()))
                .unwrap();
            if (i + 1) % COMMIT_EVERY == 0 {
                writer.commit().unwrap();
            }
        }
        writer.commit().unwrap();
        writer.wait_merging_threads().unwrap();
        let wall = start.elapsed().as_secs_f64();
        let cpu = (cpu_secs() - cpu0).max(1e-9);
        // Segmentation and indexing share the cores: the combined rate is the harmonic sum.
        println!(
            "| tantivy alone, {name} | {:.2} | {:.2} | {:.1} % |",
            mb / wall,
            mb / cpu,
            100.0 * mb / wall / seg_mbps
        );
        println!(
            "| jieba + tantivy {name}, per CPU-second (harmonic sum) | - | {:.2} | - |",
            1.0 / (1.0 / seg_cpu + cpu / mb)
        );
    }
}
