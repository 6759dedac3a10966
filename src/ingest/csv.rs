//! CSV (and TSV) exports: encoding detected per file, fields decoded per cell so that a row
//! with invalid byte sequences is rejected alone, headers mapped by [`Mapping`].

use anyhow::{Context, Result};

use super::encoding::{detect, Detected};
use super::headers::{Field, Mapping};
use super::rows::{Cell, Collector};
use super::{Batch, ReadOptions};

/// Picks the delimiter from the first line: the most frequent of `,` `\t` `;` `|` outside quotes.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or(bytes);
    let mut counts = [0usize; 4];
    let cands = [b',', b'\t', b';', b'|'];
    let mut in_quotes = false;
    for &b in line {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            if let Some(i) = cands.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
        }
    }
    let best = (0..4).max_by_key(|&i| (counts[i], std::cmp::Reverse(i)));
    match best {
        Some(i) if counts[i] > 0 => cands[i],
        _ => b',',
    }
}

/// Reads a delimited file held in `bytes`.
pub fn read_csv(file: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Batch> {
    let detected = detect(bytes);
    let mut col = Collector::new(file);
    col.set_encoding(detected.name());
    let transcoded;
    let (body, det) = if detected.is_utf16() {
        transcoded = detected
            .decode_lossy(&bytes[detected.bom_len..])
            .into_owned();
        (
            transcoded.as_bytes(),
            Detected {
                encoding: encoding_rs::UTF_8,
                bom_len: 0,
            },
        )
    } else {
        (&bytes[detected.bom_len..], detected)
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(body))
        .from_reader(body);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(r) => r.with_context(|| format!("{file}: cannot read the header row"))?,
        None => anyhow::bail!("{file}: empty file, no header row"),
    };
    let headers: Vec<String> = header
        .iter()
        .map(|h| super::rows::clean(&det.decode_lossy(h)).to_string())
        .collect();
    let mapping = Mapping::new(&headers, &opts.map).with_context(|| file.to_string())?;
    if mapping.column(Field::Narrative).is_none() {
        anyhow::bail!(
            "{file}: no column maps to narrative (columns: {}); name it with --map narrative=列名",
            headers.join(", ")
        );
    }
    for w in &mapping.warnings {
        col.warn(format!("{file}: {w}"));
    }
    let mut row = 1usize;
    for rec in records {
        row += 1;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                col.count_read();
                col.reject(row, "", format!("unreadable csv record: {e}"));
                continue;
            }
        };
        if rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let mut cells = Vec::with_capacity(rec.len());
        let mut broken = None;
        for (i, f) in rec.iter().enumerate() {
            match det.decode(f) {
                Some(s) => cells.push(Cell::Text(s.into_owned())),
                None => {
                    broken = Some(i);
                    break;
                }
            }
        }
        if let Some(i) = broken {
            col.count_read();
            col.reject(
                row,
                mapping.field_name(i),
                format!(
                    "broken encoding: invalid {} byte sequence in column `{}`",
                    det.encoding.name(),
                    mapping.header(i)
                ),
            );
            continue;
        }
        col.row(&mapping, &cells, row, format!("row {row}"));
    }
    Ok(col.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a,x\";b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"abc\n"), b',');
    }
}
