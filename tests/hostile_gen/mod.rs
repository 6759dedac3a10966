//! Generators of hostile inputs for the `hostile_*` tests: minimal xlsx workbooks written
//! part by part (so that a test can put any XML, any cell reference or any shared string in
//! them) and small file helpers. Nothing here is a committed binary: every file is written
//! into a temporary directory by the test that reads it.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// A cell of a generated sheet: its reference (`B3`) and its raw `<c>` XML.
pub fn inline(r: &str, text: &str) -> String {
    let text = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A number cell; `date` gives it the date style (numFmt 14, `m/d/yyyy`).
pub fn number(r: &str, v: &str, date: bool) -> String {
    let s = if date { r#" s="1""# } else { "" };
    format!(r#"<c r="{r}"{s}><v>{v}</v></c>"#)
}

/// A row of cells (each from [`inline`] / [`number`] or raw XML).
pub fn row(n: usize, cells: &[String]) -> String {
    format!(r#"<row r="{n}">{}</row>"#, cells.concat())
}

/// The column letters of a 0-based column index (`0` → `A`, `16383` → `XFD`).
pub fn col_name(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap()
}

/// A header row and data rows of inline strings, starting at row 1.
pub fn text_rows(rows: &[&[&str]]) -> Vec<String> {
    rows.iter()
        .enumerate()
        .map(|(i, cells)| {
            let cells: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(c, t)| inline(&format!("{}{}", col_name(c), i + 1), t))
                .collect();
            row(i + 1, &cells)
        })
        .collect()
}

/// Writes the shared-strings part of a generated workbook.
pub type SharedStrings = dyn Fn(&mut dyn Write) -> std::io::Result<()>;

/// Writes an xlsx with one sheet whose `<sheetData>` holds `rows`, and, when given, a
/// shared-strings part written by `shared` (streamed, so it may be very large).
pub fn write_xlsx(
    path: &Path,
    dimension: Option<&str>,
    rows: &[String],
    shared: Option<&SharedStrings>,
) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let part = |zip: &mut zip::ZipWriter<_>, name: &str, body: &str| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    };
    part(
        &mut zip,
        "[Content_Types].xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    );
    part(
        &mut zip,
        "_rels/.rels",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        ),
    );
    part(
        &mut zip,
        "xl/workbook.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        ),
    );
    part(
        &mut zip,
        "xl/_rels/workbook.xml.rels",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/><Relationship Id="rId3" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
        ),
    );
    part(
        &mut zip,
        "xl/styles.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN_NS}"><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#
        ),
    );
    let dim = dimension
        .map(|d| format!(r#"<dimension ref="{d}"/>"#))
        .unwrap_or_default();
    part(
        &mut zip,
        "xl/worksheets/sheet1.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">{dim}<sheetData>{}</sheetData></worksheet>"#,
            rows.concat()
        ),
    );
    if let Some(shared) = shared {
        zip.start_file("xl/sharedStrings.xml", opts).unwrap();
        shared(&mut zip).unwrap();
    }
    zip.finish().unwrap().flush().unwrap();
}

/// `dir/name` written with `bytes`.
pub fn file(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Rewrites the uncompressed size that the zip at `path` declares for its part `name` (in the
/// central directory and the local header, zip64 fields included) to `size`: a part lying
/// about what it unpacks to.
pub fn declare_size(path: &Path, name: &str, size: u32) {
    let mut b = std::fs::read(path).unwrap();
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as usize;
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
    let eocd = b.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
    let (entries, mut at) = (u16_at(&b, eocd + 10), u32_at(&b, eocd + 16) as usize);
    // Patches the 32-bit size at `field` and, where it defers to zip64, the extra field's.
    let patch = |b: &mut Vec<u8>, field: usize, extra: usize, extra_len: usize| {
        let zip64 = u32_at(b, field) == u32::MAX;
        b[field..field + 4].copy_from_slice(&size.to_le_bytes());
        let mut e = extra;
        while zip64 && e + 4 <= extra + extra_len {
            let (id, len) = (u16_at(b, e), u16_at(b, e + 2));
            if id == 1 {
                b[e + 4..e + 12].copy_from_slice(&u64::from(size).to_le_bytes());
            }
            e += 4 + len;
        }
    };
    for _ in 0..entries {
        let (nlen, elen, clen) = (
            u16_at(&b, at + 28),
            u16_at(&b, at + 30),
            u16_at(&b, at + 32),
        );
        if &b[at + 46..at + 46 + nlen] == name.as_bytes() {
            let local = u32_at(&b, at + 42) as usize;
            patch(&mut b, at + 24, at + 46 + nlen, elen);
            let (lnlen, lelen) = (u16_at(&b, local + 26), u16_at(&b, local + 28));
            patch(&mut b, local + 22, local + 30 + lnlen, lelen);
        }
        at += 46 + nlen + elen + clen;
    }
    std::fs::write(path, b).unwrap();
}
