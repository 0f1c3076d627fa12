//! The parser and validator never panic, whatever the input: random text, and random
//! sequences of HCL fragments (which reach much deeper than random text does).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_parser::{VariableInputs, load};
use proptest::prelude::*;

const FRAGMENTS: &[&str] = &[
    "secret \"a\" {",
    "connector_profile \"p\" {",
    "kms_key_policy \"k\" {",
    "kms_key \"k\" {",
    "variable \"v\" {",
    "locals {",
    "output \"o\" {",
    "provider \"aws\" {",
    "backend \"local\" {",
    "lifecycle {",
    "properties {",
    "credentials {",
    "oauth_request {",
    "validation {",
    "}",
    "\n",
    "name = ",
    "connector_type = ",
    "\"Salesforce\"",
    "\"CustomConnector\"",
    "\"SAPOData\"",
    "connection_mode = \"Public\"",
    "policy = ",
    "key_id = ",
    "value = ",
    "default = ",
    "secret_string = ",
    "kms_arn = ",
    "depends_on = [",
    "]",
    "[",
    "(",
    ")",
    "{",
    ",",
    "=",
    ".",
    "\"x\"",
    "1",
    "-1",
    "true",
    "null",
    "var.v",
    "local.l",
    "secret.a.arn",
    "secret.a",
    "kms_key_policy.k.key_arn",
    "connector_profile.p.arn",
    "jsonencode(",
    "jsondecode(",
    "format(\"%s\", ",
    "file(",
    "merge(",
    "lookup(",
    "coalesce(",
    "base64decode(",
    "upper(",
    "try(",
    "can(",
    "regex(\"(a+)+\", ",
    "replace(\"x\", \"/(/\", ",
    "substr(",
    "slice(",
    "element(",
    "range(",
    "flatten(",
    "zipmap(",
    "formatlist(\"%05.2f\", ",
    "format(\"%-3d%x\", ",
    "tolist(",
    "toset(",
    "tomap(",
    "tonumber(",
    "yamldecode(\"a: &a [*a]\")",
    "yamldecode(",
    "templatefile(\"main.hcl\", ",
    "uuidv5(\"dns\", ",
    "sha256(",
    "one(",
    "sort(",
    "setunion(",
    "dynamic \"oauth_request\" {",
    "content {",
    "for_each = ",
    "iterator = it",
    "it.value",
    "%{for x in [1]}${x}%{endfor}",
    "%{endif}",
    "~}",
    "\"${var.v}\"",
    "\"${",
    "<<EOT\nx\nEOT\n",
    "for x in [1] : x",
    "[for k, v in {} : v]",
    "? 1 : 2",
    "...",
    "*",
    "[*]",
    "%{if true}",
    "#",
    "//",
    "/*",
    "*/",
    "sensitive = true",
    "type = string",
    "type = list(",
    "ignore_changes = [name]",
    "prevent_destroy = true",
    "l = local.l",
    "instance_url = \"https://x\"",
    "port_number = 70000",
    "\u{0}",
    "é",
];

fn check(text: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("main.hcl"), text).expect("write");
    let outcome = load(dir.path(), &VariableInputs::default());
    // Whatever the outcome, rendering it must not panic either.
    match outcome {
        Ok(config) => {
            let _ = flowform_views::style::plain(&flowform_views::diagnostics::text(
                &config.sources,
                &config.warnings,
            ));
        }
        Err(f) => {
            let _ = flowform_views::style::plain(&flowform_views::diagnostics::text(
                &f.sources,
                &f.diagnostics,
            ));
            let _ = flowform_views::diagnostics::json(&f.sources, &f.diagnostics);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn random_fragments_never_panic(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..60)) {
        check(&parts.join(" "));
    }
}
