//! `visier-webhooks`: every operation of the Visier Webhooks API from a shell, configured by
//! the same `VISIER_*` variables as the library.

mod args;
mod commands;
mod completions;
mod config;
mod edit;
mod failure;
mod input;
mod logger;
mod output;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};
use crate::commands::Context;
use crate::failure::Failure;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return exit_on_parse_error(&error),
    };
    let output = Output::new(&cli.global);
    // With --format json, stderr contains only the JSON error unless -v is given.
    logger::init(cli.global.verbose, output.json_errors);
    match run(cli, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            failure.report(output.json_errors);
            ExitCode::from(failure.kind.exit_code())
        }
    }
}

fn run(cli: Cli, output: Output) -> Result<(), Failure> {
    match cli.command {
        Command::Completions { shell } => output.bytes(&completions::script(shell)),
        Command::Verify(args) => verify::run(&args, &output),
        command => {
            let context = Context {
                options: &cli.global,
                output,
            };
            commands::run(&context, command)
        }
    }
}

/// Reports a command-line error of clap and returns its exit status: 2 for a usage error,
/// 0 after `--help` or `--version`.
///
/// Clap does not know the value of `--format` when parsing fails, so the raw arguments are
/// searched for it. With `--format json` a usage error is the same JSON error object as
/// every other failure. Help and version text are printed by clap in every format.
fn exit_on_parse_error(error: &clap::Error) -> ExitCode {
    let failed = error.use_stderr();
    if failed && args::json_format_requested(std::env::args_os().skip(1)) {
        Failure::usage(failure::clap_message(error)).report(true);
        return ExitCode::from(failure::Kind::Usage.exit_code());
    }
    // Prints to stdout or stderr as clap would. A failed write leaves nothing to report.
    let _ = error.print();
    // Clap's statuses are 0 and 2, so the conversion never falls back.
    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(1))
}
