//! The command line: `valueflow [FILE]` opens the editor; `analyze`, `validate`, `import` and
//! `export` work without a window. Exit codes are part of the interface (see `EXIT_CODES`).

use crate::analysis::{Severity, analyze};
use crate::format::{load_file, save_file};
use crate::interop;
use crate::report;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit codes, shown in `--help`.
pub const EXIT_CODES: &str = "Exit codes:
  0  success
  1  `analyze --fail-on`: a finding at or above the given severity was found
  2  the file could not be read or is not a valid map (or BPMN/CSV file), the output could not
     be written, or the arguments are wrong";

#[derive(Debug, Parser)]
#[command(
    name = "valueflow",
    version,
    about = "Map how work and information flow through a business and flag the delays that add no value to the customer",
    long_about = "Without a subcommand, opens the editor: on FILE if given, else on the built-in order-to-cash sample.",
    after_help = EXIT_CODES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// A map file (*.vfmap.json) to open in the editor.
    pub file: Option<PathBuf>,
    /// Start the editor in this theme (it is remembered).
    #[arg(long, value_enum)]
    pub theme: Option<Theme>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a map's metrics and findings.
    #[command(after_help = EXIT_CODES)]
    Analyze {
        /// The map file (*.vfmap.json).
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Exit with code 1 if any finding has this severity or a higher one.
        #[arg(long, value_enum)]
        fail_on: Option<FailOn>,
    },
    /// Check that a file is a valid map.
    #[command(after_help = EXIT_CODES)]
    Validate {
        /// The map file (*.vfmap.json).
        file: PathBuf,
    },
    /// Convert a BPMN 2.0 file (.bpmn, .xml) or a CSV step table (.csv) into a map.
    #[command(after_help = EXIT_CODES)]
    Import {
        /// The file to import; its format is told by its name (.bpmn, .xml or .csv).
        file: PathBuf,
        /// The map file to write (*.vfmap.json); written atomically.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Write a map as BPMN 2.0 (.bpmn) or as a CSV step table (.csv).
    #[command(after_help = EXIT_CODES)]
    Export {
        /// The map file (*.vfmap.json).
        file: PathBuf,
        /// The file to write; its format is told by its name (.bpmn, .xml or .csv).
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Human-readable text with durations such as 3d 4h 12m.
    Text,
    /// Stable JSON: {"map", "metrics", "findings"}.
    Json,
    /// A Markdown report section.
    Md,
    /// One CSV row per finding.
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Theme {
    Light,
    Dark,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    High,
    Medium,
    Low,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    // A closed pipe (e.g. `| head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    ExitCode::SUCCESS
}

/// Runs a subcommand and returns its exit code.
pub fn run(command: Command) -> ExitCode {
    match command {
        Command::Analyze {
            file,
            format,
            fail_on,
        } => {
            let map = match load_file(&file) {
                Ok(m) => m,
                Err(e) => return fail(&e),
            };
            let a = analyze(&map);
            let text = match format {
                OutputFormat::Text => report::text(&map, &a),
                OutputFormat::Json => report::json(&map, &a),
                OutputFormat::Md => report::markdown(&map, &a),
                OutputFormat::Csv => report::csv(&a),
            };
            print(&text);
            let failed =
                fail_on.is_some_and(|f| a.findings.iter().any(|x| x.severity <= f.threshold()));
            if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Validate { file } => match load_file(&file) {
            Ok(map) => print(&format!(
                "{}: valid map \"{}\" ({} steps, {} flows, {} lanes)\n",
                file.display(),
                map.name,
                map.step_count(),
                map.flow_count(),
                map.lanes().len()
            )),
            Err(e) => fail(&e),
        },
        Command::Import { file, output } => {
            let imported = match interop::import_file(&file) {
                Ok(i) => i,
                Err(e) => return fail(&e),
            };
            if let Err(e) = save_file(&imported.map, &output) {
                return fail(&e);
            }
            for note in &imported.notes {
                eprintln!("note: {note}");
            }
            print(&format!(
                "{}: imported {} steps, {} flows, {} lanes into {}\n",
                file.display(),
                imported.map.step_count(),
                imported.map.flow_count(),
                imported.map.lanes().len(),
                output.display()
            ))
        }
        Command::Export { file, output } => {
            let map = match load_file(&file) {
                Ok(m) => m,
                Err(e) => return fail(&e),
            };
            match interop::export_file(&map, &output) {
                Ok(()) => print(&format!(
                    "{}: exported {} steps, {} flows to {}\n",
                    file.display(),
                    map.step_count(),
                    map.flow_count(),
                    output.display()
                )),
                Err(e) => fail(&e),
            }
        }
    }
}

/// Prints one error line on stderr and returns exit code 2.
pub fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(2)
}
