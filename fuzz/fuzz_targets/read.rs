//! The public entry point on arbitrary bytes: decoding, format detection
//! and every reader behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(sp) = alkemy_script::read(bytes, None) {
        let _ = alkemy_script::breakdown(&sp);
    }
});
