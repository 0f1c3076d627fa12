//! A connector profile's `properties` and `credentials`, between flowform's values and the AWS
//! SDK's typed AppFlow structures.
//!
//! flowform holds a profile's configuration as [`Value`] objects keyed by HCL names, shaped by the
//! connector catalogue ([`flowform_core::catalogue`]); the SDK wants one typed builder per
//! connector and per nested structure. This module is the one place where the two meet:
//!
//! - [`to_sdk`] turns `properties` and `credentials` into a [`ConnectorProfileConfig`] for
//!   CreateConnectorProfile and UpdateConnectorProfile;
//! - [`properties_from_sdk`] turns what DescribeConnectorProfiles returns back into the shape the
//!   parser produces, for drift detection and import ([`comparable_properties`] says how to
//!   compare the two);
//! - [`connector_type`] gives the SDK's `ConnectorType`.
//!
//! Nothing here knows a connector. The per-structure builder and getter calls are generated from
//! AWS's model (`generated.rs`, by `flowform-codegen`, from the same extract as the catalogue), so
//! a connector or field AWS adds costs one model refresh; this file holds only the
//! connector-agnostic runtime they call: a [`Reader`] that takes fields by HCL name and refuses
//! the ones nothing took (a field is an error, never a lost setting), a [`Writer`] that builds
//! values back, and the conversions from the SDK's getters. Errors never include a value:
//! properties and credentials are reported by their path (`credentials.oauth_request`).

#[rustfmt::skip]
mod generated;

use std::collections::{BTreeMap, HashMap};

use aws_sdk_appflow::error::BuildError;
use aws_sdk_appflow::types::{ConnectorProfileConfig, ConnectorProfileProperties, ConnectorType};
use flowform_core::catalogue::{self, Connector, Field, Kind};
use flowform_core::{Number, Value};

/// Why a profile's configuration could not be mapped. Messages name the connector and the
/// field's path in HCL terms, and never contain a value (a credential must not reach a log).
#[derive(Debug, thiserror::Error)]
pub enum ProfileConfigError {
    #[error(
        "\"{connector_type}\" is not a connector type with a connector profile. Use one of: {known}."
    )]
    UnknownConnectorType {
        connector_type: String,
        known: String,
    },
    #[error(
        "{connector_type} has no connector profile configuration: AppFlow uses it directly as a flow's source or destination, without a profile."
    )]
    NoProfileConfiguration { connector_type: String },
    #[error(
        "The {connector} connector profile's {path} is not known yet, so it cannot be sent to AWS. Apply the resources it depends on first."
    )]
    Unknown {
        connector: &'static str,
        path: String,
    },
    #[error("The {connector} connector profile's {path} must be {expected}, but it is a {found}.")]
    WrongType {
        connector: &'static str,
        path: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error(
        "The {connector} connector profile's {path} must be a whole number from {min} to {max}."
    )]
    OutOfRange {
        connector: &'static str,
        path: String,
        min: i64,
        max: i64,
    },
    #[error("The {connector} connector profile's {path} must be one of {allowed}.")]
    NotOneOf {
        connector: &'static str,
        path: String,
        allowed: String,
    },
    #[error(
        "The {connector} connector profile's {path} has a field \"{field}\" that {connector} does not have, so it cannot be sent to AWS."
    )]
    UnsupportedField {
        connector: &'static str,
        path: String,
        field: String,
    },
    #[error(
        "The {connector} connector profile's {path} has no \"{field}\", which AWS requires. Set it in the configuration."
    )]
    MissingRequired {
        connector: &'static str,
        path: String,
        field: String,
        /// What the SDK's builder said (it names the SDK's field, never a value).
        sdk_message: String,
    },
    #[error(
        "flowform's catalogue has the {connector_type} connector, but the applier cannot send it to AWS yet. This is a bug in flowform: please report it."
    )]
    NotMapped { connector_type: &'static str },
    #[error(
        "AWS described this {connector} connector profile with the properties of {found}; expected properties for {connector}."
    )]
    UnexpectedProperties {
        connector: &'static str,
        found: String,
    },
}

type Result<T, E = ProfileConfigError> = std::result::Result<T, E>;

/// The catalogue entry of `connector_type`, or the error that explains why there is none.
fn known_connector(connector_type: &str) -> Result<&'static Connector> {
    if let Some(connector) = catalogue::connector(connector_type) {
        return Ok(connector);
    }
    if catalogue::TYPES_WITHOUT_PROFILE.contains(&connector_type) {
        return Err(ProfileConfigError::NoProfileConfiguration {
            connector_type: connector_type.to_string(),
        });
    }
    let known: Vec<&str> = catalogue::CONNECTORS
        .iter()
        .map(|c| c.connector_type)
        .collect();
    Err(ProfileConfigError::UnknownConnectorType {
        connector_type: connector_type.to_string(),
        known: known.join(", "),
    })
}

/// The SDK's `ConnectorType` for flowform's `connector_type` (`"Salesforce"`,
/// `"Googleanalytics"`, ...), spelled exactly as the API spells it.
///
/// Only connectors that have a profile configuration (those of the catalogue) are accepted: S3,
/// EventBridge and the like have no connector profile, and an unknown spelling would become the
/// SDK's `ConnectorType::Unknown`, which AWS would refuse.
pub fn connector_type(connector_type: &str) -> Result<ConnectorType> {
    let connector = known_connector(connector_type)?;
    if !ConnectorType::values().contains(&connector.connector_type) {
        // The catalogue knows a type this SDK release does not.
        return Err(ProfileConfigError::UnknownConnectorType {
            connector_type: connector_type.to_string(),
            known: ConnectorType::values().join(", "),
        });
    }
    Ok(ConnectorType::from(connector.connector_type))
}

/// Builds the SDK's `ConnectorProfileConfig` for `connector_type` from a profile's `properties`
/// and `credentials`, as the parser evaluated them: objects keyed by HCL names, nested blocks as
/// nested objects, sensitive leaves marked (the marks are looked through here, since this is
/// where the values leave for AWS).
///
/// `properties` may be `Value::Null` or an empty object for connectors without properties; their
/// empty properties structure is still set, because the API requires
/// `connectorProfileProperties.<Member>`. `credentials: None` leaves
/// `connectorProfileCredentials` out of the request altogether.
///
/// Fails on an unknown value anywhere, a value of the wrong type, a field the connector does not
/// have, and a field AWS requires but the value lacks.
pub fn to_sdk(
    connector_type: &str,
    properties: &Value,
    credentials: Option<&Value>,
) -> Result<ConnectorProfileConfig> {
    let connector = known_connector(connector_type)?;
    let reader = Reader::root(connector, "properties", connector.properties, properties)?;
    let properties = generated::properties_to_sdk(connector.member, reader)?
        .ok_or_else(|| not_mapped(connector))?;
    let credentials = match credentials {
        Some(value) => {
            let reader = Reader::root(connector, "credentials", connector.credentials, value)?;
            Some(
                generated::credentials_to_sdk(connector.member, reader)?
                    .ok_or_else(|| not_mapped(connector))?,
            )
        }
        None => None,
    };
    Ok(ConnectorProfileConfig::builder()
        .connector_profile_properties(properties)
        .set_connector_profile_credentials(credentials)
        .build())
}

/// Turns the properties DescribeConnectorProfiles returned for a `connector_type` profile into an
/// object keyed by HCL names, the shape the parser produces for `properties`.
///
/// Fields AWS left unset are omitted. The SDK cannot tell an unset bool from `false` (nor an
/// unset required string from `""`, or an unset port from `0`), so those are omitted too: compare
/// the result with [`comparable_properties`] of the configuration, not with the configuration
/// itself. Credentials have no counterpart: AWS never returns them.
pub fn properties_from_sdk(
    connector_type: &str,
    properties: &ConnectorProfileProperties,
) -> Result<Value> {
    let connector = known_connector(connector_type)?;
    let present = generated::members_present(properties);
    if !present.is_empty() && !present.contains(&connector.member) {
        return Err(ProfileConfigError::UnexpectedProperties {
            connector: connector.connector_type,
            found: present.join(", "),
        });
    }
    match generated::properties_from_sdk(connector.member, properties) {
        None => Err(not_mapped(connector)),
        Some(None) => Ok(Value::Object(BTreeMap::new())),
        Some(Some(value)) => Ok(value),
    }
}

/// `properties` as [`properties_from_sdk`] would give them back after a round trip through AWS:
/// bools that are `false` (AWS's default, which the SDK neither sends nor tells apart from
/// unset) and nulls removed, at every level. Drift is
/// `comparable_properties(config) != properties_from_sdk(described)`.
pub fn comparable_properties(connector_type: &str, properties: &Value) -> Result<Value> {
    let connector = known_connector(connector_type)?;
    Ok(without_defaults(connector.properties, properties))
}

fn without_defaults(fields: &'static [Field], value: &Value) -> Value {
    let Value::Object(map) = value.peel() else {
        return value.clone();
    };
    let mut out = BTreeMap::new();
    for (name, v) in map {
        match (Field::find(fields, name).map(|f| &f.kind), v.peel()) {
            (_, Value::Null) | (Some(Kind::Bool), Value::Bool(false)) => {}
            (Some(Kind::Block(nested)), _) => {
                out.insert(name.clone(), without_defaults(nested, v));
            }
            _ => {
                out.insert(name.clone(), v.clone());
            }
        }
    }
    Value::Object(out)
}

/// A catalogue connector the generated mapping lacks: the two were generated from different
/// extracts (`cargo run -p flowform-codegen` regenerates both).
fn not_mapped(connector: &Connector) -> ProfileConfigError {
    ProfileConfigError::NotMapped {
        connector_type: connector.connector_type,
    }
}

// ---------------------------------------------------------------------------------------------
// Values -> SDK.

/// Reads one object of a profile's configuration (`properties`, `credentials.oauth_request`,
/// ...) field by field, by HCL name, and remembers which fields were read so that [`Reader::done`]
/// can refuse the ones no mapping took.
struct Reader<'v> {
    connector: &'static str,
    /// `properties`, `credentials.oauth_request`, ...: for error messages.
    path: String,
    /// The catalogue's fields at this level.
    fields: &'static [Field],
    /// Fields not read yet.
    unread: BTreeMap<&'v str, &'v Value>,
}

impl<'v> Reader<'v> {
    fn root(
        connector: &'static Connector,
        section: &str,
        fields: &'static [Field],
        value: &'v Value,
    ) -> Result<Self> {
        Self::new(connector.connector_type, section.to_string(), fields, value)
    }

    fn new(
        connector: &'static str,
        path: String,
        fields: &'static [Field],
        value: &'v Value,
    ) -> Result<Self> {
        let unread = match value.peel() {
            Value::Null => BTreeMap::new(),
            Value::Object(map) => map.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            Value::Unknown => return Err(ProfileConfigError::Unknown { connector, path }),
            other => {
                return Err(ProfileConfigError::WrongType {
                    connector,
                    path,
                    expected: "a block of fields",
                    found: other.type_name(),
                });
            }
        };
        Ok(Reader {
            connector,
            path,
            fields,
            unread,
        })
    }

    fn path_of(&self, hcl: &str) -> String {
        format!("{}.{hcl}", self.path)
    }

    /// The value of field `hcl`, through any sensitive mark; `None` when absent or null.
    fn take(&mut self, hcl: &str) -> Result<Option<&'v Value>> {
        debug_assert!(
            Field::find(self.fields, hcl).is_some(),
            "the catalogue has no field {hcl} in {} {}",
            self.connector,
            self.path
        );
        match self.unread.remove(hcl).map(Value::peel) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Unknown) => Err(ProfileConfigError::Unknown {
                connector: self.connector,
                path: self.path_of(hcl),
            }),
            Some(value) => Ok(Some(value)),
        }
    }

    fn wrong_type(
        &self,
        path: String,
        expected: &'static str,
        found: &Value,
    ) -> ProfileConfigError {
        ProfileConfigError::WrongType {
            connector: self.connector,
            path,
            expected,
            found: found.type_name(),
        }
    }

    fn string(&mut self, hcl: &str) -> Result<Option<String>> {
        match self.take(hcl)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(self.wrong_type(self.path_of(hcl), "a string", other)),
        }
    }

    fn bool(&mut self, hcl: &str) -> Result<Option<bool>> {
        match self.take(hcl)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self.wrong_type(self.path_of(hcl), "a bool", other)),
        }
    }

    /// An integer field; the API's integers are 32-bit.
    fn int32(&mut self, hcl: &str) -> Result<Option<i32>> {
        let n = match self.take(hcl)? {
            None => return Ok(None),
            Some(Value::Number(n)) => n,
            Some(other) => return Err(self.wrong_type(self.path_of(hcl), "a number", other)),
        };
        match n.as_i64().and_then(|i| i32::try_from(i).ok()) {
            Some(i) => Ok(Some(i)),
            None => Err(ProfileConfigError::OutOfRange {
                connector: self.connector,
                path: self.path_of(hcl),
                min: i32::MIN.into(),
                max: i32::MAX.into(),
            }),
        }
    }

    fn strings(&mut self, hcl: &str) -> Result<Option<Vec<String>>> {
        let items = match self.take(hcl)? {
            None => return Ok(None),
            Some(Value::List(items)) => items,
            Some(other) => {
                return Err(self.wrong_type(self.path_of(hcl), "a list of strings", other));
            }
        };
        items
            .iter()
            .map(|item| match item.peel() {
                Value::String(s) => Ok(s.clone()),
                Value::Unknown => Err(ProfileConfigError::Unknown {
                    connector: self.connector,
                    path: format!("{} (an element)", self.path_of(hcl)),
                }),
                other => Err(self.wrong_type(
                    format!("{} (every element)", self.path_of(hcl)),
                    "a string",
                    other,
                )),
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// A map of strings. Keys stay out of messages too: a credentials map's keys may say more
    /// than they should.
    fn string_map(&mut self, hcl: &str) -> Result<Option<HashMap<String, String>>> {
        let map = match self.take(hcl)? {
            None => return Ok(None),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(self.wrong_type(self.path_of(hcl), "a map of strings", other));
            }
        };
        map.iter()
            .map(|(k, v)| match v.peel() {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Unknown => Err(ProfileConfigError::Unknown {
                    connector: self.connector,
                    path: format!("{} (a value)", self.path_of(hcl)),
                }),
                other => Err(self.wrong_type(
                    format!("{} (every value)", self.path_of(hcl)),
                    "a string",
                    other,
                )),
            })
            .collect::<Result<_>>()
            .map(Some)
    }

    /// A string field restricted to one of `allowed` (an enum of the model); the value itself is
    /// never echoed, since it may be a credential.
    fn enumeration(&mut self, hcl: &str, allowed: &[&str]) -> Result<Option<String>> {
        match self.string(hcl)? {
            Some(s) if !allowed.contains(&s.as_str()) => Err(ProfileConfigError::NotOneOf {
                connector: self.connector,
                path: self.path_of(hcl),
                allowed: allowed.join(", "),
            }),
            other => Ok(other),
        }
    }

    /// A nested block, as a reader of its own.
    fn block(&mut self, hcl: &str) -> Result<Option<Reader<'v>>> {
        let nested = match Field::find(self.fields, hcl).map(|f| &f.kind) {
            Some(Kind::Block(nested)) => *nested,
            _ => &[],
        };
        let path = self.path_of(hcl);
        match self.take(hcl)? {
            None => Ok(None),
            Some(value) => Reader::new(self.connector, path, nested, value).map(Some),
        }
    }

    /// Finishes this level: every field must have been read.
    fn done<T>(self, built: T) -> Result<T> {
        match self.unread.into_iter().next() {
            None => Ok(built),
            Some((field, _)) => Err(ProfileConfigError::UnsupportedField {
                connector: self.connector,
                path: self.path,
                field: field.to_string(),
            }),
        }
    }

    /// Finishes this level with the result of a builder that checks required fields, naming the
    /// missing field by its HCL name.
    fn done_built<T>(self, built: Result<T, BuildError>) -> Result<T> {
        match built {
            Ok(value) => self.done(value),
            Err(e) => {
                // BuildError says "<sdk_field> was missing: <details>"; it never holds a value.
                let sdk_message = e.to_string();
                let sdk_field = sdk_message
                    .split_once(" was missing")
                    .map_or("a field", |(field, _)| field);
                let field = self
                    .fields
                    .iter()
                    .find(|f| same_name(f.api, sdk_field))
                    .map_or(sdk_field, |f| f.hcl);
                Err(ProfileConfigError::MissingRequired {
                    connector: self.connector,
                    path: self.path,
                    field: field.to_string(),
                    sdk_message,
                })
            }
        }
    }
}

/// Whether an API name (`oAuth2GrantType`) and an SDK field name (`o_auth2_grant_type`) are the
/// same field.
fn same_name(api: &str, sdk: &str) -> bool {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    squash(api) == squash(sdk)
}

// ---------------------------------------------------------------------------------------------
// SDK -> values.

/// Builds one object of HCL-named fields from what AWS returned, leaving out what AWS left unset.
#[derive(Default)]
struct Writer {
    out: BTreeMap<String, Value>,
}

impl Writer {
    fn put(&mut self, hcl: &str, value: Option<Value>) {
        if let Some(value) = value {
            self.out.insert(hcl.to_string(), value);
        }
    }

    fn finish(self) -> Value {
        Value::Object(self.out)
    }
}

/// A value an SDK getter returned, as flowform's value, or `None` when AWS left it unset. The
/// SDK fills defaults for members it types as required or primitive (`""`, `false`, `0`), which
/// AWS's answer cannot be told apart from; none of them is a meaningful setting here (no API
/// integer may be 0, and `false` is every bool's default), so they read as unset.
trait Described {
    fn described(self) -> Option<Value>;
}

impl Described for &str {
    fn described(self) -> Option<Value> {
        (!self.is_empty()).then(|| Value::String(self.to_string()))
    }
}

impl Described for Option<&str> {
    fn described(self) -> Option<Value> {
        self.map(|s| Value::String(s.to_string()))
    }
}

impl Described for bool {
    fn described(self) -> Option<Value> {
        self.then_some(Value::Bool(true))
    }
}

impl Described for Option<bool> {
    fn described(self) -> Option<Value> {
        self.and_then(Described::described)
    }
}

impl Described for i32 {
    fn described(self) -> Option<Value> {
        (self != 0).then(|| Value::Number(Number::from(i64::from(self))))
    }
}

impl Described for Option<i32> {
    fn described(self) -> Option<Value> {
        self.and_then(Described::described)
    }
}

impl Described for &[String] {
    fn described(self) -> Option<Value> {
        Some(Value::List(
            self.iter().map(|s| Value::String(s.clone())).collect(),
        ))
    }
}

impl Described for Option<&HashMap<String, String>> {
    fn described(self) -> Option<Value> {
        self.map(|map| {
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            )
        })
    }
}

/// An SDK enum's value. For a required enum AWS left unset the SDK fills a placeholder.
struct EnumValue<T>(T);

const SDK_UNSET_ENUM: &str = "no value was set";

impl<E: AsRef<str>> Described for EnumValue<&E> {
    fn described(self) -> Option<Value> {
        let s = self.0.as_ref();
        (!s.is_empty() && s != SDK_UNSET_ENUM).then(|| Value::String(s.to_string()))
    }
}

impl<E: AsRef<str>> Described for EnumValue<Option<&E>> {
    fn described(self) -> Option<Value> {
        self.0.and_then(|e| EnumValue(e).described())
    }
}

/// A nested structure an SDK getter returned, whether the SDK types it as optional or not.
trait Present<'a, T> {
    fn present(self) -> Option<&'a T>;
}

impl<'a, T> Present<'a, T> for &'a T {
    fn present(self) -> Option<&'a T> {
        Some(self)
    }
}

impl<'a, T> Present<'a, T> for Option<&'a T> {
    fn present(self) -> Option<&'a T> {
        self
    }
}

#[cfg(test)]
mod tests {
    //! Completeness is proved against the catalogue, not against this module's own mapping: the
    //! samples below are generated by walking every connector's fields, each with a value unique
    //! to its connector and path, and compared with the JSON the SDK actually puts on the wire
    //! (which sees redacted fields too) and with what the SDK parses out of a canned response.

    use super::*;
    use aws_sdk_appflow::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_runtime_api::client::http::{
        HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
    };
    use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use serde_json::json;
    use std::sync::{Arc, Mutex};

    const SENTINEL: &str = "SENTINEL-SECRET";

    /// A leaf value unique to one connector and field path. Credential values carry the sentinel,
    /// so that any error message can be checked for leaks.
    fn unique(connector: &Connector, path: &str, sensitive: bool) -> String {
        let prefix = if sensitive { SENTINEL } else { "v" };
        format!("{prefix}-{}-{path}", connector.connector_type)
    }

    /// A value for every field of `fields`, as the parser shapes it (HCL names, credential leaves
    /// marked sensitive), and the JSON the API expects for it (API names).
    fn sample(
        connector: &Connector,
        fields: &'static [Field],
        prefix: &str,
    ) -> (Value, serde_json::Value) {
        let mut value = BTreeMap::new();
        let mut api = serde_json::Map::new();
        for f in fields {
            let path = format!("{prefix}.{}", f.hcl);
            let u = unique(connector, &path, f.sensitive());
            let (v, j) = match &f.kind {
                Kind::String(c) if !c.one_of.is_empty() => {
                    (Value::String(c.one_of[0].into()), json!(c.one_of[0]))
                }
                Kind::String(_) => (Value::String(u.clone()), json!(u)),
                Kind::Bool => (Value::Bool(true), json!(true)),
                Kind::Integer { .. } => (Value::Number(Number::from(443)), json!(443)),
                Kind::StringList { .. } => {
                    (Value::List(vec![Value::String(u.clone())]), json!([u]))
                }
                Kind::StringMap { .. } => (
                    Value::Object(BTreeMap::from([(
                        "k".to_string(),
                        Value::String(u.clone()),
                    )])),
                    json!({ "k": u }),
                ),
                Kind::Block(nested) => {
                    let (v, j) = sample(connector, nested, &path);
                    value.insert(f.hcl.to_string(), v);
                    api.insert(f.api.to_string(), j);
                    continue;
                }
            };
            let v = if f.sensitive() {
                Value::sensitive(v)
            } else {
                v
            };
            value.insert(f.hcl.to_string(), v);
            api.insert(f.api.to_string(), j);
        }
        (Value::Object(value), serde_json::Value::Object(api))
    }

    fn properties(c: &Connector) -> (Value, serde_json::Value) {
        sample(c, c.properties, "properties")
    }

    fn credentials(c: &Connector) -> (Value, serde_json::Value) {
        sample(c, c.credentials, "credentials")
    }

    /// Every leaf of `fields`: its path of HCL names and its field.
    fn leaves(
        fields: &'static [Field],
        prefix: &[&'static str],
    ) -> Vec<(Vec<&'static str>, &'static Field)> {
        let mut out = Vec::new();
        for f in fields {
            let mut path = prefix.to_vec();
            path.push(f.hcl);
            match &f.kind {
                Kind::Block(nested) => out.extend(leaves(nested, &path)),
                _ => out.push((path, f)),
            }
        }
        out
    }

    /// Applies `edit` to the entry at `path` (HCL names) of an object built by [`sample`].
    fn edit(
        value: &mut Value,
        path: &[&str],
        edit: impl FnOnce(&mut BTreeMap<String, Value>, &str),
    ) {
        let Value::Object(map) = value else {
            panic!("not an object at {path:?}");
        };
        match path {
            [last] => edit(map, last),
            [first, rest @ ..] => self::edit(map.get_mut(*first).expect("present"), rest, edit),
            [] => panic!("empty path"),
        }
    }

    fn assert_no_secret(e: &ProfileConfigError) {
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains(SENTINEL),
            "an error leaks a credential: {shown}"
        );
    }

    /// An in-memory HTTP connection: records request bodies, answers with a canned body.
    #[derive(Debug, Clone)]
    struct Canned {
        response: String,
        requests: Arc<Mutex<Vec<Vec<u8>>>>,
    }

    impl HttpConnector for Canned {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            let body = request.body().bytes().unwrap_or_default().to_vec();
            self.requests.lock().expect("not poisoned").push(body);
            let status = StatusCode::try_from(200u16).expect("valid status");
            let response = HttpResponse::new(status, SdkBody::from(self.response.clone()));
            HttpConnectorFuture::ready(Ok(response))
        }
    }

    fn client(canned: &Canned) -> aws_sdk_appflow::Client {
        let canned = canned.clone();
        let http = http_client_fn(move |_, _| SharedHttpConnector::new(canned.clone()));
        let config = aws_sdk_appflow::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("AKIDTEST", "test", None, None, "test"))
            .http_client(http)
            .build();
        aws_sdk_appflow::Client::from_conf(config)
    }

    #[tokio::test]
    async fn every_field_of_every_connector_reaches_the_wire_under_its_api_name() {
        let mut leaves_checked = 0;
        for c in catalogue::CONNECTORS {
            let (props, props_api) = properties(c);
            let (creds, creds_api) = credentials(c);
            let config = to_sdk(c.connector_type, &props, Some(&creds))
                .unwrap_or_else(|e| panic!("{}: {e}", c.connector_type));
            let canned = Canned {
                response: r#"{"connectorProfileArn":"arn:aws:appflow:us-east-1:123456789012:connectorprofile/p"}"#.into(),
                requests: Arc::default(),
            };
            client(&canned)
                .create_connector_profile()
                .connector_profile_name("p")
                .connector_type(connector_type(c.connector_type).expect("known"))
                .connection_mode(aws_sdk_appflow::types::ConnectionMode::Public)
                .connector_profile_config(config)
                .client_token("t")
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", c.connector_type));
            let requests = canned.requests.lock().expect("not poisoned");
            assert_eq!(requests.len(), 1);
            let body: serde_json::Value = serde_json::from_slice(&requests[0]).expect("JSON body");
            assert_eq!(body["connectorType"], json!(c.connector_type));
            assert_eq!(
                body["connectorProfileConfig"],
                json!({
                    "connectorProfileProperties": { c.member: props_api },
                    "connectorProfileCredentials": { c.member: creds_api },
                }),
                "{}",
                c.connector_type
            );
            leaves_checked += leaves(c.properties, &[]).len() + leaves(c.credentials, &[]).len();
        }
        assert_eq!(catalogue::CONNECTORS.len(), 19);
        assert_eq!(
            leaves_checked, 138,
            "catalogue leaves changed: update the report"
        );
    }

    #[tokio::test]
    async fn described_properties_of_every_connector_come_back_with_hcl_names() {
        for c in catalogue::CONNECTORS {
            let (props, props_api) = properties(c);
            let response = json!({
                "connectorProfileDetails": [{
                    "connectorProfileName": "p",
                    "connectorType": c.connector_type,
                    "connectionMode": "Public",
                    "connectorProfileProperties": { c.member: props_api },
                }]
            });
            let canned = Canned {
                response: response.to_string(),
                requests: Arc::default(),
            };
            let out = client(&canned)
                .describe_connector_profiles()
                .send()
                .await
                .unwrap_or_else(|e| panic!("{}: {e:?}", c.connector_type));
            let described = out.connector_profile_details()[0]
                .connector_profile_properties()
                .expect("properties");
            let value = properties_from_sdk(c.connector_type, described)
                .unwrap_or_else(|e| panic!("{}: {e}", c.connector_type));
            assert_eq!(value, props, "{}", c.connector_type);
        }
    }

    #[test]
    fn properties_of_every_connector_survive_a_round_trip() {
        for c in catalogue::CONNECTORS {
            let (props, _) = properties(c);
            let config = to_sdk(c.connector_type, &props, None).expect("maps");
            assert!(config.connector_profile_credentials().is_none());
            let sdk = config
                .connector_profile_properties()
                .expect("properties are always set");
            assert_eq!(
                generated::members_present(sdk),
                vec![c.member],
                "{}",
                c.connector_type
            );
            let back = properties_from_sdk(c.connector_type, sdk).expect("maps back");
            assert_eq!(back, props, "{}", c.connector_type);
        }
    }

    /// The parser marks leaves; a whole block marked sensitive (a credentials object from a
    /// variable) must map the same.
    #[test]
    fn sensitive_marks_on_blocks_are_looked_through() {
        for c in catalogue::CONNECTORS {
            let (props, _) = properties(c);
            let (creds, _) = credentials(c);
            let marked = Value::sensitive(creds.clone().unmark().0);
            let plain = to_sdk(c.connector_type, &props, Some(&creds)).expect("maps");
            let through = to_sdk(c.connector_type, &props, Some(&marked)).expect("maps");
            assert_eq!(plain, through, "{}", c.connector_type);
        }
    }

    #[test]
    fn connectors_without_properties_still_get_their_member() {
        for c in catalogue::CONNECTORS
            .iter()
            .filter(|c| c.properties.is_empty())
        {
            for empty in [Value::Null, Value::Object(BTreeMap::new())] {
                let config = to_sdk(c.connector_type, &empty, None).expect("maps");
                let sdk = config.connector_profile_properties().expect("set");
                assert_eq!(generated::members_present(sdk), vec![c.member]);
            }
        }
        let empties = catalogue::CONNECTORS
            .iter()
            .filter(|c| c.properties.is_empty())
            .count();
        assert_eq!(empties, 5);
    }

    #[test]
    fn false_bools_compare_equal_to_what_aws_gives_back() {
        let props = Value::Object(BTreeMap::from([
            (
                "instance_url".to_string(),
                Value::String("https://x".into()),
            ),
            ("is_sandbox_environment".to_string(), Value::Bool(false)),
        ]));
        let config = to_sdk("Salesforce", &props, None).expect("maps");
        let back = properties_from_sdk(
            "Salesforce",
            config.connector_profile_properties().expect("set"),
        )
        .expect("maps back");
        assert_ne!(back, props);
        assert_eq!(
            back,
            comparable_properties("Salesforce", &props).expect("known")
        );
    }

    #[test]
    fn an_unknown_value_anywhere_is_an_error_naming_its_path() {
        let mut checked = 0;
        for c in catalogue::CONNECTORS {
            for (section, fields) in [("properties", c.properties), ("credentials", c.credentials)]
            {
                for (path, _) in leaves(fields, &[]) {
                    let (mut props, _) = properties(c);
                    let (mut creds, _) = credentials(c);
                    let target = if section == "properties" {
                        &mut props
                    } else {
                        &mut creds
                    };
                    edit(target, &path, |map, last| {
                        map.insert(last.to_string(), Value::Unknown);
                    });
                    let e = to_sdk(c.connector_type, &props, Some(&creds)).expect_err("unknown");
                    let want = format!("{section}.{}", path.join("."));
                    assert!(
                        matches!(&e, ProfileConfigError::Unknown { path, .. } if *path == want),
                        "{}: {want}: {e:?}",
                        c.connector_type
                    );
                    assert!(e.to_string().contains(c.connector_type));
                    assert_no_secret(&e);
                    checked += 1;
                }
            }
            let e = to_sdk(c.connector_type, &Value::Unknown, None).expect_err("unknown");
            assert!(matches!(e, ProfileConfigError::Unknown { .. }));
        }
        assert_eq!(checked, 138);
    }

    #[test]
    fn a_missing_required_field_is_named_without_any_credential_value() {
        let mut checked = 0;
        for c in catalogue::CONNECTORS {
            for (section, fields) in [("properties", c.properties), ("credentials", c.credentials)]
            {
                for (path, field) in leaves(fields, &[]).into_iter().filter(|(_, f)| f.required) {
                    let (mut props, _) = properties(c);
                    let (mut creds, _) = credentials(c);
                    let target = if section == "properties" {
                        &mut props
                    } else {
                        &mut creds
                    };
                    edit(target, &path, |map, last| {
                        map.remove(last);
                    });
                    let full = format!("{section}.{}", path.join("."));
                    let e = to_sdk(c.connector_type, &props, Some(&creds))
                        .expect_err("missing required field");
                    let ProfileConfigError::MissingRequired {
                        field: named,
                        path: at,
                        ..
                    } = &e
                    else {
                        panic!("{}: {full}: {e:?}", c.connector_type);
                    };
                    assert_eq!(named, field.hcl, "{}: {full}", c.connector_type);
                    let parent = full.rsplit_once('.').expect("nested").0;
                    assert_eq!(at, parent);
                    let message = e.to_string();
                    assert!(
                        message.contains(field.hcl) && message.contains(c.connector_type),
                        "{message}"
                    );
                    assert_no_secret(&e);
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 53);
    }

    /// The field names in a Debug text: identifiers followed by `: ` after `{ ` or `, `.
    fn debug_field_names(debug: &str) -> Vec<String> {
        let mut names = Vec::new();
        for piece in debug.split(['{', ',']).skip(1) {
            if let Some((name, _)) = piece.trim_start().split_once(": ")
                && !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                names.push(name.to_string());
            }
        }
        names
    }

    /// The other direction of completeness: every field the SDK's structures have (read from
    /// their Debug text, which names redacted fields too) is a member the catalogue knows, so an
    /// SDK newer than the model extract is noticed: refresh the extract.
    #[test]
    fn every_sdk_field_is_in_the_catalogue() {
        let mut known: Vec<&str> =
            vec!["connectorProfileProperties", "connectorProfileCredentials"];
        for c in catalogue::CONNECTORS {
            known.push(c.member);
            known.extend(all_api_names(c.properties));
            known.extend(all_api_names(c.credentials));
        }
        let mut names_seen = 0;
        for c in catalogue::CONNECTORS {
            let (props, _) = properties(c);
            let (creds, _) = credentials(c);
            let config = to_sdk(c.connector_type, &props, Some(&creds)).expect("maps");
            let debug = format!("{config:?}");
            for name in debug_field_names(&debug) {
                assert!(
                    known.iter().any(|api| same_name(api, &name)),
                    "the SDK has a field {name} that the model extract lacks ({}): refresh it with scripts/extract-appflow-model",
                    c.connector_type
                );
                names_seen += 1;
            }
        }
        assert!(
            names_seen > 19 * 19,
            "the Debug text no longer names fields"
        );
    }

    fn all_api_names(fields: &'static [Field]) -> Vec<&'static str> {
        let mut out = Vec::new();
        for f in fields {
            out.push(f.api);
            if let Kind::Block(nested) = &f.kind {
                out.extend(all_api_names(nested));
            }
        }
        out
    }

    #[test]
    fn unknown_connector_types_are_refused() {
        for bad in ["Salesforcee", "salesforce", ""] {
            assert!(matches!(
                connector_type(bad),
                Err(ProfileConfigError::UnknownConnectorType { .. })
            ));
            assert!(to_sdk(bad, &Value::Null, None).is_err());
            let props = ConnectorProfileProperties::builder().build();
            assert!(properties_from_sdk(bad, &props).is_err());
        }
        let e = connector_type("S3").expect_err("no profile");
        assert!(matches!(
            e,
            ProfileConfigError::NoProfileConfiguration { .. }
        ));
        assert!(e.to_string().contains("S3"));
        for c in catalogue::CONNECTORS {
            assert_eq!(
                connector_type(c.connector_type).expect("known").as_str(),
                c.connector_type
            );
        }
    }

    #[test]
    fn wrong_types_and_stray_fields_are_refused_without_values() {
        let secret = |v: Value| Value::sensitive(v);
        let creds = Value::Object(BTreeMap::from([
            ("api_key".to_string(), secret(Value::Bool(true))),
            (
                "secret_key".to_string(),
                secret(Value::String(SENTINEL.into())),
            ),
        ]));
        let e = to_sdk("Amplitude", &Value::Null, Some(&creds)).expect_err("wrong type");
        assert!(
            matches!(e, ProfileConfigError::WrongType { ref path, .. } if path == "credentials.api_key")
        );
        assert_no_secret(&e);

        let creds = Value::Object(BTreeMap::from([
            (
                "api_key".to_string(),
                secret(Value::String(SENTINEL.into())),
            ),
            (
                "secret_key".to_string(),
                secret(Value::String(SENTINEL.into())),
            ),
            (
                "client_id".to_string(),
                secret(Value::String(SENTINEL.into())),
            ),
        ]));
        let e = to_sdk("Amplitude", &Value::Null, Some(&creds)).expect_err("stray field");
        assert!(
            matches!(e, ProfileConfigError::UnsupportedField { ref field, .. } if field == "client_id")
        );
        assert_no_secret(&e);

        let creds = Value::Object(BTreeMap::from([(
            "oauth2_grant_type".to_string(),
            secret(Value::String(SENTINEL.into())),
        )]));
        let e = to_sdk("Salesforce", &Value::Null, Some(&creds)).expect_err("not an enum value");
        assert!(matches!(e, ProfileConfigError::NotOneOf { .. }));
        assert_no_secret(&e);

        let (mut props, _) = properties(catalogue::connector("SAPOData").expect("known"));
        edit(&mut props, &["port_number"], |map, last| {
            map.insert(last.to_string(), Value::Number(Number::from(1_i64 << 40)));
        });
        let e = to_sdk("SAPOData", &props, None).expect_err("too large");
        assert!(matches!(e, ProfileConfigError::OutOfRange { .. }));
    }

    #[test]
    fn properties_of_another_connector_are_refused() {
        let sdk = ConnectorProfileProperties::builder()
            .amplitude(
                aws_sdk_appflow::types::AmplitudeConnectorProfileProperties::builder().build(),
            )
            .build();
        let e = properties_from_sdk("Salesforce", &sdk).expect_err("wrong member");
        assert!(matches!(e, ProfileConfigError::UnexpectedProperties { .. }));
        let empty = ConnectorProfileProperties::builder().build();
        assert_eq!(
            properties_from_sdk("Salesforce", &empty).expect("nothing set"),
            Value::Object(BTreeMap::new())
        );
    }
}
