//! `fmt` on every example and fixture: each formats (proved safe by the formatter itself),
//! formatting twice changes nothing, and the examples are kept formatted.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_parser::format::format;
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn hcl_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            hcl_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "hcl") {
            out.push(p);
        }
    }
}

#[test]
fn every_example_is_formatted_and_formatting_is_idempotent() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    hcl_files(&root.join("examples"), &mut files);
    assert!(files.len() >= 12, "examples went missing: {files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let tidy = format(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            tidy,
            text,
            "{} is not formatted: run flowform fmt",
            file.display()
        );
    }
}

#[test]
fn every_valid_fixture_formats_safely() {
    let mut files = Vec::new();
    hcl_files(Path::new("tests/fixtures/valid"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        let tidy = format(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            format(&tidy).as_ref(),
            Ok(&tidy),
            "{} formats differently twice",
            file.display()
        );
    }
}

const PIECES: &[&str] = &[
    "secret \"a\" {",
    "locals {",
    "}",
    "\n",
    "  ",
    "\t",
    "name = ",
    "x = ",
    "\"s\"",
    "\"${var.v}\"",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ",",
    "1",
    "true",
    "# c\n",
    "// c\n",
    "/* c */",
    "/* multi\n line */",
    "<<EOT\n  body {\nEOT\n",
    "<<-EOT\n    x\n  EOT\n",
    "jsonencode({ a = 1 })",
    "a == b",
    "\"k\" = 2",
    "for x in [1] : x",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Whatever the input: no panic; and when it formats, the result formats to itself.
    #[test]
    fn formatting_never_panics_and_settles(parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..40)) {
        let text = parts.concat();
        if let Ok(tidy) = format(&text) {
            prop_assert_eq!(format(&tidy), Ok(tidy.clone()));
        }
    }
}
