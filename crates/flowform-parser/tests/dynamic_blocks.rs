//! `dynamic` blocks expand into the nested blocks they generate: what a configuration loads to,
//! with its iterator, with a collection known only after apply, and with a sensitive one.
//! (What a wrong dynamic block is told is in the invalid corpus, `dynamic_block`.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's failed unwrap is its failure

use flowform_core::{Address, ResourceKind, Value};
use flowform_parser::eval::Exports;
use flowform_parser::{Config, VariableInputs, load};

fn load_text(text: &str) -> Config {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("main.hcl"), text).expect("write");
    match load(dir.path(), &VariableInputs::default()) {
        Ok(c) => c,
        Err(f) => panic!(
            "does not load:\n{}",
            flowform_views::style::plain(&flowform_views::diagnostics::text(
                &f.sources,
                &f.diagnostics
            ))
        ),
    }
}

fn profile(config: &Config, label: &str) -> Value {
    let address = Address::new(ResourceKind::ConnectorProfile, label);
    Value::Object(config.known_before_apply(&address).expect("evaluates"))
}

/// `path` ("properties.oauth2_properties.token_url") in a value.
fn at<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, step| match v.peel() {
        Value::Object(map) => map.get(step),
        _ => None,
    })
}

const HEAD: &str = r#"
variable "oauth" {
  type = object({ token_url = string, grant = string })
  default = { token_url = "https://login.example.com/token", grant = "CLIENT_CREDENTIALS" }
}

variable "none" {
  type    = list(string)
  default = []
}

variable "scopes" {
  type      = map(string)
  sensitive = true
  default   = { audience = "api" }
}
"#;

#[test]
fn a_dynamic_block_generates_its_block_with_the_iterator_bound() {
    let config = load_text(&format!(
        r#"{HEAD}
connector_profile "p" {{
  name            = "p"
  connector_type  = "CustomConnector"
  connector_label = "acme"
  connection_mode = "Public"

  properties {{
    # Zero or one block: the usual use, an optional nested block.
    dynamic "oauth2_properties" {{
      for_each = var.oauth == null ? [] : [var.oauth]
      content {{
        token_url         = oauth2_properties.value.token_url
        oauth2_grant_type = oauth2_properties.value.grant
      }}
    }}
  }}

  credentials {{
    authentication_type = "OAUTH2"

    # A map, an iterator of its own name, and a nested dynamic using both iterators.
    dynamic "oauth2" {{
      for_each = {{ only = "client-id" }}
      iterator = cred
      content {{
        client_id     = cred.value
        client_secret = "s-${{cred.key}}"

        dynamic "oauth_request" {{
          for_each = toset(["https://example.com/callback"])
          content {{
            redirect_uri = oauth_request.key
          }}
        }}
      }}
    }}
  }}
}}

connector_profile "q" {{
  name            = "q"
  connector_type  = "CustomConnector"
  connector_label = "acme"
  connection_mode = "Public"

  properties {{
    # Generates nothing.
    dynamic "oauth2_properties" {{
      for_each = var.none
      content {{
        token_url         = "x"
        oauth2_grant_type = "CLIENT_CREDENTIALS"
      }}
    }}
  }}

  credentials {{
    authentication_type = "CUSTOM"

    dynamic "custom" {{
      for_each = [1]
      content {{
        custom_authentication_type = "token"
        credentials_map            = var.scopes
      }}
    }}
  }}
}}
"#
    ));
    let p = profile(&config, "p");
    assert_eq!(
        at(&p, "properties.oauth2_properties.token_url"),
        Some(&Value::String("https://login.example.com/token".into()))
    );
    assert_eq!(
        at(&p, "properties.oauth2_properties.oauth2_grant_type"),
        Some(&Value::String("CLIENT_CREDENTIALS".into()))
    );
    assert_eq!(
        at(&p, "credentials.oauth2.client_id"),
        Some(&Value::String("client-id".into()))
    );
    assert_eq!(
        at(&p, "credentials.oauth2.client_secret").map(Value::peel),
        Some(&Value::String("s-only".into()))
    );
    // Of a set, the key is the element.
    assert_eq!(
        at(&p, "credentials.oauth2.oauth_request.redirect_uri"),
        Some(&Value::String("https://example.com/callback".into()))
    );
    let q = profile(&config, "q");
    assert_eq!(at(&q, "properties.oauth2_properties"), None);
    // Generated from a sensitive value: sensitive.
    assert!(
        at(&q, "credentials.custom")
            .expect("generated")
            .contains_sensitive()
    );
    // The JSON plan's configuration describes the generated block's expressions.
    let expressions = config.expressions(&Address::new(ResourceKind::ConnectorProfile, "p"));
    let properties = format!("{:?}", expressions.get("properties"));
    assert!(properties.contains("oauth2_properties"), "{properties}");
}

/// A collection known only after apply: the content is still checked, and the generated block
/// is unknown until the planner knows more; references in it are dependencies.
#[test]
fn a_collection_known_after_apply_makes_the_block_unknown() {
    let config = load_text(
        r#"
secret "client" {
  name = "client"
}

connector_profile "p" {
  name            = "p"
  connector_type  = "CustomConnector"
  connector_label = "acme"
  connection_mode = "Public"

  properties {}

  credentials {
    authentication_type = "OAUTH2"

    dynamic "oauth2" {
      for_each = [secret.client.arn]
      content {
        client_id = oauth2.value
      }
    }
  }
}
"#,
    );
    let address = Address::new(ResourceKind::ConnectorProfile, "p");
    let p = &config.resources[&address];
    assert!(
        p.references.iter().any(|a| a.label == "client"),
        "the content's reference is a dependency: {:?}",
        p.references
    );
    // At load every resource attribute is unknown, so the list's element is; the list itself
    // is known (one element), so the block is generated with an unknown client_id.
    assert_eq!(
        at(
            &Value::Object(config.known_before_apply(&address).expect("evaluates")),
            "credentials.oauth2.client_id"
        ),
        Some(&Value::Unknown)
    );

    struct Known;
    impl Exports for Known {
        fn export(&self, _: &Address, attribute: &str) -> Value {
            Value::String(format!(
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:{attribute}"
            ))
        }
    }
    let evaluated = config
        .evaluate_resource(&address, &Known)
        .expect("evaluates");
    assert_eq!(
        at(&Value::Object(evaluated), "credentials.oauth2.client_id"),
        Some(&Value::String(
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:arn".into()
        ))
    );
}

#[test]
fn an_unknown_collection_makes_the_generated_block_unknown() {
    let config = load_text(
        r#"
secret "client" {
  name = "client"
}

connector_profile "p" {
  name            = "p"
  connector_type  = "CustomConnector"
  connector_label = "acme"
  connection_mode = "Public"

  properties {}

  credentials {
    authentication_type = "OAUTH2"

    dynamic "oauth2" {
      for_each = secret.client.arn == "" ? [] : [1]
      content {
        client_id = "id"
      }
    }
  }
}
"#,
    );
    let p = profile(&config, "p");
    assert_eq!(at(&p, "credentials.oauth2"), Some(&Value::Unknown));
}
