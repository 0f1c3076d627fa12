//! The bad-input corpus: every folder under `fixtures/invalid/` is a configuration that must be
//! refused, and the whole diagnostic text it produces is a snapshot. A new folder is a new case.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_parser::{VariableInputs, load};
use std::path::Path;

#[test]
fn every_invalid_configuration_is_refused_with_its_diagnostics() {
    let root = Path::new("tests/fixtures/invalid");
    let mut cases: Vec<_> = std::fs::read_dir(root)
        .expect("the invalid corpus exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "the corpus lost cases: {cases:?}");
    for dir in cases {
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 name")
            .to_string();
        let failure = match load(&dir, &VariableInputs::default()) {
            Ok(config) => panic!(
                "{name}: expected errors, but the configuration loaded (warnings: {:?})",
                config.warnings
            ),
            Err(f) => f,
        };
        let text = flowform_views::style::plain(&flowform_views::diagnostics::text(
            &failure.sources,
            &failure.diagnostics,
        ));
        // "7654321" is the sensitive number of `sensitive_value_in_error`.
        assert!(
            !text.contains("SENTINEL-SECRET") && !text.contains("7654321"),
            "{name}: a sensitive value reached a diagnostic:\n{text}"
        );
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn json_diagnostics_carry_ranges() {
    let failure = load(
        Path::new("tests/fixtures/invalid/unknown_attribute"),
        &VariableInputs::default(),
    )
    .expect_err("invalid");
    let json = flowform_views::diagnostics::json(&failure.sources, &failure.diagnostics);
    insta::assert_json_snapshot!(json);
}

/// Values given for sensitive variables never appear in a diagnostic, whichever way they fail:
/// conversion, validation, or a collection that does not parse.
#[test]
fn sensitive_inputs_are_never_repeated() {
    use flowform_parser::VarArg;
    let inputs = VariableInputs {
        args: vec![
            VarArg::Assign {
                name: "password".into(),
                value: "SENTINEL-SECRET-pw".into(),
            },
            VarArg::Assign {
                name: "codes".into(),
                value: "[SENTINEL-SECRET-list".into(),
            },
        ],
        env: [("pin".to_string(), "SENTINEL-SECRET-pin".to_string())].into(),
        ..VariableInputs::default()
    };
    let failure = load(Path::new("tests/fixtures/sensitive_inputs"), &inputs).expect_err("invalid");
    let text = flowform_views::style::plain(&flowform_views::diagnostics::text(
        &failure.sources,
        &failure.diagnostics,
    ));
    assert!(!text.contains("SENTINEL"), "{text}");
    insta::assert_snapshot!(text);
}
