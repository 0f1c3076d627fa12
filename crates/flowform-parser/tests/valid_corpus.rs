//! Configurations that must load, and what they must load *to*.
//!
//! Two halves:
//!
//! - A corpus generated from the connector catalogue: for every connector, a profile that sets
//!   every field of its properties and credentials (nested blocks included), written as HCL to a
//!   temporary directory and loaded. Each loaded profile is compared with the values written, so
//!   a field the parser rejects, drops or changes fails here, and a field added to the catalogue
//!   is covered without touching this file (or fails loudly when its pattern needs a new sample).
//!   Variants cover every enum value, integer bounds, `false`, and the shortest and longest
//!   values of free-text fields.
//! - Hand-written fixtures under `tests/fixtures/valid/` for the language: variables of every
//!   type and every value source with its precedence, locals, heredocs, `for` expressions,
//!   conditionals, every function, `depends_on`, `lifecycle`, outputs, `provider` and `backend`.
//!   Each asserts the evaluated values, not only that loading succeeds.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_core::catalogue::{CONNECTORS, Connector, Constraint, Field, Kind};
use flowform_core::schema::{self, AttrType};
use flowform_core::{Address, Number, ResourceKind, Value};
use flowform_parser::eval::{AllUnknown, Exports};
use flowform_parser::{Backend, Config, VarArg, VarSource, VariableInputs, load};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------------------------
// Loading.

fn load_clean(dir: &Path, inputs: &VariableInputs) -> Config {
    match load(dir, inputs) {
        Ok(config) => {
            assert!(
                config.warnings.is_empty(),
                "{} loads, but with warnings:\n{}",
                dir.display(),
                flowform_views::style::plain(&flowform_views::diagnostics::text(
                    &config.sources,
                    &config.warnings
                ))
            );
            config
        }
        Err(failure) => panic!(
            "{} does not load:\n{}",
            dir.display(),
            flowform_views::style::plain(&flowform_views::diagnostics::text(
                &failure.sources,
                &failure.diagnostics
            ))
        ),
    }
}

/// Writes `files` into a fresh temporary directory and loads it.
fn load_generated(files: &[(&str, String)]) -> (Config, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("writing a generated file");
    }
    let config = load_clean(dir.path(), &VariableInputs::default());
    (config, dir)
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/valid")
        .join(name)
}

// ---------------------------------------------------------------------------------------------
// Values.

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn n(i: i64) -> Value {
    Value::Number(Number::from(i))
}

fn list(items: &[&str]) -> Value {
    Value::List(items.iter().map(|i| s(i)).collect())
}

fn obj<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn bare(v: &Value) -> Value {
    v.clone().unmark().0
}

/// An HCL string literal for `text`, escaping what HCL would otherwise interpret.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Every leaf of `v` (what is not an object) passes `check`; `path` names it on failure.
fn each_leaf(v: &Value, path: &str, check: &dyn Fn(&str, &Value)) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                each_leaf(child, &format!("{path}.{k}"), check);
            }
        }
        leaf => check(path, leaf),
    }
}

// ---------------------------------------------------------------------------------------------
// Sample values for the catalogue's fields.

const ACCOUNT: &str = "123456789012";
const KMS_ARN: &str = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJmbG93Zm9ybSJ9.c2lnbmF0dXJl";

/// How long the generated free-text values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    /// Readable values such as `sample-client_id`.
    Typical,
    /// Exactly the field's maximum length.
    Longest,
    /// The field's minimum length (empty where the pattern allows it).
    Shortest,
}

/// A valid value for a string field: from its enum, else by its pattern. A pattern without a
/// sample here fails the test with a request to add one, rather than generating junk.
fn sample_text(seed: &str, c: &Constraint, length: Length) -> String {
    if let Some(first) = c.one_of.first() {
        return (*first).to_string();
    }
    let pattern = c.pattern.unwrap_or(".*");
    // Free text: any length within the limits, padded with `x` or cut.
    let free = |base: String, shortest: usize| -> String {
        let target = match length {
            Length::Typical => return fit(base, c),
            Length::Longest => c.max_len.expect("free text has a maximum length"),
            Length::Shortest => c.min_len.unwrap_or(shortest),
        };
        let mut text: String = base.chars().take(target).collect();
        while text.chars().count() < target {
            text.push('x');
        }
        text
    };
    match pattern {
        r"\S+" => free(format!("sample-{seed}"), 1),
        r"[\w]+" => free(format!("sample_{seed}"), 1),
        ".*" => free(format!("sample {seed} with spaces"), 0),
        r"[\s\w/!@#+=.-]*" => free(format!("SAMPLE_{}", seed.to_uppercase()), 0),
        r"^(https?)://[-a-zA-Z0-9+&@#/%?=~_|!:,.;]*[-a-zA-Z0-9+&@#/%=~_|]" => {
            format!("https://example.com/{seed}")
        }
        "arn:aws:iam:.*:[0-9]+:.*" => format!("arn:aws:iam::{ACCOUNT}:role/flowform-{seed}"),
        "arn:aws:secretsmanager:.*:[0-9]+:.*" => {
            format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:flowform/{seed}-AbCdEf")
        }
        r"^$|com.amazonaws.vpce.[\w/!:@#.\-]+" => match length {
            Length::Shortest => String::new(), // "^$" is part of the pattern: empty is valid
            _ => "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0".into(),
        },
        // The PKCE code verifier (43 to 128 unreserved characters).
        r"^[A-Za-z0-9\-._~]+$" => free(format!("pkce-verifier.{seed}~{}", "x".repeat(40)), 1),
        r"^\d{3}$" => "100".into(),
        r"^[a-zA-Z0-9_]*$" => "EN".into(),
        r"^([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_=]+)\.([a-zA-Z0-9_\-\+\/=]*)" => JWT.into(),
        other => panic!(
            "no sample value for the pattern {other:?} of {seed}: add one to sample_text so the corpus covers it"
        ),
    }
}

/// Cuts a typical value to the field's maximum length (Pardot's business unit id has 18).
fn fit(text: String, c: &Constraint) -> String {
    match c.max_len {
        Some(max) => text.chars().take(max).collect(),
        None => text,
    }
}

/// The HCL literal and the value it must load as, for one non-block field.
fn sample(field: &Field, path: &str, length: Length) -> (String, Value) {
    match &field.kind {
        Kind::String(c) => {
            let text = sample_text(field.hcl, c, length);
            (quote(&text), s(&text))
        }
        Kind::Bool => ("true".into(), Value::Bool(true)),
        Kind::Integer { min, max } => {
            let i = match length {
                Length::Typical if (*min..=*max).contains(&443) => 443,
                Length::Typical | Length::Shortest => *min,
                Length::Longest => *max,
            };
            (i.to_string(), n(i))
        }
        Kind::StringList { item, max_items } => {
            let count = match length {
                Length::Shortest => 1,
                _ => max_items.unwrap_or(3).min(3),
            };
            let items: Vec<String> = (1..=count)
                .map(|i| sample_text(&format!("{}_{i}", field.hcl), item, length))
                .collect();
            let literal = items
                .iter()
                .map(|i| quote(i))
                .collect::<Vec<_>>()
                .join(", ");
            (
                format!("[{literal}]"),
                Value::List(items.iter().map(|i| s(i)).collect()),
            )
        }
        Kind::StringMap {
            key,
            value,
            max_entries,
        } => {
            let count = match length {
                Length::Typical => 2,
                Length::Longest => max_entries.unwrap_or(3),
                Length::Shortest => 1,
            };
            let mut literal = String::from("{");
            let mut expected = BTreeMap::new();
            for i in 1..=count {
                // The entry number leads, so that keys cut to a length stay distinct.
                let k = sample_text(&format!("{i}_{}", field.hcl), key, length);
                let v = sample_text(&format!("value_{i}"), value, length);
                write!(literal, " {} = {},", quote(&k), quote(&v)).expect("writing to a string");
                expected.insert(k, s(&v));
            }
            literal.push_str(" }");
            assert_eq!(expected.len(), count, "{path}: generated map keys collide");
            (literal, Value::Object(expected))
        }
        Kind::Block(_) => unreachable!("{path} is a block"),
    }
}

/// A field's literal replaced for one variant: `path` → (HCL literal, expected value).
type Overrides = BTreeMap<String, (String, Value)>;

/// Writes every field of `fields` as HCL at `indent`, and returns the value they must load as.
fn write_fields(
    fields: &[Field],
    path: &str,
    length: Length,
    overrides: &Overrides,
    indent: usize,
    out: &mut String,
) -> Value {
    let pad = "  ".repeat(indent);
    let mut expected = BTreeMap::new();
    for field in fields {
        let field_path = format!("{path}.{}", field.hcl);
        if let Kind::Block(nested) = field.kind {
            writeln!(out, "{pad}{} {{", field.hcl).expect("writing to a string");
            let value = write_fields(nested, &field_path, length, overrides, indent + 1, out);
            writeln!(out, "{pad}}}").expect("writing to a string");
            expected.insert(field.hcl.to_string(), value);
            continue;
        }
        let (literal, value) = overrides
            .get(&field_path)
            .cloned()
            .unwrap_or_else(|| sample(field, &field_path, length));
        writeln!(out, "{pad}{} = {literal}", field.hcl).expect("writing to a string");
        expected.insert(field.hcl.to_string(), value);
    }
    Value::Object(expected)
}

/// What one generated profile must load as.
struct ExpectedProfile {
    label: String,
    connector_type: &'static str,
    connection_mode: &'static str,
    properties: Value,
    credentials: Value,
}

fn has_field(fields: &[Field], hcl: &str) -> bool {
    fields
        .iter()
        .any(|f| f.hcl == hcl || matches!(f.kind, Kind::Block(nested) if has_field(nested, hcl)))
}

/// One `connector_profile` block that sets every field of `connector`.
fn profile_hcl(
    connector: &Connector,
    label: &str,
    length: Length,
    overrides: &Overrides,
    out: &mut String,
) -> ExpectedProfile {
    // Salesforce's private-link field is allowed only on private connections.
    let connection_mode = if has_field(
        connector.properties,
        "use_private_link_for_metadata_and_authorization",
    ) {
        "Private"
    } else {
        "Public"
    };
    writeln!(out, "connector_profile {} {{", quote(label)).expect("writing to a string");
    writeln!(out, "  name            = \"corpus-{label}\"").expect("writing to a string");
    writeln!(
        out,
        "  connector_type  = {}",
        quote(connector.connector_type)
    )
    .expect("writing to a string");
    writeln!(out, "  connection_mode = \"{connection_mode}\"").expect("writing to a string");
    writeln!(out, "  kms_arn         = \"{KMS_ARN}\"").expect("writing to a string");
    if connector.connector_type == "CustomConnector" {
        writeln!(out, "  connector_label = \"corpus-connector_1.0\"").expect("writing to a string");
    }
    let section = |name: &str, fields: &[Field], out: &mut String| -> Value {
        // A connector without properties still accepts an empty block (the API's `{}`).
        writeln!(out, "  {name} {{").expect("writing to a string");
        let value = write_fields(fields, name, length, overrides, 2, out);
        writeln!(out, "  }}").expect("writing to a string");
        value
    };
    let properties = section("properties", connector.properties, out);
    let credentials = section("credentials", connector.credentials, out);
    writeln!(out, "}}\n").expect("writing to a string");
    ExpectedProfile {
        label: label.to_string(),
        connector_type: connector.connector_type,
        connection_mode,
        properties,
        credentials,
    }
}

const PROVIDER: &str = "provider \"aws\" {\n  region = \"us-east-1\"\n}\n\n";

/// Checks that each generated profile loaded with exactly the values written: nothing
/// dropped, renamed, converted or added, and marked sensitive exactly as the catalogue says.
fn assert_profiles(config: &Config, expected: &[ExpectedProfile]) {
    assert_eq!(
        config.resources_of(ResourceKind::ConnectorProfile).count(),
        expected.len()
    );
    for e in expected {
        let address = Address::new(ResourceKind::ConnectorProfile, &e.label);
        assert!(
            config.resources.contains_key(&address),
            "{address} is missing"
        );
        let values = config.known_before_apply(&address).expect("evaluates");
        let attr = |name: &str| values.get(name).and_then(Value::as_str);
        assert_eq!(attr("name"), Some(format!("corpus-{}", e.label).as_str()));
        assert_eq!(attr("connector_type"), Some(e.connector_type));
        assert_eq!(attr("connection_mode"), Some(e.connection_mode));
        assert_eq!(attr("kms_arn"), Some(KMS_ARN));
        assert_eq!(
            attr("connector_label"),
            (e.connector_type == "CustomConnector").then_some("corpus-connector_1.0")
        );
        for (section, expected) in [
            ("properties", &e.properties),
            ("credentials", &e.credentials),
        ] {
            let loaded = values
                .get(section)
                .unwrap_or_else(|| panic!("{address}: no {section}"));
            assert_eq!(
                &bare(loaded),
                expected,
                "{address} {section}: the loaded fields differ from those written"
            );
            let connector = flowform_core::catalogue::connector(e.connector_type).expect("known");
            let fields = if section == "credentials" {
                connector.credentials
            } else {
                connector.properties
            };
            let prefix = format!("{address}.{section}.");
            each_leaf(loaded, &format!("{address}.{section}"), &|path, leaf| {
                let field = field_at(fields, path.strip_prefix(&prefix).unwrap_or(path));
                assert_eq!(
                    matches!(leaf, Value::Sensitive(_)),
                    field.sensitive(),
                    "{path}: marked sensitive exactly when the catalogue (the model) says so"
                );
            });
        }
    }
}

/// The catalogue field a leaf path (`oauth_request.auth_code`, `profile_properties.key`) is in.
fn field_at(fields: &'static [Field], path: &str) -> &'static Field {
    let (name, rest) = path.split_once('.').unwrap_or((path, ""));
    let field = Field::find(fields, name).unwrap_or_else(|| panic!("no field {name}"));
    match &field.kind {
        Kind::Block(nested) if !rest.is_empty() => field_at(nested, rest),
        _ => field,
    }
}

/// A profile label for a connector and a variant.
fn label(connector: &Connector, variant: &str) -> String {
    format!("{}_{variant}", connector.connector_type.to_lowercase())
}

#[test]
fn every_field_of_every_connector_is_accepted_and_kept() {
    let mut hcl = String::from(PROVIDER);
    let expected: Vec<ExpectedProfile> = CONNECTORS
        .iter()
        .map(|c| {
            profile_hcl(
                c,
                &label(c, "all"),
                Length::Typical,
                &Overrides::new(),
                &mut hcl,
            )
        })
        .collect();
    let (config, _dir) = load_generated(&[("main.hcl", hcl)]);
    assert_profiles(&config, &expected);

    // The corpus is as large as the catalogue: every field, nested ones included, was written
    // (and so compared above).
    fn covered(fields: &[Field], written: &Value, path: &str) -> usize {
        let Value::Object(map) = written else {
            panic!("{path} was not written as an object")
        };
        assert_eq!(
            map.len(),
            fields.len(),
            "{path}: fields left out of the corpus"
        );
        fields
            .iter()
            .map(|f| {
                let value = map
                    .get(f.hcl)
                    .unwrap_or_else(|| panic!("{path}.{} was not written", f.hcl));
                match f.kind {
                    Kind::Block(nested) => covered(nested, value, &format!("{path}.{}", f.hcl)),
                    _ => 1,
                }
            })
            .sum()
    }
    let catalogued: usize = CONNECTORS
        .iter()
        .zip(&expected)
        .map(|(c, e)| {
            covered(c.properties, &e.properties, &e.label)
                + covered(c.credentials, &e.credentials, &e.label)
        })
        .sum();
    assert!(
        catalogued > 100,
        "the catalogue shrank to {catalogued} fields"
    );
}

#[test]
fn longest_and_shortest_values_of_every_field_are_accepted() {
    for length in [Length::Longest, Length::Shortest] {
        let mut hcl = String::from(PROVIDER);
        let variant = format!("{length:?}").to_lowercase();
        let expected: Vec<ExpectedProfile> = CONNECTORS
            .iter()
            .map(|c| profile_hcl(c, &label(c, &variant), length, &Overrides::new(), &mut hcl))
            .collect();
        let (config, _dir) = load_generated(&[("main.hcl", hcl)]);
        assert_profiles(&config, &expected);
    }
}

/// Every enum value, both integer bounds and `false` for every bool, each in a profile of its
/// own that otherwise sets every field.
#[test]
fn every_enum_value_integer_bound_and_bool_is_accepted() {
    fn variants(fields: &[Field], path: &str, out: &mut Vec<(String, String, Value)>) {
        for field in fields {
            let path = format!("{path}.{}", field.hcl);
            match &field.kind {
                Kind::Block(nested) => variants(nested, &path, out),
                Kind::String(c) => {
                    for v in c.one_of {
                        out.push((path.clone(), quote(v), s(v)));
                    }
                }
                Kind::Integer { min, max } => {
                    out.push((path.clone(), min.to_string(), n(*min)));
                    out.push((path.clone(), max.to_string(), n(*max)));
                }
                Kind::Bool => out.push((path.clone(), "false".into(), Value::Bool(false))),
                Kind::StringList { .. } | Kind::StringMap { .. } => {}
            }
        }
    }
    let mut hcl = String::from(PROVIDER);
    let mut expected = Vec::new();
    for connector in CONNECTORS {
        let mut found = Vec::new();
        variants(connector.properties, "properties", &mut found);
        variants(connector.credentials, "credentials", &mut found);
        for (i, (path, literal, value)) in found.into_iter().enumerate() {
            let overrides = Overrides::from([(path, (literal, value))]);
            expected.push(profile_hcl(
                connector,
                &label(connector, &format!("variant{i}")),
                Length::Typical,
                &overrides,
                &mut hcl,
            ));
        }
    }
    // Salesforce and CustomConnector grant types, CustomConnector authentication types, the
    // SAPOData port and the bools of Redshift, Salesforce, SAPOData and Pardot.
    assert!(expected.len() >= 17, "only {} variants", expected.len());
    let (config, _dir) = load_generated(&[("main.hcl", hcl)]);
    assert_profiles(&config, &expected);
}

/// The top-level attributes of the other resource kinds, each set to a value other than its
/// default so that a dropped attribute cannot hide behind the default.
#[test]
fn every_attribute_of_keys_secrets_and_key_policies_is_kept() {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": { "AWS": format!("arn:aws:iam::{ACCOUNT}:root") },
                "Action": "kms:*",
                "Resource": "*"
            }
        ]
    })
    .to_string();
    let sample = |kind: ResourceKind, a: &schema::AttrSchema| -> (String, Value) {
        let default = a.default;
        match &a.ty {
            AttrType::String(c) => {
                let text = match (c.pattern, a.name) {
                    (Some("alias/[a-zA-Z0-9/_-]+"), _) => "alias/corpus/key_1-a".to_string(),
                    (Some("[a-zA-Z0-9/_+=.@-]+"), _) => "corpus/secret_+=.@-1".to_string(),
                    (None, "kms_key_id" | "key_id") => KMS_ARN.to_string(),
                    (None, "secret_string") => "{\"clientId\":\"corpus\"}".to_string(),
                    (None, "description") => format!("Corpus {kind} with \"quotes\" and ünïcode"),
                    (pattern, name) => panic!(
                        "no sample for {kind}.{name} (pattern {pattern:?}): add one to this test"
                    ),
                };
                (quote(&text), s(&text))
            }
            AttrType::PolicyJson { .. } => (quote(&policy), s(&policy)),
            AttrType::Bool => {
                let b = !matches!(default, Some(schema::Default::Bool(true)));
                (b.to_string(), Value::Bool(b))
            }
            AttrType::Integer(ranges) => {
                let default = match default {
                    Some(schema::Default::Int(i)) => Some(i),
                    _ => None,
                };
                let i = ranges
                    .iter()
                    .flat_map(|(lo, hi)| [*lo, *hi])
                    .find(|i| Some(*i) != default)
                    .expect("a value other than the default");
                (i.to_string(), n(i))
            }
            AttrType::StringMap => (
                "{ team = \"data\", \"cost-center\" = \"42\" }".into(),
                obj([("cost-center", s("42")), ("team", s("data"))]),
            ),
            AttrType::ConnectorBlock => unreachable!("connector blocks are covered above"),
        }
    };
    let mut hcl = String::new();
    let mut expected: Vec<(Address, BTreeMap<String, Value>)> = Vec::new();
    for kind in [
        ResourceKind::KmsKey,
        ResourceKind::Secret,
        ResourceKind::KmsKeyPolicy,
    ] {
        writeln!(hcl, "{kind} \"corpus\" {{").expect("writing to a string");
        let mut values = BTreeMap::new();
        for a in schema::attributes(kind) {
            let (literal, value) = sample(kind, a);
            writeln!(hcl, "  {} = {literal}", a.name).expect("writing to a string");
            values.insert(a.name.to_string(), value);
        }
        writeln!(hcl, "}}\n").expect("writing to a string");
        expected.push((Address::new(kind, "corpus"), values));
    }
    let (config, _dir) = load_generated(&[("main.hcl", hcl)]);
    for (address, values) in expected {
        let known = config.known_before_apply(&address).expect("evaluates");
        let loaded: BTreeMap<String, Value> =
            known.iter().map(|(k, v)| (k.clone(), bare(v))).collect();
        assert_eq!(loaded, values, "{address}");
        for a in schema::attributes(address.kind) {
            assert_eq!(
                known[a.name].contains_sensitive(),
                a.sensitive,
                "{address}.{}: sensitive only where the schema says so",
                a.name
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-written fixtures.

fn variable<'a>(config: &'a Config, name: &str) -> &'a flowform_parser::Variable {
    config
        .variables
        .get(name)
        .unwrap_or_else(|| panic!("variable {name} is missing"))
}

fn outputs(config: &Config, exports: &dyn Exports) -> BTreeMap<String, Value> {
    match config.evaluate_outputs(exports) {
        Ok(values) => values.into_iter().collect(),
        Err(d) => panic!(
            "outputs fail:\n{}",
            flowform_views::style::plain(&flowform_views::diagnostics::text(&config.sources, &d))
        ),
    }
}

fn from_file(config: &Config, name: &str, file: &str) -> bool {
    matches!(&variable(config, name).source, VarSource::File(f) if f.ends_with(file))
}

#[test]
fn variables_of_every_type_take_their_declared_type() {
    let config = load_clean(&fixture("variables"), &VariableInputs::default());
    let value = |name: &str| bare(&variable(&config, name).value);
    assert_eq!(value("name"), s("flowform"));
    assert_eq!(value("retries"), n(3));
    assert_eq!(value("enabled"), Value::Bool(true));
    assert_eq!(value("scopes"), list(&["read", "write"]));
    assert_eq!(
        value("tags"),
        obj([("cost_center", s("42")), ("team", s("data"))])
    );
    assert_eq!(
        value("app"),
        obj([
            ("id", s("app-1")),
            ("labels", list(&["a", "b"])),
            ("port", n(8443)),
            ("public", Value::Bool(false)),
        ])
    );
    assert_eq!(
        value("anything"),
        obj([(
            "nested",
            Value::List(vec![n(1), s("two"), Value::Bool(true)])
        )])
    );
    assert_eq!(value("optional"), Value::Null);
    // A set holds its elements once each, whatever order they were given in.
    let Value::List(regions) = value("regions") else {
        panic!("a set(string) loads as a list")
    };
    assert_eq!(regions.len(), 2);
    assert!(regions.contains(&s("us-east-1")) && regions.contains(&s("eu-west-1")));

    let password = variable(&config, "password");
    assert!(password.sensitive);
    assert!(matches!(password.value, Value::Sensitive(_)));
    assert_eq!(bare(&password.value), s("not-a-real-password"));
    assert!(from_file(&config, "password", "b.auto.vars.hcl"));

    // And through expressions into a resource.
    let secret = config
        .known_before_apply(&Address::new(ResourceKind::Secret, "uses_variables"))
        .expect("evaluates");
    let attr = |name: &str| bare(&secret[name]);
    assert_eq!(attr("name"), s("fixtures/flowform/3"));
    assert!(secret["secret_string"].contains_sensitive());
    assert_eq!(attr("secret_string"), s("not-a-real-password"));
    assert_eq!(
        attr("tags"),
        obj([
            ("cost_center", s("42")),
            ("first_scope", s("read")),
            ("port", s("8443")),
            ("team", s("data")),
        ])
    );
    let out = outputs(&config, &AllUnknown);
    assert_eq!(out["anything_second"], s("two"));
    assert_eq!(out["optional_or_fallback"], s("fallback"));
    assert_eq!(bare(&out["app"]), value("app"));
}

#[test]
fn variable_sources_follow_their_precedence() {
    let dir = fixture("variables");
    let assign = |name: &str, value: &str| VarArg::Assign {
        name: name.into(),
        value: value.into(),
    };
    let inputs = VariableInputs {
        args: vec![
            assign("cli_over_auto", "cli"),
            assign("last_arg_is_file", "cli"),
            VarArg::File(dir.join("extra.vars.hcl")),
            assign("last_arg_is_cli", "cli"),
            assign("cli_number", "7"),
            assign("cli_string_with_equals", "a=b=c"),
        ],
        env: BTreeMap::from(
            [
                ("env_over_default", "env"),
                ("auto_over_env", "env"),
                ("env_number", "42"),
                ("env_bool", "false"),
                ("env_list", r#"["x", "y"]"#),
                ("env_map", r#"{ a = 1, b = "2" }"#),
            ]
            .map(|(k, v)| (k.to_string(), v.to_string())),
        ),
        ..VariableInputs::default()
    };
    let config = load_clean(&dir, &inputs);
    let check = |name: &str, expected: Value| {
        assert_eq!(bare(&variable(&config, name).value), expected, "{name}");
    };
    check("only_default", s("default"));
    assert_eq!(variable(&config, "only_default").source, VarSource::Default);
    check("env_over_default", s("env"));
    assert_eq!(
        variable(&config, "env_over_default").source,
        VarSource::Environment
    );
    check("auto_over_env", s("auto"));
    assert!(from_file(&config, "auto_over_env", "a.auto.vars.hcl"));
    check("later_auto_file_wins", s("b"));
    assert!(from_file(
        &config,
        "later_auto_file_wins",
        "b.auto.vars.hcl"
    ));
    check("var_file_over_auto", s("file"));
    assert!(from_file(&config, "var_file_over_auto", "extra.vars.hcl"));
    check("cli_over_auto", s("cli"));
    assert_eq!(
        variable(&config, "cli_over_auto").source,
        VarSource::CommandLine
    );
    check("last_arg_is_file", s("file"));
    check("last_arg_is_cli", s("cli"));
    assert_eq!(
        variable(&config, "last_arg_is_cli").source,
        VarSource::CommandLine
    );
    check("env_number", n(42));
    check("env_bool", Value::Bool(false));
    check("env_list", list(&["x", "y"]));
    check("env_map", obj([("a", n(1)), ("b", n(2))]));
    check("cli_number", n(7));
    check("cli_string_with_equals", s("a=b=c"));
}

/// A `set(...)` variable keeps each element once, in Terraform's order (lexical for strings).
#[test]
fn set_variables_hold_each_element_once() {
    let config = load_clean(&fixture("variables"), &VariableInputs::default());
    assert_eq!(
        bare(&variable(&config, "set_with_duplicates").value),
        list(&["eu-west-1", "us-east-1"])
    );
}

/// Terraform takes `-var` and environment text literally for a variable without a type
/// constraint (only non-primitive type constraints make it parse the text as HCL).
#[test]
fn untyped_variables_take_env_and_cli_text_literally() {
    let inputs = VariableInputs {
        args: vec![VarArg::Assign {
            name: "untyped_from_cli".into(),
            value: "hello".into(),
        }],
        env: BTreeMap::from([("untyped_from_env".to_string(), "world".to_string())]),
        ..VariableInputs::default()
    };
    let config = load_clean(&fixture("variables"), &inputs);
    assert_eq!(
        bare(&variable(&config, "untyped_from_cli").value),
        s("hello")
    );
    assert_eq!(
        bare(&variable(&config, "untyped_from_env").value),
        s("world")
    );
}

#[test]
fn expressions_and_functions_evaluate_as_in_terraform() {
    let config = load_clean(&fixture("expressions"), &VariableInputs::default());
    let out = outputs(&config, &AllUnknown);
    let expect = |name: &str, expected: Value| {
        let got = out
            .get(name)
            .unwrap_or_else(|| panic!("output {name} is missing"));
        assert_eq!(got, &expected, "output {name}");
    };
    expect("prefix", s("prod-data"));
    expect("heredoc", s("line one\n  line two data\n"));
    expect("indented_heredoc", s("first\n  second\n"));
    expect("doubled", Value::List(vec![n(2), n(4), n(6), n(8)]));
    expect("evens", Value::List(vec![n(2), n(4)]));
    expect("admins", list(&["ALICE", "CAROL"]));
    expect(
        "roles_by_name",
        obj([
            ("alice", s("admin:alice")),
            ("bob", s("reader:bob")),
            ("carol", s("admin:carol")),
        ]),
    );
    expect(
        "names_by_role",
        obj([
            ("admin", list(&["alice", "carol"])),
            ("reader", list(&["bob"])),
        ]),
    );
    expect("indexed", list(&["0=1", "1=2", "2=3", "3=4"]));
    expect("tier", s("gold"));
    expect("comparison", Value::Bool(true));
    expect("splat", list(&["a", "b"]));
    // (1 + 2) * 3 - 4 / 2: a whole number, whatever the division's representation.
    let Value::Number(arithmetic) = &out["arithmetic"] else {
        panic!("arithmetic is not a number: {:?}", out["arithmetic"])
    };
    assert_eq!(arithmetic.as_f64(), Some(7.0));

    expect("jsonencode", s(r#"{"a":"x","b":[1,true,null]}"#));
    expect(
        "jsondecode",
        obj([
            ("k", Value::List(vec![n(1), s("two"), Value::Bool(false)])),
            ("n", Value::Null),
        ]),
    );
    expect("file", s("  Hello from a file.  \n"));
    expect("file_json", s("AllowAppFlowToReadTheSecret"));
    expect("format", s("a-1"));
    expect("format_verbs", s(r#""q"|["v"]|true|%|42"#));
    expect("lower", s("mixed"));
    expect("upper", s("MIXED"));
    expect("concat", list(&["a", "b", "c"]));
    expect("merge", obj([("a", n(1)), ("b", n(3)), ("c", n(4))]));
    expect("lookup_found", s("reader"));
    expect("lookup_default", s("nobody"));
    expect("coalesce", s("first"));
    expect("base64encode", s("Zmxvd2Zvcm0="));
    expect("base64decode", s("flowform"));
    expect("base64_round_trip", s("ünïcødé"));
    expect("trimspace", s("padded"));
    expect("trimmed_file", s("Hello from a file."));
    expect("length", Value::List(vec![n(3), n(4), n(3)]));
    expect("join_split", list(&["x", "y", "z"]));
    expect("replace", s("a_b_c"));
    expect(
        "contains",
        Value::List(vec![Value::Bool(true), Value::Bool(false)]),
    );
    expect(
        "keys_values",
        obj([
            ("keys", list(&["alice", "bob", "carol"])),
            ("values", list(&["admin", "reader", "admin"])),
        ]),
    );
    expect("tostring", s("42"));

    let token = &out["token_json"];
    assert!(
        matches!(token, Value::Sensitive(_)),
        "token_json must stay sensitive"
    );
    assert_eq!(bare(token), s(r#"{"token":"s3cr3t"}"#));

    // The same expressions inside a resource.
    let secret = config
        .known_before_apply(&Address::new(ResourceKind::Secret, "evaluated"))
        .expect("evaluates");
    let attr = |name: &str| bare(&secret[name]);
    assert_eq!(attr("name"), s("prod-data/app"));
    assert_eq!(attr("description"), s("line one\n  line two data\n"));
    assert!(secret["secret_string"].contains_sensitive());
    assert_eq!(
        attr("secret_string"),
        s(r#"{"owners":["ALICE","CAROL"],"token":"s3cr3t"}"#)
    );
    let Value::String(policy) = attr("policy") else {
        panic!("the policy is not a string")
    };
    let policy: serde_json::Value = serde_json::from_str(&policy).expect("the policy is JSON");
    assert_eq!(policy["Statement"][0]["Sid"], "AllowAppFlowToReadTheSecret");
    assert_eq!(attr("recovery_window_in_days"), n(30));
    assert_eq!(
        attr("tags"),
        obj([
            ("alice", s("admin")),
            ("carol", s("admin")),
            ("tier", s("gold")),
        ])
    );
}

/// Answers references with made-up ARNs of the right shape, as the planner does from the state.
struct KnownArns;

const SECRET_ARN: &str =
    "arn:aws:secretsmanager:eu-central-1:123456789012:secret:fixtures/app-AbCdEf";

impl Exports for KnownArns {
    fn export(&self, address: &Address, attribute: &str) -> Value {
        s(&match address.kind {
            ResourceKind::KmsKey | ResourceKind::KmsKeyPolicy => KMS_ARN.to_string(),
            ResourceKind::Secret => SECRET_ARN.to_string(),
            ResourceKind::ConnectorProfile => format!(
                "arn:aws:appflow:eu-central-1:{ACCOUNT}:connectorprofile/{}/{attribute}",
                address.label
            ),
        })
    }
}

#[test]
fn meta_arguments_outputs_provider_and_backend_are_read() {
    let config = load_clean(&fixture("meta"), &VariableInputs::default());
    assert_eq!(config.provider.region.as_deref(), Some("eu-central-1"));
    assert_eq!(config.provider.profile.as_deref(), Some("flowform-tests"));
    assert_eq!(config.provider.account_id.as_deref(), Some(ACCOUNT));
    assert_eq!(
        config.provider.endpoint_url.as_deref(),
        Some("http://127.0.0.1:4566")
    );
    assert_eq!(config.provider.max_retries, Some(5));
    assert_eq!(
        config.backend,
        Some(Backend::Local {
            path: Some("state/fixtures.tfstate.json".into())
        })
    );

    let address = |kind, label: &str| Address::new(kind, label);
    let key = address(ResourceKind::KmsKey, "appflow");
    let secret = address(ResourceKind::Secret, "app");
    let unrelated = address(ResourceKind::Secret, "unrelated");
    let key_policy = address(ResourceKind::KmsKeyPolicy, "appflow");
    let profile = address(ResourceKind::ConnectorProfile, "salesforce");
    let r = |a: &Address| &config.resources[a];

    assert!(r(&key).lifecycle.prevent_destroy);
    assert_eq!(
        config.known_before_apply(&key).expect("evaluates")["alias"],
        s("alias/fixtures/appflow_key-1")
    );
    assert_eq!(r(&secret).lifecycle.ignore_changes, ["description", "tags"]);
    assert!(!r(&secret).lifecycle.prevent_destroy);
    let every_secret_attribute: Vec<&str> = schema::attributes(ResourceKind::Secret)
        .iter()
        .map(|a| a.name)
        .collect();
    assert_eq!(
        r(&unrelated).lifecycle.ignore_changes,
        every_secret_attribute
    );
    assert!(!r(&profile).lifecycle.prevent_destroy);
    assert_eq!(r(&profile).lifecycle.ignore_changes, ["credentials"]);

    assert_eq!(r(&key_policy).depends_on, vec![secret.clone()]);
    assert_eq!(r(&profile).depends_on, [unrelated.clone(), key.clone()]);
    assert_eq!(r(&secret).references, [key.clone()].into());
    assert_eq!(r(&key_policy).references, [key.clone()].into());
    // The secret is referred to through local.secret_arn.
    assert_eq!(
        r(&profile).references,
        [secret.clone(), key_policy.clone()].into()
    );
    assert_eq!(
        config.known_before_apply(&profile).expect("evaluates")["kms_arn"],
        Value::Unknown
    );

    // Re-evaluated once references are known, as the planner and applier do.
    let known = match config.evaluate_resource(&profile, &KnownArns) {
        Ok(attributes) => attributes,
        Err(d) => panic!(
            "{}",
            flowform_views::style::plain(&flowform_views::diagnostics::text(&config.sources, &d))
        ),
    };
    assert_eq!(known["kms_arn"], s(KMS_ARN));
    let Value::Object(credentials) = bare(&known["credentials"]) else {
        panic!("credentials are not an object")
    };
    assert_eq!(credentials["client_credentials_arn"], s(SECRET_ARN));

    let names: Vec<(&str, bool)> = config
        .outputs
        .iter()
        .map(|o| (o.name.as_str(), o.sensitive))
        .collect();
    assert_eq!(names, [("profile_arn", false), ("secret_name", true)]);
    let out = outputs(&config, &KnownArns);
    assert_eq!(
        out["profile_arn"],
        s("arn:aws:appflow:eu-central-1:123456789012:connectorprofile/salesforce/arn")
    );
    assert!(matches!(out["secret_name"], Value::Sensitive(_)));
    let unknown = outputs(&config, &AllUnknown);
    assert_eq!(unknown["profile_arn"], Value::Unknown);
}

#[test]
fn other_policy_forms_grant_appflow_without_warnings() {
    let dir = fixture("policy-forms");
    let config = load_clean(&dir, &VariableInputs::default());
    assert_eq!(
        config.resources_of(ResourceKind::ConnectorProfile).count(),
        3
    );

    // The checks do run on these forms: taking one grant away is noticed.
    let text = std::fs::read_to_string(dir.join("main.hcl")).expect("the fixture");
    for (grant, taken_away, warning) in [
        (
            r#"Action    = ["secretsmanager:*"]"#,
            r#"Action    = ["secretsmanager:Describe*"]"#,
            "AppFlow cannot read this secret",
        ),
        (
            r#"["kms:Decrypt*", "kms:Encrypt", "kms:GenerateDataKey*"]"#,
            r#"["kms:Decrypt*", "kms:GenerateDataKey*"]"#,
            "AppFlow cannot use this KMS key",
        ),
    ] {
        assert!(text.contains(grant), "the fixture no longer holds {grant}");
        let changed = text.replace(grant, taken_away);
        let tmp = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(tmp.path().join("main.hcl"), changed).expect("writing the variant");
        let config = match load(tmp.path(), &VariableInputs::default()) {
            Ok(config) => config,
            Err(f) => panic!(
                "{}",
                flowform_views::style::plain(&flowform_views::diagnostics::text(
                    &f.sources,
                    &f.diagnostics
                ))
            ),
        };
        let summaries: Vec<&str> = config.warnings.iter().map(|d| d.summary.as_str()).collect();
        assert_eq!(summaries, [warning], "after replacing {grant}");
    }
}

/// A client credentials secret on the AWS managed key: AppFlow cannot be let use that key, so
/// the profile would be refused; the warning quotes the connector guide.
#[test]
fn a_secret_on_the_aws_managed_key_gets_a_warning_quoting_the_guide() {
    // Relative (tests run in the crate's directory), so the snapshot holds no machine's path.
    let dir = Path::new("tests/fixtures/warnings/aws-managed-key");
    let config = match load(dir, &VariableInputs::default()) {
        Ok(config) => config,
        Err(f) => panic!(
            "{}",
            flowform_views::style::plain(&flowform_views::diagnostics::text(
                &f.sources,
                &f.diagnostics
            ))
        ),
    };
    let summaries: Vec<&str> = config.warnings.iter().map(|d| d.summary.as_str()).collect();
    assert_eq!(
        summaries,
        [
            "AppFlow cannot decrypt this secret",
            "AppFlow cannot decrypt this secret"
        ]
    );
    insta::assert_snapshot!(flowform_views::style::plain(
        &flowform_views::diagnostics::text(&config.sources, &config.warnings)
    ));
}
