//! Each function's results and errors, evaluated from expression text as a configuration
//! would write them. `var.secret` is sensitive, `var.later` unknown (known after apply).

use crate::eval::{AllUnknown, EvalError, Evaluator, FileCache};
use flowform_core::Value;
use std::collections::BTreeMap;
use std::path::Path;

const SECRET: &str = "SENTINEL-hunter2";

fn eval_in(dir: &Path, src: &str) -> Result<Value, EvalError> {
    let vars = BTreeMap::from([
        (
            "secret".to_string(),
            Value::sensitive(Value::String(SECRET.into())),
        ),
        ("later".to_string(), Value::Unknown),
        ("name".to_string(), Value::String("app".into())),
    ]);
    let (locals, blocks) = (BTreeMap::new(), BTreeMap::new());
    let files = FileCache::new(dir);
    let ev = Evaluator::new(&vars, &locals, &blocks, &AllUnknown, &files);
    let expr = hcl::edit::parser::parse_expr(src).expect("the test's expression parses");
    ev.eval(&expr, "test.hcl")
}

fn eval(src: &str) -> Result<Value, EvalError> {
    eval_in(Path::new("."), src)
}

/// The value as JSON text, for compact assertions.
fn ok(src: &str) -> String {
    match eval(src) {
        Ok(v) => match v.to_json() {
            Some(j) => j.to_string(),
            None if v == Value::Unknown => "(unknown)".into(),
            None => "(sensitive or partly unknown)".into(),
        },
        Err(e) => panic!("{src}: {}: {}", e.summary, e.detail),
    }
}

/// The error's summary and detail; also checks it points inside the expression.
fn fails(src: &str) -> String {
    match eval(src) {
        Ok(v) => panic!("{src}: expected an error, got {v:?}"),
        Err(e) => {
            assert!(e.span.end <= src.len(), "{src}: span {:?}", e.span);
            assert!(
                !e.detail.contains(SECRET) && !e.summary.contains(SECRET),
                "{src}: leaked: {}",
                e.detail
            );
            format!("{}: {}", e.summary, e.detail)
        }
    }
}

/// The text the error points at.
fn pointed(src: &str) -> String {
    let e = eval(src).expect_err("an error");
    src[e.span].to_string()
}

#[test]
fn conversions() {
    assert_eq!(ok(r#"tonumber("42")"#), "42");
    assert_eq!(ok(r#"tonumber("-1.5")"#), "-1.5");
    assert_eq!(ok("tonumber(null)"), "null");
    assert_eq!(ok("tostring(12)"), r#""12""#);
    assert_eq!(ok("tostring(true)"), r#""true""#);
    assert_eq!(ok(r#"tobool("false")"#), "false");
    assert_eq!(ok(r#"tolist(["a", 1, true])"#), r#"["a","1","true"]"#);
    assert_eq!(ok(r#"toset(["b", "a", "b"])"#), r#"["a","b"]"#);
    assert_eq!(ok("toset([10, 9, 10])"), "[9,10]");
    assert_eq!(ok(r#"tomap({ a = 1, b = "x" })"#), r#"{"a":"1","b":"x"}"#);
    assert!(fails(r#"tonumber("x1")"#).contains(
        r#"Invalid value for "v" parameter: cannot convert "x1" to number; given string must be a decimal representation of a number."#
    ));
    assert!(fails(r#"tobool("yes")"#).contains("only the strings \"true\" or \"false\""));
    assert!(fails("tostring([1])").contains("cannot convert list to string."));
    assert!(fails(r#"tolist(["a", ["b"]])"#).contains("all elements must have the same type."));
    assert!(fails("tomap([1])").contains("cannot convert list to map"));
    assert!(fails("tonumber(var.secret)").contains("(sensitive value)"));
    assert!(fails("tobool(var.secret)").contains("(sensitive value)"));
}

#[test]
fn collections() {
    assert_eq!(ok("flatten([1, [2, [3, []]], [[4]]])"), "[1,2,3,4]");
    assert_eq!(
        ok(r#"distinct(["b", "a", "b", "c", "a"])"#),
        r#"["b","a","c"]"#
    );
    assert_eq!(ok(r#"zipmap(["a", "b"], [1, 2])"#), r#"{"a":1,"b":2}"#);
    assert_eq!(ok(r#"keys({ b = 1, a = 2 })"#), r#"["a","b"]"#);
    assert_eq!(ok(r#"values({ b = 1, a = 2 })"#), "[2,1]");
    assert_eq!(ok(r#"contains(["a", "b"], "b")"#), "true");
    assert_eq!(ok(r#"length("héllo")"#), "5");
    assert_eq!(ok(r#"length({ a = 1 })"#), "1");
    assert_eq!(ok(r#"element(["a", "b", "c"], 4)"#), r#""b""#);
    assert_eq!(ok("range(3)"), "[0,1,2]");
    assert_eq!(ok("range(1, 4)"), "[1,2,3]");
    assert_eq!(ok("range(3, 0)"), "[3,2,1]");
    assert_eq!(ok("range(0, 1, 0.25)"), "[0,0.25,0.5,0.75]");
    assert_eq!(
        ok(r#"setunion(["b", "a"], ["c", "a"])"#),
        r#"["a","b","c"]"#
    );
    assert_eq!(ok("one([])"), "null");
    assert_eq!(ok(r#"one(["x"])"#), r#""x""#);
    assert_eq!(ok(r#"sort(["b", "a", "C"])"#), r#"["C","a","b"]"#);
    assert_eq!(ok("sort([10, 9])"), r#"["10","9"]"#);
    assert_eq!(ok(r#"slice(["a", "b", "c", "d"], 1, 3)"#), r#"["b","c"]"#);
    assert_eq!(ok(r#"lookup({ a = 1 }, "b", 0)"#), "0");
    assert_eq!(ok(r#"concat(["a"], [], ["b"])"#), r#"["a","b"]"#);
    assert_eq!(
        ok(r#"merge({ a = 1 }, null, { b = 2 })"#),
        r#"{"a":1,"b":2}"#
    );
}

#[test]
fn collection_errors_name_the_parameter_and_point_at_it() {
    assert!(
        fails(r#"slice(["a"], 2, 1)"#).contains(
            r#"Invalid value for "start_index" parameter: start index must not be greater than the length of the list."#
        )
    );
    assert_eq!(pointed(r#"slice(["a"], 2, 1)"#), "2");
    assert!(fails(r#"slice(["a"], 0, 3)"#).contains(r#""end_index" parameter"#));
    assert_eq!(pointed(r#"slice(["a"], 0, 3)"#), "3");
    assert!(fails(r#"slice(["a", "b"], 2, 1)"#).contains("must not be greater than end index"));
    assert!(fails(r#"element([], 0)"#).contains("with an empty list"));
    assert!(fails(r#"element(["a"], -1)"#).contains(r#""index" parameter"#));
    assert_eq!(pointed(r#"element(["a"], -1)"#), "-1");
    assert!(fails("range(0, 1, 0)").contains("step must not be zero"));
    assert!(fails("range(0, 5000)").contains("more than 1024 values"));
    assert!(fails("range(5, 1, 1)").contains("end must be greater than start"));
    assert!(
        fails(r#"zipmap(["a"], [1, 2])"#)
            .contains("number of keys (1) does not match number of values (2)")
    );
    assert!(fails(r#"one(["a", "b"])"#).contains("either zero or one elements"));
    assert!(fails(r#"sort(["a", null])"#).contains("given list element 1 is null"));
    assert!(fails(r#"concat(["a"], "b")"#).contains(r#"Invalid value for "seqs" parameter"#));
    assert_eq!(pointed(r#"concat(["a"], "b")"#), r#""b""#);
    assert!(fails("length(1)").contains(r#""value" parameter"#));
    assert!(fails("flatten(1)").contains("can only flatten lists"));
    assert!(fails(r#"lookup({ a = 1 }, var.secret)"#).contains("(sensitive value)"));
}

#[test]
fn arity_errors() {
    assert!(fails("upper()").starts_with("Not enough function arguments"));
    assert!(fails(r#"upper("a", "b")"#).starts_with("Too many function arguments"));
    assert_eq!(pointed(r#"upper("a", "b")"#), r#""b""#);
    assert!(fails(r#"uper("a")"#).contains("Did you mean \"upper\"?"));
}

#[test]
fn strings() {
    assert_eq!(ok(r#"join("-", ["a", "b"], ["c"])"#), r#""a-b-c""#);
    assert_eq!(ok(r#"split(",", "a,b,,c")"#), r#"["a","b","","c"]"#);
    assert_eq!(ok(r#"replace("a-b-c", "-", "_")"#), r#""a_b_c""#);
    assert_eq!(
        ok(r#"replace("hello world", "/o(\\w)?/", "0$1")"#),
        r#""hell0 w0rld""#
    );
    assert_eq!(ok(r#"regex("[a-z]+", "123abc456")"#), r#""abc""#);
    assert_eq!(ok(r#"regex("(\\d+)-(\\d+)", "10-20")"#), r#"["10","20"]"#);
    assert_eq!(
        ok(r#"regex("(?P<y>\\d{4})-(?P<m>\\d{2})", "2024-05")"#),
        r#"{"m":"05","y":"2024"}"#
    );
    assert_eq!(ok(r#"regex("a(b)?", "a")"#), "[null]");
    assert_eq!(ok(r#"startswith("arn:aws:kms", "arn:")"#), "true");
    assert_eq!(ok(r#"endswith("file.json", ".yaml")"#), "false");
    assert_eq!(ok(r#"substr("hello world", 1, 4)"#), r#""ello""#);
    assert_eq!(ok(r#"substr("hello", -3, -1)"#), r#""llo""#);
    assert_eq!(ok(r#"substr("hello", 10, 2)"#), r#""""#);
    assert_eq!(ok(r#"substr("🤔🤷", 0, 1)"#), r#""🤔""#);
    assert_eq!(
        ok(r#"formatlist("%s=%s", ["a", "b"], "x")"#),
        r#"["a=x","b=x"]"#
    );
    assert_eq!(ok(r#"format("%s-%d", "a", 3)"#), r#""a-3""#);
    assert!(
        fails(r#"regex("(", "x")"#)
            .contains(r#"Invalid value for "pattern" parameter: error parsing pattern"#)
    );
    assert!(fails(r#"regex("(?P<a>x)(y)", "xy")"#).contains("cannot mix both named and unnamed"));
    assert!(fails(r#"regex("z", "xy")"#).contains("pattern did not match"));
    assert!(fails(r#"replace("x", "/(/", "y")"#).contains(r#""substr" parameter"#));
    assert!(
        fails(r#"substr("abc", 1.5, 1)"#)
            .contains(r#""offset" parameter: value must be a whole number"#)
    );
    assert!(
        fails(r#"formatlist("%s%s", ["a"], ["b", "c"])"#)
            .contains("argument 2 has length 2, which is inconsistent with argument 1 of length 1")
    );
    assert!(fails(r#"join(",", ["a", null])"#).contains("element 1 is null"));
    assert!(fails("regex(var.secret, \"x\")").contains("pattern did not match"));
    assert!(fails("format(var.secret, 1)").contains("a sensitive value"));
}

#[test]
fn a_hostile_pattern_is_refused_or_runs_in_linear_time() {
    // Catastrophic backtracking for a backtracking engine; linear for this one.
    let start = std::time::Instant::now();
    let src = format!(r#"regex("(a+)+$", "{}b")"#, "a".repeat(5000));
    assert!(eval(&src).is_err());
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    // A pattern whose compiled program would be huge is refused, not built.
    assert!(fails(r#"regex("(((a{100}){100}){100})", "a")"#).contains("error parsing pattern"));
}

#[test]
fn encodings() {
    assert_eq!(
        ok(r#"sha256("hello")"#),
        r#""2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824""#
    );
    assert_eq!(
        ok(r#"uuidv5("dns", "www.terraform.io")"#),
        r#""a5008fae-b28c-5ba5-96cd-82b4c53552d6""#
    );
    assert_eq!(
        ok(r#"uuidv5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.terraform.io")"#),
        r#""a5008fae-b28c-5ba5-96cd-82b4c53552d6""#
    );
    assert!(fails(r#"uuidv5("nope", "x")"#).contains(
        r#"Invalid value for "namespace" parameter: uuidv5() doesn't support namespace "nope""#
    ));
    assert!(fails(r#"uuidv5(var.secret, "x")"#).contains("(sensitive value)"));
}

#[test]
fn yaml() {
    assert_eq!(
        ok(r#"yamldecode("a: 1\nb: [x, 'true', true, ~, 1.5]\nc:\n  d: 0x10\n")"#),
        r#"{"a":1,"b":["x","true",true,null,1.5],"c":{"d":16}}"#
    );
    assert_eq!(ok(r#"yamldecode("")"#), "null");
    assert_eq!(
        ok(r#"yamldecode("base: &b {x: 1}\nother: *b\n")"#),
        r#"{"base":{"x":1},"other":{"x":1}}"#
    );
    assert!(
        fails(r#"yamldecode("a: [")"#).contains("Call to function \"yamldecode\" failed: on line")
    );
    assert!(fails(r#"yamldecode("a: 1\n---\nb: 2\n")"#).contains("only a single document"));
    // As Terraform's decoder: a later key wins, and << merges mappings in.
    assert_eq!(ok(r#"yamldecode("a: 1\na: 2\n")"#), r#"{"a":2}"#);
    assert_eq!(
        ok(r#"yamldecode("base: &b {x: 1, y: 2}\nmine:\n  <<: *b\n  y: 3\n")"#),
        r#"{"base":{"x":1,"y":2},"mine":{"x":1,"y":3}}"#
    );
    assert!(fails(r#"yamldecode("a:\n  <<: 1\n")"#).contains("cannot merge number into mapping"));
    assert!(fails(r#"yamldecode("~: 1\n")"#).contains("mapping key cannot be null"));
    assert!(fails(r#"yamldecode("!!binary aGk=")"#).contains("unsupported tag"));
    assert!(fails(r#"yamldecode("${var.secret}: [")"#).contains("a sensitive value"));
}

#[test]
fn hostile_yaml_is_refused_without_hanging_or_overflowing() {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            // "Billion laughs": each level nine copies of the one before.
            let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
            for i in 1..12 {
                let p = i - 1;
                doc.push_str(&format!(
                    "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
                ));
            }
            let e = super::yaml::decode(&doc).expect_err("refused");
            assert!(format!("{e:?}").contains("expands to more than"), "{e:?}");
            // Deep nesting, in flow and block style.
            let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
            assert!(super::yaml::decode(&deep).is_err());
            let mut block = String::new();
            for i in 0..5_000 {
                block.push_str(&" ".repeat(i));
                block.push_str("- \n");
            }
            let _ = super::yaml::decode(&block);
            // Aliases that nest an anchor inside itself over and over.
            let mut nest = String::from("a0: &a0 [x]\n");
            for i in 1..200 {
                nest.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
            }
            assert!(super::yaml::decode(&nest).is_err());
        })
        .expect("spawn")
        .join()
        .expect("no panic or overflow");
}

#[test]
fn unknown_arguments_give_unknown_results() {
    assert_eq!(ok("upper(var.later)"), "(unknown)");
    assert_eq!(ok("regex(var.later, \"x\")"), "(unknown)");
    assert_eq!(ok("length([var.later, 1])"), "2");
    assert_eq!(ok("keys({ a = var.later })"), r#"["a"]"#);
    assert_eq!(ok("flatten([[var.later]])"), "(unknown)");
    assert_eq!(ok("element([var.later, 1], 1)"), "1");
    assert_eq!(ok("try(var.later, 1)"), "(unknown)");
    assert_eq!(ok("can(var.later)"), "(unknown)");
}

#[test]
fn sensitive_arguments_give_sensitive_results() {
    for src in [
        "upper(var.secret)",
        "sha256(var.secret)",
        "split(\"-\", var.secret)",
        "length(var.secret)",
        "try(var.secret, 1)",
        "tolist([var.secret])",
        "substr(var.secret, 0, 3)",
    ] {
        let v = eval(src).unwrap_or_else(|e| panic!("{src}: {}", e.detail));
        assert!(v.contains_sensitive(), "{src} lost its mark");
    }
}

#[test]
fn try_and_can_catch_dynamic_errors_only() {
    assert_eq!(ok(r#"try({ a = 1 }.b, "fallback")"#), r#""fallback""#);
    assert_eq!(ok(r#"try(tonumber("x"), tonumber("2"), 3)"#), "2");
    assert_eq!(ok(r#"try(upper("a"), 1)"#), r#""A""#);
    assert_eq!(ok(r#"can(regex("^[a-z]+$", "abc"))"#), "true");
    assert_eq!(ok(r#"can(regex("^[a-z]+$", "ABC"))"#), "false");
    assert_eq!(ok("can([1][3])"), "false");
    let all_failed = fails(r#"try({ a = 1 }.b, tonumber("x"))"#);
    assert!(
        all_failed.contains("no expression succeeded"),
        "{all_failed}"
    );
    assert!(
        all_failed.contains("argument 1: Unsupported attribute"),
        "{all_failed}"
    );
    // A mistake in the configuration is not caught.
    assert!(fails("try(var.nope, 1)").contains("Reference to undeclared input variable"));
    assert!(fails("can(nosuch(1))").contains("Call to unknown function"));
    assert!(fails("try()").starts_with("Not enough function arguments"));
    assert!(fails("can(1, 2)").starts_with("Too many function arguments"));
    // The expressions are evaluated lazily: a later argument's error does not matter.
    assert_eq!(ok(r#"try("first", tonumber("x"))"#), r#""first""#);
    // A caught error from a sensitive value does not leak it.
    let leaked = fails("try(tonumber(var.secret), tobool(var.secret))");
    assert!(leaked.contains("(sensitive value)"), "{leaked}");
}

#[test]
fn templatefile_renders_with_only_its_variables() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("policy.tftpl"),
        "Hello ${name}!\n%{ for i, x in items ~}\n- ${i}: ${upper(x)}\n%{ endfor ~}\n%{ if admin }admin%{ else }user%{ endif }",
    )
    .expect("write");
    std::fs::write(dir.path().join("outside.tftpl"), "${var.name}").expect("write");
    std::fs::write(
        dir.path().join("self.tftpl"),
        "${templatefile(\"self.tftpl\", {})}",
    )
    .expect("write");
    std::fs::write(dir.path().join("broken.tftpl"), "${").expect("write");
    let run = |src: &str| eval_in(dir.path(), src);
    let out = run(
        r#"templatefile("policy.tftpl", { name = "flowform", items = ["a", "b"], admin = false })"#,
    )
    .expect("renders");
    assert_eq!(
        out,
        Value::String("Hello flowform!\n- 0: A\n- 1: B\nuser".into())
    );
    let e = run(r#"templatefile("outside.tftpl", {})"#).expect_err("no var. in a template");
    assert!(
        e.detail.contains("Reference to undeclared input variable"),
        "{}",
        e.detail
    );
    let e = run(r#"templatefile("self.tftpl", {})"#).expect_err("no recursion");
    assert!(
        e.detail.contains("cannot recursively call templatefile"),
        "{}",
        e.detail
    );
    let e = run(r#"templatefile("broken.tftpl", {})"#).expect_err("invalid template");
    assert!(e.detail.contains("is not valid: line 1"), "{}", e.detail);
    let e = run(r#"templatefile("missing.tftpl", {})"#).expect_err("missing");
    assert!(
        e.detail.starts_with("Invalid value for \"path\" parameter"),
        "{}",
        e.detail
    );
    let e = run(r#"templatefile("policy.tftpl", { "not-ok!" = 1 })"#).expect_err("bad name");
    assert!(
        e.detail.contains("invalid template variable name"),
        "{}",
        e.detail
    );
    let v = run(r#"templatefile("policy.tftpl", { name = var.secret, items = [], admin = true })"#)
        .expect("renders");
    assert!(v.contains_sensitive());
    let v = run(r#"templatefile("policy.tftpl", { name = var.later, items = [], admin = true })"#)
        .expect("renders");
    assert_eq!(v, Value::Unknown);
}

#[test]
fn directives_in_the_configurations_own_strings() {
    assert_eq!(
        ok(r#""%{ for x in ["a", "b"] }${x},%{ endfor }""#),
        r#""a,b,""#
    );
    assert_eq!(ok(r#""%{ if 1 < 2 }yes%{ else }no%{ endif }""#), r#""yes""#);
    assert_eq!(
        ok("<<EOT\n%{ for k, v in { a = 1, b = 2 } ~}\n${k}=${v}\n%{ endfor ~}\nEOT"),
        r#""a=1\nb=2\n""#
    );
    assert_eq!(ok(r#""x ${ "y" ~}   z""#), r#""x yz""#);
    assert_eq!(ok(r#""%{ if var.later == "" }a%{ endif }""#), "(unknown)");
    assert!(fails(r#""%{ if "maybe" }a%{ endif }""#).contains("must be a bool"));
    let v = eval(r#""%{ for c in [var.secret] }${c}%{ endfor }""#).expect("renders");
    assert!(v.contains_sensitive());
}

#[test]
fn format_verbs_as_terraform() {
    assert_eq!(ok(r#"format("app-%02d", 7)"#), r#""app-07""#);
    assert_eq!(
        ok(r#"format("%03d|%-5s|%5s|", -7, "ab", "cd")"#),
        r#""-07|ab   |   cd|""#
    );
    assert_eq!(ok(r#"format("%.2f %f", 3.14159, 1)"#), r#""3.14 1.000000""#);
    assert_eq!(ok(r#"format("%e", 1500)"#), r#""1.500000e+03""#);
    assert_eq!(
        ok(r#"format("%x %X %#x %o %b", 255, 255, 255, 8, 5)"#),
        r#""ff FF 0xff 10 101""#
    );
    assert_eq!(
        ok(r#"format("%t %v %#v", true, "a", "a")"#),
        r#""true a \"a\"""#
    );
    assert_eq!(ok(r#"format("%v", { a = [1] })"#), r#""{\"a\":[1]}""#);
    assert_eq!(ok(r#"format("%q", "x\"y")"#), r#""\"x\\\"y\"""#);
    assert_eq!(ok(r#"format("%+d %d", 5, "12")"#), r#""+5 12""#);
    assert_eq!(ok(r#"format("%.3s", "abcdef")"#), r#""abc""#);
    assert_eq!(ok(r#"format("100%%")"#), r#""100%""#);
    assert!(
        fails(r#"format("%d", 1.5)"#)
            .contains(r#"Invalid value for "args" parameter: unsupported value for "%d""#)
    );
    assert!(fails(r#"format("%d", "x")"#).contains("unsupported value"));
    assert!(fails(r#"format("%s %s", "a")"#).contains("not enough arguments"));
    assert!(fails(r#"format("%s", "a", "b")"#).contains("too many arguments"));
    assert!(fails(r#"format("%99999999d", 1)"#).contains("width or precision"));
    assert_eq!(
        ok(r#"formatlist("%s-%02d", ["a", "b"], [1, 2])"#),
        r#"["a-01","b-02"]"#
    );
    // Explicit argument indexes, as Go's fmt (and so Terraform) reads them.
    assert_eq!(ok(r#"format("%[2]s-%[1]s", "a", "b")"#), r#""b-a""#);
    assert_eq!(
        ok(r#"format("%[2]s %s %[1]s", "a", "b", "c")"#),
        r#""b c a""#
    );
    assert_eq!(ok(r#"format("%[1]s%[1]s", "ab")"#), r#""abab""#);
    assert_eq!(ok(r#"format("%-4[1]s|%03[2]d", "x", 7)"#), r#""x   |007""#);
    assert!(fails(r#"format("%[3]s", "a", "b")"#).contains("invalid argument index"));
    assert!(fails(r#"format("%[0]s", "a")"#).contains("invalid argument index"));
    assert!(fails(r#"format("%[1s", "a")"#).contains("invalid argument index"));
    assert!(fails(r#"format("%[2]s", "a", "b", "c")"#).contains("too many arguments"));
    assert!(fails(r#"format("%[01]s", "a")"#).contains("invalid argument index"));
    assert!(fails(r#"format("%[1]%", "a")"#).contains("not to %"));
    // The error names and points at the argument the index chose, not the verb's position.
    let src = r#"format("%[2]d items of %[1]s", "apples", "three")"#;
    assert!(fails(src).contains("at argument 2"), "{}", fails(src));
    assert_eq!(pointed(src), r#""three""#);
}

#[test]
fn the_remaining_error_cases() {
    assert!(fails(r#"distinct("a")"#).contains(r#"Invalid value for "list" parameter"#));
    assert!(fails(r#"contains("a", "a")"#).contains(r#""list" parameter: argument must be list"#));
    assert!(fails("keys([1])").contains(r#""inputMap" parameter: must have map or object type"#));
    assert!(fails("values(1)").contains(r#""mapping" parameter"#));
    assert!(fails("startswith([1], \"a\")").contains(r#""str" parameter: string required"#));
    assert!(
        fails("endswith(\"a\", null)").contains(r#""suffix" parameter: argument must not be null"#)
    );
    assert!(fails(r#"setunion(["a"], "b")"#).contains(r#""other_sets" parameter"#));
    assert!(fails(r#"split(",", ["a"])"#).contains(r#""str" parameter"#));
    assert!(
        fails(r#"zipmap(["a", null], [1, 2])"#).contains("keys list has null value at index 1")
    );
    assert!(fails(r#"sha256(["a"])"#).contains(r#""str" parameter"#));
    assert!(fails(r#"templatefile("x", "y")"#).contains(r#""vars" parameter"#));
    assert!(fails("tolist({ a = 1 })").contains("cannot convert object to list"));
    assert!(fails(r#"toset("a")"#).contains("cannot convert string to set"));
    assert!(fails(r#"jsondecode("{")"#).contains("is not valid JSON"));
    assert_eq!(pointed(r#"setunion(["a"], "b")"#), r#""b""#);
    assert_eq!(pointed(r#"endswith("a", null)"#), "null");
}
