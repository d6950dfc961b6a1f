//! Final Draft XML reader and breakdown on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(sp) = alkemy_script::fdx::parse(text) {
        let _ = alkemy_script::breakdown(&sp);
    }
});
