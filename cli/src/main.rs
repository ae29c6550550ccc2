//! `visier-webhooks`: every operation of the Visier Webhooks API from a shell, configured by
//! the same `VISIER_*` variables as the library.

mod args;
mod commands;
mod config;
mod edit;
mod failure;
mod input;
mod logger;
mod output;
mod verify;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::args::{Cli, Command};
use crate::commands::Context;
use crate::failure::Failure;
use crate::output::Output;

fn main() -> ExitCode {
    // Clap exits with status 2 on a syntax error and 0 after --help or --version.
    let cli = Cli::parse();
    logger::init(cli.global.verbose);
    let output = Output::new(&cli.global);
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
        Command::Completions { shell } => {
            let mut command = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "visier-webhooks", &mut script);
            output.bytes(&script)
        }
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
