//! Input that is large or deep, rather than wrong, must load or be refused with a diagnostic:
//! never overflow the stack (which aborts the whole process, not just the test).
//!
//! Each case runs on a thread with a 2 MiB stack, the size of a test thread and a quarter of a
//! main thread's: a case that recursed once per local or per nesting level would abort here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_parser::{VariableInputs, load};

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("the case finished without panicking")
}

fn load_text(text: String) -> Result<flowform_parser::Config, String> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.hcl"), text).expect("write");
    load(dir.path(), &VariableInputs::default()).map_err(|f| {
        flowform_views::style::plain(&flowform_views::diagnostics::text(
            &f.sources,
            &f.diagnostics,
        ))
    })
}

/// The value of the configuration's only output, evaluated afresh (as the planner does).
fn output_value(config: &flowform_parser::Config) -> flowform_core::Value {
    let outputs = config
        .evaluate_outputs(&flowform_parser::eval::AllUnknown)
        .expect("evaluates");
    outputs.into_iter().next().expect("one output").1
}

/// A chain of 2,000 locals, each the previous plus one, used to overflow the stack: each link
/// was one more nested evaluation.
#[test]
fn a_chain_of_two_thousand_locals_loads() {
    on_small_stack(|| {
        let mut text = String::from("locals {\n  l0 = 1\n");
        for i in 1..2000 {
            text.push_str(&format!("  l{i} = local.l{} + 1\n", i - 1));
        }
        text.push_str("}\noutput \"last\" {\n  value = local.l1999\n}\n");
        let config = load_text(text).expect("loads");
        assert_eq!(
            output_value(&config),
            flowform_core::Value::Number(2000u64.into())
        );
    });
}

/// The same chain written last-first, used by a resource, and broken at the start: the error
/// is reported, once per use, without deep recursion.
#[test]
fn a_long_chain_ending_in_an_error_is_reported() {
    on_small_stack(|| {
        let mut text = String::from("locals {\n  l0 = 1 / 0\n");
        for i in (1..3000).rev() {
            text.push_str(&format!("  l{i} = local.l{} + 1\n", i - 1));
        }
        text.push_str("}\n");
        let rendered = load_text(text).expect_err("refused");
        assert!(rendered.contains("Division by zero"), "{rendered}");
    });
}

/// Nesting deeper than the parser allows is a syntax error that says so.
#[test]
fn deeply_nested_expressions_are_refused_with_a_diagnostic() {
    on_small_stack(|| {
        for (open, close) in [("(", ")"), ("[", "]"), ("{a = ", "}"), ("jsonencode(", ")")] {
            let text = format!(
                "locals {{\n  n = {}1{}\n}}\n",
                open.repeat(10_000),
                close.repeat(10_000)
            );
            let rendered = load_text(text).expect_err("refused");
            assert!(rendered.contains("nest"), "{open}: {rendered}");
        }
        let text = format!("locals {{\n  n = 1{}\n}}\n", " + 1".repeat(10_000));
        assert!(load_text(text).is_err());
    });
}

/// The deepest nesting the parser accepts still evaluates on a small stack.
#[test]
fn the_deepest_accepted_nesting_evaluates() {
    on_small_stack(|| {
        let mut deepest = None;
        for depth in (1..=64).rev() {
            let text = format!(
                "output \"n\" {{\n  value = {}\"x\"{}\n}}\n",
                "upper(lower([[({a = ".repeat(depth / 4 + 1),
                "})]][0][0].a))".repeat(depth / 4 + 1)
            );
            if let Ok(config) = load_text(text) {
                deepest = Some(config);
                break;
            }
        }
        let config = deepest.expect("some depth is accepted");
        assert_eq!(
            output_value(&config),
            flowform_core::Value::String("X".into())
        );
    });
}

/// A template nested as deep as its parser lets it, given to templatefile, renders or is
/// refused on a small stack; and a deep YAML document given to yamldecode is refused.
#[test]
fn deep_templates_and_yaml_do_not_overflow() {
    on_small_stack(|| {
        for depth in [10, 100, 1_000, 10_000] {
            let dir = tempfile::tempdir().expect("tempdir");
            let template = format!(
                "{}x{}",
                "%{ if true }".repeat(depth),
                "%{ endif }".repeat(depth)
            );
            std::fs::write(dir.path().join("deep.tftpl"), template).expect("write");
            std::fs::write(
                dir.path().join("main.hcl"),
                "output \"t\" {\n  value = templatefile(\"deep.tftpl\", {})\n}\n",
            )
            .expect("write");
            let _ = load(dir.path(), &VariableInputs::default());
        }
        let yaml = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        let text = format!("locals {{\n  y = yamldecode(\"{yaml}\")\n}}\n");
        let rendered = load_text(text).expect_err("refused");
        assert!(rendered.contains("yamldecode"), "{rendered}");
    });
}
