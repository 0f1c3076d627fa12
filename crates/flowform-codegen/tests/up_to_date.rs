//! The checked-in generated code is exactly what the generator makes from the checked-in model
//! extract: regenerating changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

#[test]
fn regenerating_from_the_extract_changes_nothing() {
    let root = flowform_codegen::workspace_root();
    let text = std::fs::read_to_string(root.join(flowform_codegen::MODEL)).expect("the extract");
    let files = flowform_codegen::generate(&text).expect("generates");
    assert_eq!(files.len(), 2);
    for (path, generated) in files {
        let on_disk =
            std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            on_disk == generated,
            "{path} differs from what the generator makes from the extract: run `cargo run -p flowform-codegen`"
        );
    }
}
