//! The valueflow binary: parse the command line, then open the editor or run a subcommand.

use clap::Parser;
use std::process::ExitCode;
use valueflow::cli::{Cli, fail, run};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => run(command),
        None => match valueflow::app::run(
            cli.file,
            cli.theme.map(|t| t == valueflow::cli::Theme::Dark),
        ) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e),
        },
    }
}
