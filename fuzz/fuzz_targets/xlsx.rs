//! Fuzzes the spreadsheet reader: any bytes give a batch or an error, never a panic or an
//! abort (calamine, zip and the streamed rows included).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hotline::ingest::xlsx::read_xlsx("f.xlsx", data.to_vec(), &Default::default());
});
