//! Spreadsheet exports (xlsx, also xlsm / xlsb / xls / ods) through calamine: the first sheet
//! unless `--sheet` names another, the first non-empty row as the header, dates as Excel
//! serial numbers, date cells or strings.

use std::io::Cursor;

use anyhow::{bail, Context, Result};
use calamine::{open_workbook_auto_from_rs, Data, Reader};
use chrono::{NaiveDate, NaiveDateTime};

use super::headers::find_header;
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
        Data::DateTime(d) if d.is_datetime() => match excel_datetime(d) {
            Some(dt) => Cell::DateTime(dt),
            None => Cell::Number(d.as_f64()),
        },
        Data::DateTime(d) => Cell::Number(d.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// Reads the chosen sheet of a workbook held in `bytes`.
pub fn read_xlsx(file: &str, bytes: Vec<u8>, opts: &ReadOptions) -> Result<Batch> {
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
    let range = wb
        .worksheet_range(&sheet)
        .with_context(|| format!("{file}: cannot read sheet `{sheet}`"))?;
    let mut col = Collector::new(file);
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows = range.rows().enumerate();
    let mapping = find_header(
        || {
            Ok(rows.next().map(|(_, r)| {
                r.iter()
                    .map(|c| clean(&to_cell(c).text()).to_string())
                    .collect()
            }))
        },
        &opts.map,
        &format!("{file}: sheet `{sheet}`"),
    )?;
    for w in &mapping.warnings {
        col.warn(format!("{file}: {w}"));
    }
    for (i, r) in rows {
        let cells: Vec<Cell> = r.iter().map(to_cell).collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        let row = first_row + i + 1;
        col.row(&mapping, &cells, row, format!("row {row}"));
    }
    Ok(col.finish())
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
