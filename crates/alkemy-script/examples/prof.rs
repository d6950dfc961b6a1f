//! Profiling loop (`cargo build --profile bench --example prof`): runs one
//! parser 300 times on a file so `perf stat`/`perf record` can measure CPU
//! time on a busy machine. `prof FILE [alkemy|read|breakdown|jumpcut|rustwell]`
//! (`alkemy` = read + breakdown). It uses the `alkemy` binary's allocator.
#![allow(clippy::unwrap_used)]

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let which = std::env::args().nth(2).unwrap_or_else(|| "alkemy".into());
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let screenplay = alkemy_script::read(&bytes, None).unwrap();
    let t = std::time::Instant::now();
    let mut n = 0;
    for _ in 0..300 {
        n += match which.as_str() {
            "jumpcut" => jumpcut::parse(&text).elements.len(),
            "read" => alkemy_script::read(&bytes, None).unwrap().elements.len(),
            "breakdown" => alkemy_script::breakdown(&screenplay).scenes.len(),
            "rustwell" => std::hint::black_box(rustwell::parse(&text)).elements.len(),
            _ => {
                let sp = alkemy_script::read(&bytes, None).unwrap();
                alkemy_script::breakdown(&sp).scenes.len()
            }
        };
    }
    eprintln!("{which} {n} {:?}", t.elapsed() / 300);
}
