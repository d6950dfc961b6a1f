//! PDF reader and breakdown on arbitrary bytes (seed with real PDFs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(sp) = alkemy_script::pdf::read(bytes) {
        let _ = alkemy_script::breakdown(&sp);
    }
});
