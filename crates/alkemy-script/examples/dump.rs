//! Prints how a screenplay file was read, one element a line
//! (`cargo run -p alkemy-script --example dump -- FILE`): a quick way to see
//! what the reader made of a new file.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: dump FILE");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    match alkemy_script::read(&bytes, Some(&path)) {
        Ok(sp) => {
            println!("format {:?}; title page {:?}", sp.format, sp.title_page);
            for e in &sp.elements {
                println!(
                    "{:>5}-{:<5} {:?}: {}",
                    e.span.start_line,
                    e.span.end_line,
                    e.kind,
                    e.text.replace('\n', "|")
                );
            }
            let b = alkemy_script::breakdown(&sp);
            println!("stats {:?}", b.stats);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::from(2)
        }
    }
}
