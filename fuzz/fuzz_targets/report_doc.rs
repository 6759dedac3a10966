//! Fuzzes the report-document reader (plain text / markdown monthly reports).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hotline::ingest::report_doc::read_report("f.md", data);
});
