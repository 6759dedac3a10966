//! Fuzzes the csv reader: any bytes give a batch or an error, never a panic or an abort.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hotline::ingest::csv::read_csv("f.csv", data, &Default::default());
});
