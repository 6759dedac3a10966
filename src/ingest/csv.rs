//! CSV (and TSV) exports: encoding detected per file, fields decoded per cell so that a row
//! with invalid byte sequences is rejected alone, headers mapped by [`Mapping`].

use anyhow::{Context, Result};

use super::encoding::detect;
use super::headers::{find_header, settle, Mapping};
use super::infer::SAMPLE_ROWS;
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

/// The fields of one line read alone (quotes respected within the line).
fn fields_of_line(line: &[u8], delimiter: u8) -> Option<csv::ByteRecord> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(line);
    r.byte_records().next()?.ok()
}

/// True when a line inside a quoted field would make a record of its own: exactly as many
/// fields as the header and, when a column maps to the received date, a date (or nothing)
/// there. A narrative's own line breaks rarely hold that many delimiters, and its clauses
/// are no dates.
fn looks_like_record(line: &[u8], mapping: &Mapping, delimiter: u8) -> bool {
    if line.iter().all(u8::is_ascii_whitespace) {
        return false;
    }
    let Some(fields) = fields_of_line(line, delimiter) else {
        return false;
    };
    if fields.len() < 2 || fields.len() != mapping.headers.len() {
        return false;
    }
    match mapping.column(super::headers::Field::ReceivedAt) {
        Some(i) => {
            let v = String::from_utf8_lossy(fields.get(i).unwrap_or_default());
            super::dates::parse_datetime(&v).is_ok()
        }
        None => true,
    }
}

/// The column whose quoted field spans lines that look like records (an unclosed quote that
/// swallowed the rows after it), if any.
fn swallowing_column(rec: &csv::ByteRecord, mapping: &Mapping, delimiter: u8) -> Option<usize> {
    rec.iter().position(|f| {
        f.split(|&b| b == b'\n')
            .skip(1)
            .any(|l| looks_like_record(l.strip_suffix(b"\r").unwrap_or(l), mapping, delimiter))
    })
}

/// The raw lines of a record from its start in `body` (`lines` of them).
fn raw_lines<'b>(rec: &csv::ByteRecord, body: &'b [u8], lines: usize) -> Vec<&'b [u8]> {
    let start = rec.position().map_or(0, |p| p.byte() as usize);
    let mut rest = body.get(start..).unwrap_or_default();
    // The reader's position may be before the blank lines it skipped.
    while let [b'\r' | b'\n', tail @ ..] = rest {
        rest = tail;
    }
    rest.split(|&b| b == b'\n')
        .take(lines)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

/// Reads a record an unclosed quote in column `column` ran over many lines again, one line at
/// a time: the line with the stray quote is rejected, each following line that is a record
/// is read as its own row, any other is rejected by its row. Returns the rows used.
#[allow(clippy::too_many_arguments)]
fn recover_lines(
    col: &mut Collector,
    rec: &csv::ByteRecord,
    body: &[u8],
    det: &super::encoding::Detected,
    mapping: &Mapping,
    delimiter: u8,
    column: usize,
    row: usize,
) -> usize {
    let newlines: usize = rec
        .iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count())
        .sum();
    let mut lines = raw_lines(rec, body, newlines + 1);
    while lines.len() > 1 && lines[lines.len() - 1].iter().all(u8::is_ascii_whitespace) {
        lines.pop();
    }
    for (i, line) in lines.iter().enumerate() {
        let r = row + i;
        if i > 0 && line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        col.count_read();
        if i == 0 {
            col.reject(
                r,
                mapping.field_name(column),
                format!(
                    "unclosed quote in column `{}`: its field ran on over the next {} lines, \
                     which are read as rows of their own",
                    mapping.header(column),
                    lines.len() - 1
                ),
            );
            continue;
        }
        let fields = fields_of_line(line, delimiter);
        let cells: Option<Vec<Cell>> = fields
            .as_ref()
            .filter(|_| looks_like_record(line, mapping, delimiter))
            .and_then(|f| {
                f.iter()
                    .map(|v| det.decode(v).map(|s| Cell::Text(s.into_owned())))
                    .collect()
            });
        match cells {
            Some(cells) => col.row_counted(mapping, &cells, r, format!("row {r}")),
            None => col.reject(
                r,
                mapping.field_name(column),
                format!(
                    "line swallowed by the unclosed quote of row {row} (column `{}`) and not a row of its own",
                    mapping.header(column)
                ),
            ),
        }
    }
    lines.len()
}

/// Reads a delimited file held in `bytes`.
pub fn read_csv(file: &str, bytes: &[u8], opts: &ReadOptions) -> Result<Batch> {
    let detected = detect(bytes);
    let mut col = Collector::new(file);
    col.set_encoding(detected.name());
    let (body, det) = detected.body(bytes);
    let body: &[u8] = &body;
    let delimiter = sniff_delimiter(body);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
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
    // The first rows decide the columns no header name claimed; then they are read as rows.
    let head: Vec<csv::Result<csv::ByteRecord>> = records.by_ref().take(SAMPLE_ROWS).collect();
    let samples: Vec<Vec<Cell>> = head
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .filter(|r| !is_blank(r))
        .map(|r| {
            r.iter()
                .map(|f| Cell::Text(det.decode_lossy(f).into_owned()))
                .collect()
        })
        .collect();
    let mapping = settle(mapping, &samples, file)?;
    col.describe(&mapping, &samples);
    for rec in head.into_iter().chain(records) {
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
        if let Some(column) = swallowing_column(&rec, &mapping, delimiter) {
            let used = recover_lines(&mut col, &rec, body, &det, &mapping, delimiter, column, row);
            rows.row += used.saturating_sub(1);
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
        // The line with the stray quote is rejected, the rows it swallowed are read again.
        let got: Vec<(&str, &str)> = b
            .cases
            .iter()
            .map(|c| (c.id.as_str(), c.source.locator.as_str()))
            .collect();
        assert_eq!(got, [("A2", "row 3"), ("A3", "row 4")]);
        assert_eq!((b.read, b.rejects.len()), (3, 1));
        let r = &b.rejects[0];
        assert_eq!((r.row, r.field.as_str()), (2, "narrative"));
        assert!(
            r.reason.contains(
                "unclosed quote in column `诉求内容`: its field ran on over the next 2 lines"
            ),
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
