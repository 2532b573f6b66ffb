//! Writes a generated map of N steps (the benchmark's synthetic process) to a file, for
//! stress tests: `cargo run --release --example generate -- 100000 big.vfmap.json`.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(out)) = (
        args.first().and_then(|n| n.parse::<usize>().ok()),
        args.get(1),
    ) else {
        eprintln!("usage: generate STEPS OUT.vfmap.json");
        return ExitCode::from(2);
    };
    let map = valueflow::samples::synthetic(n);
    match valueflow::format::save_file(&map, &PathBuf::from(out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
