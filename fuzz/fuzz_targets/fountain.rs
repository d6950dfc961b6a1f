//! Fountain reader and breakdown on arbitrary text: no panic, no hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let sp = alkemy_script::fountain::parse(text);
    let _ = alkemy_script::breakdown(&sp);
});
