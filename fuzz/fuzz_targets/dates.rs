//! Fuzzes date parsing: export cells, Excel serials and dates in report text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let _ = hotline::ingest::dates::parse_datetime(s);
    let _ = hotline::ingest::dates::find_text_date(s, 2024);
    if let Ok(v) = s.trim().parse::<f64>() {
        let _ = hotline::ingest::dates::excel_serial(v);
    }
});
