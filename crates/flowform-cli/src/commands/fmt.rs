//! `flowform fmt [--check] [--diff]`: every `*.hcl` file of the configuration directory in the
//! canonical layout. The formatter proves each result keeps the configuration's meaning and
//! every comment, and refuses a file rather than risk either.

use super::Exit;
use super::context::{Context, fail};
use crate::args::FmtArgs;

/// `fmt --check` found a file to format (Terraform's exit code for the same).
const NOT_FORMATTED: u8 = 3;

pub fn run(ctx: &Context, args: &FmtArgs) -> Exit {
    let entries = match std::fs::read_dir(&ctx.dir) {
        Ok(e) => e,
        Err(e) => {
            return fail(
                format!("cannot read {}", ctx.dir.display()),
                format!("{e}."),
            );
        }
    };
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "hcl"))
        .collect();
    files.sort();
    let mut failed = false;
    let mut unformatted = false;
    for path in files {
        let shown = path
            .strip_prefix("./")
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = match flowform_fs::read_text(&path, flowform_parser::CONFIG_FILE_LIMIT) {
            Ok(t) => t,
            Err(e) => {
                fail(format!("cannot read {shown}"), format!("{e}."));
                failed = true;
                continue;
            }
        };
        let tidy = match flowform_parser::format::format(&text) {
            Ok(t) => t,
            Err(e) => {
                fail(format!("{shown} cannot be formatted"), e.to_string());
                failed = true;
                continue;
            }
        };
        if tidy == text {
            continue;
        }
        unformatted = true;
        outln!("{shown}");
        if args.diff {
            let diff = similar::TextDiff::from_lines(&text, &tidy);
            out!(
                "{}",
                diff.unified_diff().context_radius(3).header(&shown, &shown)
            );
        }
        if !args.check
            && let Err(e) =
                flowform_fs::write_durably(&path, tidy.as_bytes(), flowform_fs::Access::Default)
        {
            fail(format!("cannot write {shown}"), format!("{e}."));
            failed = true;
        }
    }
    if failed {
        Exit::Error
    } else if args.check && unformatted {
        Exit::Code(NOT_FORMATTED)
    } else {
        Exit::Success
    }
}
