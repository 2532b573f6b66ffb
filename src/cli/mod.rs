//! The command line: `valueflow [FILE]` opens the editor; `analyze`, `validate`, `redesign`,
//! `compare`, `import`, `calibrate` and `export` work without a window. Exit codes are part of the interface (see `EXIT_CODES`).

use crate::analysis::{Severity, analyze};
use crate::compare;
use crate::format::{WriteOptions, load_file, save_file_with};
use crate::interop;
use crate::redesign;
use crate::report;
use crate::text::escape_control;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit codes, shown in `--help`.
pub const EXIT_CODES: &str = "Exit codes:
  0  success
  1  `analyze --fail-on`: a finding at or above the given severity was found
  2  the file could not be read or is not a valid map (or BPMN/CSV file, or event log), the output could not
     be written (a read-only output file is refused unless --force), or the arguments are wrong
A closed output pipe (e.g. `| head`) ends quietly with the code the command would have had.";

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
        /// The map file to write (*.vfmap.json); written atomically, through a symbolic
        /// link to its target. Not the input file, not a name ending in .bpmn, .xml or .csv.
        #[arg(short, long)]
        output: PathBuf,
        /// Replace the output file even if it is read-only.
        #[arg(long)]
        force: bool,
    },
    /// Derive the to-be map from the dispositions of an as-is map's steps (eliminate, merge,
    /// move backstage, automate, simplify); the as-is is not changed.
    #[command(after_help = EXIT_CODES)]
    Redesign {
        /// The as-is map file (*.vfmap.json).
        file: PathBuf,
        /// The to-be map file to write (*.vfmap.json); nothing is written when the
        /// derivation fails. Not the input file.
        #[arg(short, long)]
        output: PathBuf,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
        /// Replace the output file even if it is read-only.
        #[arg(long)]
        force: bool,
    },
    /// Write a client report: one self-contained HTML page (numbers, pictures, charts,
    /// findings with the challenge of each step, the scorecard; with --to-be the comparison)
    /// or a Markdown file (its pictures as SVG files beside it).
    #[command(after_help = EXIT_CODES)]
    Report {
        /// The map file (*.vfmap.json).
        file: PathBuf,
        /// A to-be map to compare with.
        #[arg(long)]
        to_be: Option<PathBuf>,
        /// The report to write: report.html or report.md.
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Compare an as-is map with a to-be: every metric with its change, and the steps removed,
    /// added and changed.
    #[command(after_help = EXIT_CODES)]
    Compare {
        /// The as-is map file (*.vfmap.json).
        as_is: PathBuf,
        /// The to-be map file (*.vfmap.json).
        to_be: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = CompareFormat::Text)]
        format: CompareFormat,
    },
    /// Calibrate a map from an event log (XES, XES.gz or CSV): steps, flows, lanes, work and
    /// wait times and decision probabilities measured from the cases (docs/eventlogs.md).
    #[command(after_help = EXIT_CODES)]
    Calibrate {
        /// The event log: .xes, .xes.gz or .csv (told by the name, else by the content).
        log: PathBuf,
        /// The map file to write (*.vfmap.json); written atomically, nothing written on an
        /// error. Not the input file.
        #[arg(short, long)]
        output: PathBuf,
        /// The statistic of each step's work and wait times.
        #[arg(long, value_enum, default_value_t = StatArg::Mean)]
        stat: StatArg,
        /// Keep activities present in at least this share of the cases (0 to 1).
        #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
        min_activity: f64,
        /// Drop a step's outcomes below this share of its outcomes, except the most frequent (0 to 1).
        #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
        min_flow: f64,
        /// Concurrency threshold: two activities are parallel when seen so at least this share
        /// of the larger one's instances (0 to 1).
        #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
        min_conc: f64,
        #[command(flatten)]
        columns: Box<ColumnArgs>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
        format: SummaryFormat,
        /// Replace the output file even if it is read-only.
        #[arg(long)]
        force: bool,
    },
    /// Write a map as BPMN 2.0 (.bpmn), as a CSV step table (.csv), or as a picture (.svg,
    /// .png) that looks like the editor's canvas.
    #[command(after_help = EXIT_CODES)]
    Export {
        /// The map file (*.vfmap.json).
        file: PathBuf,
        /// The file to write; its format is told by its name (.bpmn, .xml, .csv, .svg, .png).
        #[arg(short, long)]
        output: PathBuf,
        /// Pictures: pixels per canvas unit of a PNG (2 for slides on a high-density screen).
        #[arg(long, default_value_t = 1.0)]
        scale: f32,
        /// Pictures: the theme (default light).
        #[arg(long, value_enum)]
        theme: Option<Theme>,
        /// Pictures: the customer view (service blueprint) instead of the lanes.
        #[arg(long)]
        customer_view: bool,
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
pub enum SummaryFormat {
    /// A line per change, for people.
    Text,
    /// {"applied": [{"step", "disposition"}], "dropped_information_flows": [{"from", "to"}], "map"}.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormat {
    /// A table for a terminal.
    Text,
    /// Stable JSON: {"as_is", "to_be", "changes", "steps"}.
    Json,
    /// A Markdown section.
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatArg {
    Mean,
    Median,
}

/// CSV column overrides of `calibrate` (by header name, any case).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ColumnArgs {
    /// CSV: the case id column.
    #[arg(long, value_name = "COL")]
    pub case: Option<String>,
    /// CSV: the activity name column.
    #[arg(long, value_name = "COL")]
    pub activity: Option<String>,
    /// CSV: the start time column (interval logs).
    #[arg(long, value_name = "COL")]
    pub start: Option<String>,
    /// CSV: the end (complete) time column (interval logs).
    #[arg(long, value_name = "COL")]
    pub end: Option<String>,
    /// CSV: the event time column (lifecycle and complete-only logs).
    #[arg(long, value_name = "COL")]
    pub timestamp: Option<String>,
    /// CSV: the lifecycle transition column (start / complete).
    #[arg(long, value_name = "COL")]
    pub lifecycle: Option<String>,
    /// CSV: the resource column.
    #[arg(long, value_name = "COL")]
    pub resource: Option<String>,
    /// CSV: the role column.
    #[arg(long, value_name = "COL")]
    pub role: Option<String>,
    /// CSV: the activity instance id column (pairs a start with its complete).
    #[arg(long, value_name = "COL")]
    pub instance: Option<String>,
}

impl From<ColumnArgs> for crate::eventlog::ColumnMap {
    fn from(c: ColumnArgs) -> Self {
        Self {
            case: c.case,
            activity: c.activity,
            start: c.start,
            end: c.end,
            timestamp: c.timestamp,
            lifecycle: c.lifecycle,
            resource: c.resource,
            role: c.role,
            instance: c.instance,
        }
    }
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

/// Writes the output through a buffer and reports what became of it: a closed pipe (e.g.
/// `| head`) ends quietly with `code`; any other write error is exit 2 with a message.
fn emit(code: ExitCode, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> ExitCode {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Err(e) => {
            // The buffer still holds what could not be written; drop it without a retry.
            let _ = out.into_parts();
            fail(&format!("cannot write the output: {e}"))
        }
    }
}

fn print(text: &str) -> ExitCode {
    emit(ExitCode::SUCCESS, |w| w.write_all(text.as_bytes()))
}

/// Refuses an `-o` that would overwrite the input file or write map JSON into a file named
/// like a BPMN or CSV file.
fn check_output(input: &Path, output: &Path, map_json: bool) -> Result<(), String> {
    if map_json && interop::InteropFormat::from_path(output).is_ok() {
        return Err(format!(
            "{}: the output is a map (*.vfmap.json), but the name says BPMN or CSV; choose a name ending in .vfmap.json",
            output.display()
        ));
    }
    if same_file(input, output) {
        return Err(format!(
            "{}: the output is the input file; choose another output file",
            output.display()
        ));
    }
    Ok(())
}

/// Whether two paths name the same existing file (through links, `..` or hard links).
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(ma), Ok(mb)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        ma.dev() == mb.dev() && ma.ino() == mb.ino()
    }
    #[cfg(not(unix))]
    {
        let _ = (ma, mb);
        matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    }
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
            let failed =
                fail_on.is_some_and(|f| a.findings.iter().any(|x| x.severity <= f.threshold()));
            let code = if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
            let code = emit(code, |w| match format {
                // The renderers escape control characters in everything taken from the
                // map (JSON as JSON does), so the output goes out as it is.
                OutputFormat::Json => report::write_json(w, &map, &a).map_err(std::io::Error::from),
                OutputFormat::Text => w.write_all(report::text(&map, &a).as_bytes()),
                OutputFormat::Md => w.write_all(report::markdown(&map, &a).as_bytes()),
                OutputFormat::Csv => w.write_all(report::csv(&a).as_bytes()),
            });
            // The process ends next and the OS takes the memory back at once; freeing a
            // large map piece by piece first would cost a tenth of the run.
            std::mem::forget((map, a));
            code
        }
        Command::Validate { file } => match load_file(&file) {
            Ok(map) => print(&format!(
                "{}: valid map \"{}\" ({} steps, {} flows, {} lanes)\n",
                escape_control(&file.display().to_string()),
                escape_control(&map.name),
                map.step_count(),
                map.flow_count(),
                map.lanes().len()
            )),
            Err(e) => fail(&e),
        },
        Command::Import {
            file,
            output,
            force,
        } => {
            if let Err(e) = check_output(&file, &output, true) {
                return fail(&e);
            }
            let imported = match interop::import_file(&file) {
                Ok(i) => i,
                Err(e) => return fail(&e),
            };
            let options = WriteOptions {
                replace_read_only: force,
            };
            if let Err(e) = save_file_with(&imported.map, &output, options) {
                return fail(&e);
            }
            for note in &imported.notes {
                eprintln!("note: {}", escape_control(note));
            }
            print(&format!(
                "{}: imported {} steps, {} flows, {} lanes into {}\n",
                escape_control(&file.display().to_string()),
                imported.map.step_count(),
                imported.map.flow_count(),
                imported.map.lanes().len(),
                escape_control(&output.display().to_string())
            ))
        }
        Command::Redesign {
            file,
            output,
            format,
            force,
        } => {
            if let Err(e) = check_output(&file, &output, true) {
                return fail(&e);
            }
            let map = match load_file(&file) {
                Ok(m) => m,
                Err(e) => return fail(&e),
            };
            let derived = match redesign::derive(&map, Some(&file.display().to_string())) {
                Ok(d) => d,
                Err(e) => return fail(&format!("{}: {e}", file.display())),
            };
            let options = WriteOptions {
                replace_read_only: force,
            };
            if let Err(e) = save_file_with(&derived.map, &output, options) {
                return fail(&e);
            }
            match format {
                SummaryFormat::Json => match redesign_json(&derived) {
                    Ok(text) => print(&text),
                    Err(e) => fail(&e),
                },
                SummaryFormat::Text => print(&redesign_text(&derived, &output)),
            }
        }
        Command::Report {
            file,
            to_be,
            output,
        } => {
            if let Err(e) = check_output(&file, &output, false) {
                return fail(&e);
            }
            let map = match load_file(&file) {
                Ok(m) => m,
                Err(e) => return fail(&e),
            };
            let to_be = match to_be.as_deref().map(load_file).transpose() {
                Ok(t) => t,
                Err(e) => return fail(&e),
            };
            match crate::deliver::write_report(&map, to_be.as_ref(), &output) {
                Ok(()) => print(&format!(
                    "{}: wrote the report {}\n",
                    escape_control(&file.display().to_string()),
                    escape_control(&output.display().to_string())
                )),
                Err(e) => fail(&e),
            }
        }
        Command::Compare {
            as_is,
            to_be,
            format,
        } => {
            let (before, after) = match (load_file(&as_is), load_file(&to_be)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => return fail(&e),
            };
            let (a, b) = (analyze(&before), analyze(&after));
            let c = compare::compare(&before, &a, &after, &b);
            match format {
                CompareFormat::Text => print(&c.text()),
                CompareFormat::Md => print(&c.markdown()),
                CompareFormat::Json => match c.json() {
                    Ok(text) => print(&text),
                    Err(e) => fail(&e),
                },
            }
        }
        Command::Calibrate {
            log,
            output,
            stat,
            min_activity,
            min_flow,
            min_conc,
            columns,
            format,
            force,
        } => {
            let options = crate::eventlog::Options {
                statistic: match stat {
                    StatArg::Mean => crate::eventlog::Statistic::Mean,
                    StatArg::Median => crate::eventlog::Statistic::Median,
                },
                min_activity,
                min_flow,
                min_conc,
                columns: (*columns).into(),
            };
            calibrate(&log, &output, &options, format, force)
        }
        Command::Export {
            file,
            output,
            scale,
            theme,
            customer_view,
        } => {
            if let Err(e) = check_output(&file, &output, false) {
                return fail(&e);
            }
            let map = match load_file(&file) {
                Ok(m) => m,
                Err(e) => return fail(&e),
            };
            if let Some(kind) = crate::deliver::picture_kind(&output) {
                let options = crate::deliver::PictureOptions {
                    dark: theme == Some(Theme::Dark),
                    only: None,
                    customer_view,
                };
                return match crate::deliver::export_picture(&map, &output, kind, scale, &options) {
                    Ok(()) => print(&format!(
                        "{}: exported a picture of {} steps to {}\n",
                        escape_control(&file.display().to_string()),
                        map.step_count(),
                        escape_control(&output.display().to_string())
                    )),
                    Err(e) => fail(&e),
                };
            }
            match interop::export_file(&map, &output) {
                Ok(()) => print(&format!(
                    "{}: exported {} steps, {} flows to {}\n",
                    escape_control(&file.display().to_string()),
                    map.step_count(),
                    map.flow_count(),
                    escape_control(&output.display().to_string())
                )),
                Err(e) => fail(&e),
            }
        }
    }
}

/// `valueflow calibrate`: checks, calibrates, writes the map atomically, prints the summary.
fn calibrate(
    log: &Path,
    output: &Path,
    options: &crate::eventlog::Options,
    format: SummaryFormat,
    force: bool,
) -> ExitCode {
    if let Err(e) = options.check() {
        return fail(&e);
    }
    if let Err(e) = check_output(log, output, true) {
        return fail(&e);
    }
    let lower = output.to_string_lossy().to_ascii_lowercase();
    if lower.ends_with(".xes") || lower.ends_with(".gz") {
        return fail(&format!(
            "{}: the output is a map (*.vfmap.json), but the name says an event log; choose a name ending in .vfmap.json",
            output.display()
        ));
    }
    let progress = crate::eventlog::Progress::new();
    let c = match crate::eventlog::calibrate_path(log, options, &progress) {
        Ok(c) => c,
        Err(e) => return fail(&e),
    };
    let options = WriteOptions {
        replace_read_only: force,
    };
    if let Err(e) = save_file_with(&c.map, output, options) {
        return fail(&e);
    }
    let lead_time_mins = analyze(&c.map).metrics.lead_time_mins;
    for w in &c.warnings {
        eprintln!("warning: {}", escape_control(w));
    }
    match format {
        SummaryFormat::Json => match calibrate_json(&c, output, lead_time_mins) {
            Ok(text) => print(&text),
            Err(e) => fail(&e),
        },
        SummaryFormat::Text => print(&calibrate_text(&c, output, lead_time_mins)),
    }
}

/// The `calibrate --format json` summary: {"map", "output", "steps", "flows", "lanes",
/// "lead_time_mins", "summary", "warnings"}.
fn calibrate_json(
    c: &crate::eventlog::Calibration,
    output: &Path,
    lead_time_mins: Option<f64>,
) -> serde_json::Result<String> {
    let v = serde_json::json!({
        "map": c.map.name,
        "output": output.display().to_string(),
        "steps": c.map.step_count(),
        "flows": c.map.flow_count(),
        "lanes": c.map.lanes().len(),
        "lead_time_mins": lead_time_mins,
        "summary": c.summary,
        "warnings": c.warnings,
    });
    let mut text = serde_json::to_string_pretty(&v)?;
    text.push('\n');
    Ok(text)
}

fn calibrate_text(
    c: &crate::eventlog::Calibration,
    output: &Path,
    lead_time_mins: Option<f64>,
) -> String {
    let e = |t: &str| escape_control(t).into_owned();
    format!(
        "{}: calibrated \"{}\" ({} steps, {} flows, {} lanes) into {}\n{}",
        e(&c.summary.file),
        e(&c.map.name),
        c.map.step_count(),
        c.map.flow_count(),
        c.map.lanes().len(),
        e(&output.display().to_string()),
        crate::eventlog::summary_text(c, lead_time_mins)
    )
}

/// The `redesign --format json` summary (map-format-v2.md).
fn redesign_json(d: &redesign::Derivation) -> serde_json::Result<String> {
    #[derive(serde::Serialize)]
    struct Applied<'a> {
        step: &'a str,
        disposition: &'static str,
    }
    #[derive(serde::Serialize)]
    struct Dropped<'a> {
        from: &'a str,
        to: &'a str,
    }
    #[derive(serde::Serialize)]
    struct Summary<'a> {
        applied: Vec<Applied<'a>>,
        dropped_information_flows: Vec<Dropped<'a>>,
        map: &'a str,
    }
    let summary = Summary {
        applied: d
            .applied
            .iter()
            .map(|(step, disposition)| Applied {
                step: step.as_str(),
                disposition: disposition.as_str(),
            })
            .collect(),
        dropped_information_flows: d
            .dropped_information_flows
            .iter()
            .map(|(from, to)| Dropped {
                from: from.as_str(),
                to: to.as_str(),
            })
            .collect(),
        map: &d.map.name,
    };
    let mut text = serde_json::to_string_pretty(&summary)?;
    text.push('\n');
    Ok(text)
}

fn redesign_text(d: &redesign::Derivation, output: &Path) -> String {
    let mut out = format!(
        "derived \"{}\" ({} steps, {} flows) into {}\n",
        escape_control(&d.map.name),
        d.map.step_count(),
        d.map.flow_count(),
        escape_control(&output.display().to_string())
    );
    if d.applied.is_empty() {
        out.push_str(
            "  no step has a disposition other than keep or undecided: the to-be is a copy\n",
        );
    }
    for (step, disposition) in &d.applied {
        out.push_str(&format!(
            "  {:<10} {}\n",
            disposition.as_str(),
            escape_control(step.as_str())
        ));
    }
    for (from, to) in &d.dropped_information_flows {
        out.push_str(&format!(
            "  dropped information flow {} → {}\n",
            escape_control(from.as_str()),
            escape_control(to.as_str())
        ));
    }
    out
}

/// Prints one error line on stderr and returns exit code 2. Messages quote names, ids and
/// values from untrusted files, so control characters are shown as visible escapes (a
/// newline cannot forge a second `error:` line).
pub fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {}", escape_control(&e.to_string()));
    ExitCode::from(2)
}
