//! CSV (and TSV) exports: encoding detected per file, fields decoded per cell so that a row
//! with invalid byte sequences is rejected alone, headers mapped by [`Mapping`].

use anyhow::{Context, Result};

use super::encoding::detect;
use super::headers::{find_header, Mapping};
use super::rows::{Cell, Collector};
use super::{Batch, ReadOptions};

/// How many non-blank leading lines the delimiter is guessed from.
const SNIFF_LINES: usize = 10;

/// Picks the delimiter among `,` `\t` `;` `|`: the one that splits the most of the first ten
/// non-blank lines into the same non-zero number of fields (quotes respected, so a quoted
/// cell may hold delimiters and line breaks). A title row above the header (`2024年5月工单明细`)
/// has none and so does not decide it.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    const CANDS: [u8; 4] = [b',', b'\t', b';', b'|'];
    let mut lines: Vec<[usize; 4]> = Vec::new();
    let mut counts = [0usize; 4];
    let mut blank = true;
    let mut in_quotes = false;
    for &b in bytes.iter().take(1 << 20) {
        if b == b'"' {
            in_quotes = !in_quotes;
            blank = false;
        } else if in_quotes {
            continue;
        } else if b == b'\n' {
            if !blank {
                lines.push(counts);
                if lines.len() == SNIFF_LINES {
                    break;
                }
            }
            counts = [0; 4];
            blank = true;
        } else {
            if let Some(i) = CANDS.iter().position(|&c| c == b) {
                counts[i] += 1;
            }
            if !b.is_ascii_whitespace() {
                blank = false;
            }
        }
    }
    if !blank && lines.len() < SNIFF_LINES {
        lines.push(counts);
    }
    // Per candidate: the largest number of lines sharing one non-zero count.
    let score = |i: usize| {
        let mut per_count: Vec<(usize, usize)> = Vec::new();
        for l in &lines {
            let n = l[i];
            if n == 0 {
                continue;
            }
            match per_count.iter_mut().find(|(c, _)| *c == n) {
                Some((_, k)) => *k += 1,
                None => per_count.push((n, 1)),
            }
        }
        per_count
            .iter()
            .map(|&(n, k)| (k, n))
            .max()
            .unwrap_or((0, 0))
    };
    let best = (0..4).max_by_key(|&i| (score(i), std::cmp::Reverse(i)));
    match best {
        Some(i) if score(i).0 > 0 => CANDS[i],
        _ => b',',
    }
}

fn is_blank(rec: &csv::ByteRecord) -> bool {
    rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// Rows as a spreadsheet numbers them: the csv reader skips blank lines and a quoted cell may
/// span lines, so the row is counted from record positions and embedded newlines.
#[derive(Default)]
struct RowCounter {
    /// The line after the last record.
    next_line: u64,
    /// The spreadsheet row of the last record.
    row: usize,
}

impl RowCounter {
    fn row_of(&mut self, rec: &csv::ByteRecord, body: &[u8]) -> usize {
        let next = self.next_line.max(1);
        // A record's position is where the reader began, before the blank lines it skipped.
        let start = rec.position().map_or(next, |p| {
            let mut line = p.line();
            let rest = body.get(p.byte() as usize..).unwrap_or_default();
            let mut i = 0;
            while i < rest.len() && (rest[i] == b'\n' || rest[i] == b'\r') {
                if rest[i] == b'\n' {
                    line += 1;
                }
                i += 1;
            }
            line
        });
        self.row += 1 + start.saturating_sub(next) as usize;
        let newlines: usize = rec
            .iter()
            .map(|f| f.iter().filter(|&&b| b == b'\n').count())
            .sum();
        self.next_line = start + 1 + newlines as u64;
        self.row
    }
}

/// Why a record whose field count differs from the header's is refused, as `(field, reason)`.
///
/// A record longer than the header whose extra fields are not all blank had an unquoted
/// delimiter inside a field (every later field would shift by one). A shorter record is
/// accepted (exports drop empty trailing cells) unless one of its fields spans line breaks:
/// then a quote was probably left open and swallowed the following lines.
fn field_count_error(
    rec: &csv::ByteRecord,
    mapping: &Mapping,
    row: usize,
) -> Option<(String, String)> {
    let want = mapping.headers.len();
    let have = rec.len();
    if have > want {
        let extra_blank = rec
            .iter()
            .skip(want)
            .all(|f| f.iter().all(u8::is_ascii_whitespace));
        if extra_blank {
            return None;
        }
        return Some((
            String::new(),
            format!(
                "row {row} has {have} fields, the header has {want}: an unquoted delimiter inside a field?"
            ),
        ));
    }
    if have < want {
        let (i, lines) = rec
            .iter()
            .enumerate()
            .map(|(i, f)| {
                // Line breaks inside the field, not counting the file's final one.
                let end = f.len()
                    - f.iter()
                        .rev()
                        .take_while(|&&b| b == b'\n' || b == b'\r')
                        .count();
                (i, 1 + f[..end].iter().filter(|&&b| b == b'\n').count())
            })
            .max_by_key(|&(i, n)| (n, std::cmp::Reverse(i)))?;
        if lines > 1 {
            return Some((
                mapping.field_name(i),
                format!(
                    "row {row} has {have} fields, the header has {want}, and column `{}` spans {lines} lines: \
                     an unclosed quote swallowed the {} lines after it?",
                    mapping.header(i),
                    lines - 1
                ),
            ));
        }
    }
    None
}

/// Reads a delimited file held in `bytes`.
pub fn read_csv(file: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Batch> {
    let detected = detect(bytes);
    let mut col = Collector::new(file);
    col.set_encoding(detected.name());
    let (body, det) = detected.body(bytes);
    let body: &[u8] = &body;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(body))
        .from_reader(body);
    let mut records = reader.byte_records();
    let mut rows = RowCounter::default();
    let mapping = find_header(
        || {
            let Some(rec) = records.next() else {
                return Ok(None);
            };
            let rec = rec.with_context(|| format!("{file}: cannot read the header row"))?;
            rows.row_of(&rec, body);
            Ok(Some(
                rec.iter()
                    .map(|h| super::rows::clean(&det.decode_lossy(h)).to_string())
                    .collect(),
            ))
        },
        &opts.map,
        file,
    )?;
    for w in &mapping.warnings {
        col.warn(format!("{file}: {w}"));
    }
    for rec in records {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let row = rows.row + 1;
                col.count_read();
                col.reject(row, "", format!("unreadable csv record: {e}"));
                continue;
            }
        };
        let row = rows.row_of(&rec, body);
        if is_blank(&rec) {
            continue;
        }
        if let Some((field, reason)) = field_count_error(&rec, &mapping, row) {
            col.count_read();
            col.reject(row, field, reason);
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
    fn rows_count_blank_lines_and_title_rows() {
        let text = "2024年5月工单明细,,\n编号,诉求内容,单位\nA,路灯不亮,城管局\n\nB,\"井盖\n丢失\",城管局\nC,噪音,环保局\n";
        let b = read_csv("t.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
        let rows: Vec<&str> = b.cases.iter().map(|c| c.source.locator.as_str()).collect();
        assert_eq!(rows, ["row 3", "row 5", "row 6"]);
    }

    #[test]
    fn long_records_with_extra_values_are_rejected() {
        let text = "编号,诉求内容,承办单位\nA1,路灯不亮,城管局\nA2,路灯不亮,晚上很黑,城管局\nA3,井盖丢失\nA4,噪音,环保局,,\n";
        let b = read_csv("t.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
        let ids: Vec<&str> = b.cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["A1", "A3", "A4"]);
        assert_eq!(b.read, 4);
        assert_eq!(b.rejects.len(), 1);
        let r = &b.rejects[0];
        assert_eq!((r.file.as_str(), r.row), ("t.csv", 3));
        assert!(
            r.reason.contains("row 3 has 4 fields, the header has 3"),
            "{}",
            r.reason
        );
    }

    #[test]
    fn an_unclosed_quote_is_rejected_not_merged() {
        let text =
            "编号,诉求内容,承办单位\nA1,\"路灯不亮,城管局\nA2,井盖丢失,城管局\nA3,停水,水务局\n";
        let b = read_csv("q.csv", text.as_bytes(), &ReadOptions::default()).unwrap();
        assert!(b.cases.is_empty());
        assert_eq!((b.read, b.rejects.len()), (1, 1));
        let r = &b.rejects[0];
        assert_eq!((r.row, r.field.as_str()), (2, "narrative"));
        assert!(
            r.reason
                .contains("spans 3 lines: an unclosed quote swallowed the 2 lines after it?"),
            "{}",
            r.reason
        );
        // A complete record may still hold a multi-line quoted cell.
        let ok = "编号,诉求内容,承办单位\nA1,\"路灯\n不亮\",城管局\n";
        let b = read_csv("ok.csv", ok.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!((b.cases.len(), b.rejects.len()), (1, 0));
    }

    #[test]
    fn a_row_without_id_keeps_its_id_when_its_status_changes() {
        let open = "诉求内容,承办单位,办理状态,受理时间\n路灯不亮,城管局,在办,2024-05-01 10:00\n";
        let closed = "诉求内容,承办单位,办理状态,受理时间,回访结果\n路灯不亮,城管局,已办结,2024-05-01 10:00,满意\n";
        let a = read_csv("may.csv", open.as_bytes(), &ReadOptions::default()).unwrap();
        let b = read_csv("june.csv", closed.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(a.cases[0].status, Some(crate::model::Status::InProgress));
        assert_eq!(b.cases[0].status, Some(crate::model::Status::Closed));
        assert_eq!(a.cases[0].id, b.cases[0].id);
    }

    #[test]
    fn sniffs_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"a,x\";b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"abc\n"), b',');
        // A title row above the header, with or without a stray comma.
        let tsv = "2024年5月工单明细\n编号\t诉求内容\t承办单位\nA1\t路灯不亮,很黑\t城管局\nA2\t停水\t水务局\n";
        assert_eq!(sniff_delimiter(tsv.as_bytes()), b'\t');
        let semi =
            "\n工单明细,2024年5月\n编号;诉求内容;单位\nA1;\"路灯;\n不亮\";城管局\nA2;停水;水务局\n";
        assert_eq!(sniff_delimiter(semi.as_bytes()), b';');
    }

    #[test]
    fn a_tsv_with_a_title_row_is_read() {
        let tsv = "2024年5月工单明细\n编号\t诉求内容\t承办单位\t受理时间\nA1\t路灯不亮\t城管局\t2024-05-01 10:00\nA2\t井盖丢失\t城管局\t2024-05-02 10:00\n";
        let b = read_csv("t.tsv", tsv.as_bytes(), &ReadOptions::default()).unwrap();
        let got: Vec<(&str, &str)> = b
            .cases
            .iter()
            .map(|c| (c.id.as_str(), c.source.locator.as_str()))
            .collect();
        assert_eq!(got, [("A1", "row 3"), ("A2", "row 4")]);
        assert_eq!(b.cases[0].department.as_deref(), Some("城管局"));
    }
}
