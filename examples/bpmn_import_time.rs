//! Times the library's BPMN import of one file, best of N runs, for `scripts/ratio-bpmn.sh`:
//! `cargo run --release --example bpmn_import_time -- FILE.bpmn [RUNS]` prints the best
//! time in milliseconds (reading the file is not timed, as bpmn-moddle's side is not).
//! With `--parse-only` it times instead what every roxmltree-based import must spend: the
//! file cut before its diagram and the two halves parsed side by side (and freed), nothing
//! indexed or mapped: the floor of the import as it is built.

use std::process::ExitCode;
use std::time::Instant;

// The same allocator as the valueflow binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let parse_only = args.first().is_some_and(|a| a == "--parse-only");
    if parse_only {
        args.remove(0);
    }
    let Some(path) = args.first() else {
        eprintln!("usage: bpmn_import_time [--parse-only] FILE.bpmn [RUNS]");
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
    if parse_only {
        return match parse_halves(&bytes, runs) {
            Ok(best) => {
                println!("{best:.1}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {path}: {e}");
                ExitCode::from(2)
            }
        };
    }
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

/// The best time of `runs` parses of the file's two halves side by side, as the import's
/// split parse cuts them (before the first `<bpmndi:BPMNDiagram`; the root's start tag
/// copied in front of the diagram half), each tree dropped on its own thread.
fn parse_halves(bytes: &[u8], runs: usize) -> Result<f64, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let split = text
        .find("<bpmndi:BPMNDiagram")
        .ok_or("no <bpmndi:BPMNDiagram> to cut before")?;
    let root = text
        .find("<bpmn:definitions")
        .ok_or("no <bpmn:definitions>")?;
    let root_end = text[root..].find('>').ok_or("an unclosed root tag")? + root + 1;
    let parse = |t: &str| {
        roxmltree::Document::parse(t)
            .map(|doc| doc.descendants().count())
            .map_err(|e| e.to_string())
    };
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let start = Instant::now();
        let (model, diagram) = std::thread::scope(|s| {
            let other = s.spawn(|| {
                let mut half = text[root..root_end].to_owned();
                half.push_str(&text[split..]);
                parse(&half)
            });
            let model = parse(&format!("{}</bpmn:definitions>", &text[..split]));
            (
                model,
                other
                    .join()
                    .unwrap_or_else(|p| std::panic::resume_unwind(p)),
            )
        });
        std::hint::black_box((model?, diagram?));
        best = best.min(start.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(best)
}
