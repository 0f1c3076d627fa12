//! The bad-input corpus: every folder under `fixtures/invalid/` is a configuration that must be
//! refused, and the whole diagnostic text it produces is a snapshot. A new folder is a new case.

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
        let text = failure.sources.render(&failure.diagnostics, false);
        assert!(
            !text.contains("SENTINEL-SECRET"),
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
    let json = failure.sources.to_json(&failure.diagnostics);
    insta::assert_json_snapshot!(json);
}
