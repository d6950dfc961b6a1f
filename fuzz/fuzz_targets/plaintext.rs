//! Typewriter plain-text reader and breakdown on arbitrary text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let sp = alkemy_script::plaintext::parse(text);
    let _ = alkemy_script::breakdown(&sp);
});
