//! Spreadsheet exports (xlsx, also xlsm / xlsb / xls / ods) through calamine: the first sheet
//! unless `--sheet` names another, the first non-empty row as the header, dates as Excel
//! serial numbers, date cells or strings.

use std::io::Cursor;

use anyhow::{bail, Context, Result};
use calamine::{open_workbook_auto_from_rs, Data, Reader, Sheets};
use chrono::{NaiveDate, NaiveDateTime};

use super::dates::excel_serial;
use super::headers::{find_header, settle};
use super::infer::SAMPLE_ROWS;
use super::rows::{clean, Cell, Collector};
use super::{Batch, ReadOptions};

fn excel_datetime(d: &calamine::ExcelDateTime) -> Option<NaiveDateTime> {
    let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
    let dt = NaiveDate::from_ymd_opt(y.into(), mo.into(), da.into())?.and_hms_opt(
        h.into(),
        mi.into(),
        s.into(),
    )?;
    Some(if ms >= 500 {
        dt + chrono::Duration::seconds(1)
    } else {
        dt
    })
}

fn to_cell(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => Cell::Text(s.clone()),
        Data::Bool(b) => Cell::Bool(*b),
        // A date-styled cell whose serial is no date (1e300, -5) stays a number, so that the
        // date column rejects it instead of reading 9999-12-31 or 1899-12-31.
        Data::DateTime(d) if d.is_datetime() && excel_serial(d.as_f64()).is_some() => {
            match excel_datetime(d) {
                Some(dt) => Cell::DateTime(dt),
                None => Cell::Number(d.as_f64()),
            }
        }
        Data::DateTime(d) => Cell::Number(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// The largest shared-strings part accepted (uncompressed): calamine holds every shared
/// string in memory, at about three times the part's size.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 256 << 20;

/// The largest other part (a sheet's XML, uncompressed). Sheets are streamed, so this only
/// bounds the time a hostile file can take.
pub const MAX_PART_BYTES: u64 = 4 << 30;

/// The widest row read: cells beyond this column are ignored (a stray cell at `XFD…`
/// must not make every row 16,384 cells wide).
pub const MAX_COLUMNS: usize = 1024;

/// Consecutive unreadable cells after which the rest of a sheet is given up.
const MAX_CELL_ERRORS: usize = 10_000;

/// Refuses a zip-based workbook whose parts are larger than the limits, from the sizes its
/// central directory declares, before anything is decompressed.
fn check_parts(file: &str, bytes: &[u8]) -> Result<()> {
    if !bytes.starts_with(b"PK") {
        return Ok(());
    }
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(()); // calamine says what is wrong with it
    };
    for i in 0..zip.len() {
        let Ok(part) = zip.by_index_raw(i) else {
            continue;
        };
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let size = part.size();
        drop(part);
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            check_dimension(file, &name, &mut zip, i)?;
        }
        let shared = name.ends_with("sharedStrings.xml");
        let limit = if shared {
            MAX_SHARED_STRINGS_BYTES
        } else {
            MAX_PART_BYTES
        };
        // calamine holds the shared strings in memory: measure what the part really unpacks
        // to, since the declared size can lie.
        let size = if shared && size <= limit {
            unpacked_size(&mut zip, i, limit).with_context(|| {
                format!(
                    "{file}: refused: part `{name}` of the workbook does not unpack to the {size} bytes \
                     it declares (a damaged or forged workbook)"
                )
            })?
        } else {
            size
        };
        if size > limit {
            bail!(
                "{file}: refused: part `{name}` of the workbook unpacks to {size} bytes, over the {} MB limit \
                 (not a work-order export?)",
                limit >> 20
            );
        }
    }
    Ok(())
}

/// How many bytes part `i` really unpacks to, counting at most `limit + 1` (the rest is not
/// decompressed); `None` when it does not unpack as its entry declares (more bytes than its
/// declared size, or a bad checksum: the zip reader stops there).
fn unpacked_size(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, i: usize, limit: u64) -> Option<u64> {
    use std::io::Read;
    let mut part = zip.by_index(i).ok()?.take(limit + 1);
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        match part.read(&mut buf) {
            Ok(0) => return Some(total),
            Ok(n) => total += n as u64,
            Err(_) => return None,
        }
    }
}

/// The `(row, column)` of a cell reference (`B3` → `(3, 2)`), if it is one.
fn cell_ref(r: &str) -> Option<(u64, u64)> {
    let split = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let col = letters.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(26)?
            .checked_add(u64::from(b.to_ascii_uppercase() - b'A' + 1))
    })?;
    Some((digits.parse().ok()?, col))
}

/// Refuses a sheet whose declared `<dimension ref="B2:A1">` ends before it starts (calamine
/// 0.38 subtracts the corners unchecked and panics on it).
fn check_dimension(
    file: &str,
    name: &str,
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
) -> Result<()> {
    use std::io::Read;
    let Ok(part) = zip.by_index(i) else {
        return Ok(());
    };
    // The part's first 64 KB, as far as they decompress (a bad checksum shows only at its
    // end, after calamine has read the dimension).
    let mut head = Vec::new();
    let mut part = part.take(64 << 10);
    let mut buf = [0u8; 8192];
    while let Ok(n @ 1..) = part.read(&mut buf) {
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let Some(at) = head.find("<dimension") else {
        return Ok(());
    };
    let tag = &head[at..head[at..].find('>').map_or(head.len(), |e| at + e)];
    let Some(value) = tag
        .split("ref=")
        .nth(1)
        .and_then(|v| v.trim_start().strip_prefix(['"', '\'']))
        .and_then(|v| v.split(['"', '\'']).next())
    else {
        return Ok(());
    };
    if let Some((a, b)) = value.split_once(':') {
        if let (Some(a), Some(b)) = (cell_ref(a), cell_ref(b)) {
            if b.0 < a.0 || b.1 < a.1 {
                bail!("{file}: refused: sheet `{name}` declares the inverted dimension `{value}` (a damaged workbook)");
            }
        }
    }
    Ok(())
}

/// One sheet row as read: its spreadsheet number (first row = 1), its cells up to the last
/// non-empty one (at most [`MAX_COLUMNS`]), and why one of its cells could not be read.
struct RawRow {
    row: usize,
    cells: Vec<Data>,
    error: Option<String>,
}

impl RawRow {
    fn new(row: u32) -> RawRow {
        RawRow {
            row: row as usize + 1,
            cells: Vec::new(),
            error: None,
        }
    }

    fn set(&mut self, col: u32, value: Data) {
        let col = col as usize;
        if col >= MAX_COLUMNS || value == Data::Empty {
            return;
        }
        if self.cells.len() <= col {
            self.cells.resize(col + 1, Data::Empty);
        }
        self.cells[col] = value;
    }
}

/// The rows of an xlsx sheet, streamed from its XML one row at a time: memory does not
/// depend on the sheet's declared dimensions, and a cell that cannot be read spoils only its
/// row (an XML error ends the sheet, keeping the rows before it).
struct StreamedRows<'a, RS: std::io::Read + std::io::Seek> {
    cells: calamine::XlsxCellReader<'a, RS>,
    /// The first cell of the next row, read ahead.
    pending: Option<(u32, u32, Data)>,
    /// An unreadable cell not yet given to a row.
    error: Option<String>,
    errors: usize,
    done: bool,
    /// Why the sheet ended early, with the last row read.
    fatal: Option<String>,
}

impl<'a, RS: std::io::Read + std::io::Seek> StreamedRows<'a, RS> {
    fn new(cells: calamine::XlsxCellReader<'a, RS>) -> Self {
        StreamedRows {
            cells,
            pending: None,
            error: None,
            errors: 0,
            done: false,
            fatal: None,
        }
    }

    fn next_row(&mut self) -> Option<RawRow> {
        let mut cur: Option<RawRow> = self.pending.take().map(|(r, c, v)| {
            let mut row = RawRow::new(r);
            row.set(c, v);
            row
        });
        while !self.done {
            match self.cells.next_cell() {
                Ok(Some(cell)) => {
                    self.errors = 0;
                    let (r, c) = cell.get_position();
                    let value: Data = cell.get_value().clone().into();
                    let same_row = cur.as_ref().is_some_and(|row| row.row == r as usize + 1);
                    if let Some(e) = self.error.take() {
                        // A failed cell belongs to the row it is followed in, unless the
                        // next cell starts a new row (then it ended the previous one).
                        match cur.as_mut() {
                            Some(row) if same_row || c == 0 => row.error = Some(e),
                            _ => self.error = Some(e),
                        }
                    }
                    if cur.is_some() && !same_row {
                        self.pending = Some((r, c, value));
                        return cur;
                    }
                    let row = cur.get_or_insert_with(|| RawRow::new(r));
                    if let Some(e) = self.error.take() {
                        row.error = Some(e);
                    }
                    row.set(c, value);
                }
                Ok(None) => self.done = true,
                Err(e @ (calamine::XlsxError::Xml(_) | calamine::XlsxError::XmlEof(_))) => {
                    self.fatal = Some(format!(
                        "broken sheet XML ({e}): the rest of the sheet was not read"
                    ));
                    self.done = true;
                }
                Err(e) => {
                    self.errors += 1;
                    if self.errors > MAX_CELL_ERRORS {
                        self.fatal = Some(format!(
                            "{MAX_CELL_ERRORS} unreadable cells in a row ({e}): the rest of the sheet was not read"
                        ));
                        self.done = true;
                    }
                    self.error = Some(format!("unreadable cell: {e}"));
                }
            }
        }
        if let Some(e) = self.error.take() {
            match cur.as_mut() {
                Some(row) => row.error = Some(e),
                None => {
                    self.fatal.get_or_insert(e);
                }
            }
        }
        cur
    }
}

fn header_text(row: &RawRow) -> Vec<String> {
    row.cells
        .iter()
        .map(|c| clean(&to_cell(c).text()).to_string())
        .collect()
}

/// Turns a sheet's rows into cases: the header row found by [`find_header`], then each data
/// row (an unreadable cell rejects its row alone).
fn collect_rows(
    file: &str,
    sheet: &str,
    mut next: impl FnMut() -> Option<RawRow>,
    opts: &ReadOptions,
) -> Result<Collector> {
    let mut col = Collector::new(file);
    let mut header_errors = Vec::new();
    let mapping = find_header(
        || {
            let row = next();
            if let Some(r) = &row {
                if let Some(e) = &r.error {
                    header_errors.push((r.row, e.clone()));
                }
            }
            Ok(row.as_ref().map(header_text))
        },
        &opts.map,
        &format!("{file}: sheet `{sheet}`"),
    )?;
    for (row, e) in header_errors {
        col.warn(format!("{file}: row {row} (above or at the header): {e}"));
    }
    // The first rows decide the columns no header name claimed; then they are read as rows.
    let mut head: Vec<RawRow> = Vec::new();
    while head.len() < SAMPLE_ROWS {
        match next() {
            Some(r) => head.push(r),
            None => break,
        }
    }
    let samples: Vec<Vec<Cell>> = head
        .iter()
        .filter(|r| r.error.is_none())
        .map(|r| r.cells.iter().map(to_cell).collect::<Vec<Cell>>())
        .filter(|c| !c.iter().all(Cell::is_blank))
        .collect();
    let mapping = settle(mapping, &samples, &format!("{file}: sheet `{sheet}`"))?;
    col.describe(&mapping, &samples);
    let mut head = head.into_iter();
    while let Some(r) = head.next().or_else(&mut next) {
        if let Some(e) = r.error {
            col.count_read();
            col.reject(r.row, "", e);
            continue;
        }
        let cells: Vec<Cell> = r.cells.iter().map(to_cell).collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        col.row(&mapping, &cells, r.row, format!("row {}", r.row));
    }
    Ok(col)
}

/// Reads the chosen sheet of a workbook held in `bytes`. A panic inside the spreadsheet
/// library (a damaged file it does not expect) is this file's error, not the end of the run.
pub fn read_xlsx(file: &str, bytes: Vec<u8>, opts: &ReadOptions) -> Result<Batch> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_workbook(file, bytes, opts)
    }))
    .unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        bail!("{file}: the spreadsheet reader failed on this file ({why}): a damaged workbook?")
    })
}

fn read_workbook(file: &str, bytes: Vec<u8>, opts: &ReadOptions) -> Result<Batch> {
    check_parts(file, &bytes)?;
    let mut wb = open_workbook_auto_from_rs(Cursor::new(bytes))
        .with_context(|| format!("{file}: not a readable spreadsheet"))?;
    let names = wb.sheet_names();
    let sheet = match &opts.sheet {
        Some(s) => {
            if !names.iter().any(|n| n == s) {
                bail!("{file}: no sheet `{s}` (sheets: {})", names.join(", "));
            }
            s.clone()
        }
        None => names
            .first()
            .cloned()
            .with_context(|| format!("{file}: the workbook has no sheets"))?,
    };
    if let Sheets::Xlsx(xlsx) = &mut wb {
        let cells = xlsx
            .worksheet_cells_reader(&sheet)
            .with_context(|| format!("{file}: cannot read sheet `{sheet}`"))?;
        let mut rows = StreamedRows::new(cells);
        let mut col = collect_rows(file, &sheet, || rows.next_row(), opts)?;
        if let Some(e) = rows.fatal.take() {
            col.warn(format!("{file}: sheet `{sheet}`: {e}"));
        }
        return Ok(col.finish());
    }
    // xls / xlsb / ods: calamine reads the sheet whole.
    let range = wb
        .worksheet_range(&sheet)
        .with_context(|| format!("{file}: cannot read sheet `{sheet}`"))?;
    let first_row = range.start().map_or(0, |(r, _)| r);
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        let mut row = RawRow::new(first_row + i as u32);
        for (c, v) in cells.iter().enumerate().take(MAX_COLUMNS) {
            row.set(c as u32, v.clone());
        }
        row
    });
    Ok(collect_rows(file, &sheet, || rows.next(), opts)?.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_cells_keep_all_digits() {
        let c = to_cell(&Data::Int(202_312_010_000_123_457));
        assert_eq!(c.text(), "202312010000123457");
    }
}
