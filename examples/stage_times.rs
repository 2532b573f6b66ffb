//! Where `valueflow analyze --format json` spends its time, stage by stage (read, parse and
//! build, analyse, write the report), best of N runs: the profile behind the ratio script.
//!
//! usage: cargo run --release --example stage_times -- MAP [RUNS]
use std::time::{Duration, Instant};

// The same allocator as the valueflow binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        return Err("usage: stage_times MAP [RUNS]".into());
    };
    let runs: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut best = [Duration::MAX; 5];
    for _ in 0..runs {
        let t0 = Instant::now();
        let bytes = std::fs::read(&path)?;
        let t1 = Instant::now();
        let map = valueflow::format::load_bytes(&path, &bytes)?;
        let t2 = Instant::now();
        let analysis = valueflow::analysis::analyze(&map);
        let t3 = Instant::now();
        let mut out = Vec::with_capacity(1 << 20);
        valueflow::report::write_json(&mut out, &map, &analysis)?;
        let t4 = Instant::now();
        drop((map, analysis, out, bytes));
        let t5 = Instant::now();
        for (b, d) in best
            .iter_mut()
            .zip([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4])
        {
            *b = (*b).min(d);
        }
    }
    for (name, d) in ["read", "parse+build", "analyze", "report", "drop"]
        .iter()
        .zip(best)
    {
        println!("{name:12} {:8.1} ms", d.as_secs_f64() * 1000.0);
    }
    Ok(())
}
