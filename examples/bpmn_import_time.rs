//! Times the library's BPMN import of one file, best of N runs, for `scripts/ratio-bpmn.sh`:
//! `cargo run --release --example bpmn_import_time -- FILE.bpmn [RUNS]` prints the best
//! time in milliseconds (reading the file is not timed, as bpmn-moddle's side is not).

use std::process::ExitCode;
use std::time::Instant;

// The same allocator as the valueflow binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: bpmn_import_time FILE.bpmn [RUNS]");
        return ExitCode::from(2);
    };
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(7).max(1);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let start = Instant::now();
        match valueflow::interop::bpmn_import::import_bytes(path, &bytes) {
            Ok(imported) => std::hint::black_box(imported),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
    }
    println!("{best:.1}");
    ExitCode::SUCCESS
}
