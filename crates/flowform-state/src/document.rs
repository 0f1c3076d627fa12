//! The state document: what flowform remembers between runs, and its JSON form.
//!
//! The JSON is meant to be read in a pull request, so its order never depends on the order in
//! which things happened: fields come in declaration order, resources and outputs are sorted by
//! address and name, dependencies are a sorted set, and every object inside `attributes` is
//! written with its keys sorted (`serde_json`'s `preserve_order` would otherwise keep whatever
//! order the caller built them in).
//!
//! Addresses (`connector_profile.salesforce_prod`) are plain `String` keys here: the typed
//! `Address` belongs to `flowform-core`, and the state must be able to hold an address that a
//! newer or older configuration no longer parses.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use crate::digest::{Digest, DigestKey};
use crate::error::Refusal;

/// The `format_version` this crate writes, and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

/// Which state a file belongs to: made once, when the state is first created, and kept for its
/// whole life so that a state is never replaced by an unrelated one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Lineage(uuid::Uuid);

impl Lineage {
    /// A new random (v4) lineage.
    pub fn generate() -> Self {
        Lineage(uuid::Uuid::new_v4())
    }

    pub fn from_uuid(uuid: uuid::Uuid) -> Self {
        Lineage(uuid)
    }

    pub fn as_uuid(&self) -> uuid::Uuid {
        self.0
    }
}

impl fmt::Display for Lineage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Grows by one each time a write changes the state's content; saved plans pin it.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Serial(pub u64);

impl Serial {
    pub fn next(self) -> Serial {
        Serial(self.0.saturating_add(1))
    }
}

impl fmt::Display for Serial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// A whole state.
///
/// `serial` is decided by the backend when it writes (see `LocalBackend::persist`); callers
/// change `resources` and `outputs` and leave the rest alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub format_version: u32,
    pub lineage: Lineage,
    pub serial: Serial,
    /// The version of flowform that wrote this file.
    pub flowform_version: String,
    /// The key of the sensitive values' digests. **Never written into the document** (SPEC §4:
    /// whoever reads the state alone must not be able to test a guess of a secret); the
    /// backend keeps it apart (`PATH.key`, or `KEY.key` wrapped by KMS) and puts it here when
    /// it loads the state. A state read without its key gets a fresh one, so its sensitive
    /// values no longer match their digests and are planned as re-sent.
    #[serde(skip, default = "DigestKey::generate")]
    pub digest_key: DigestKey,
    /// The key as states written before it moved out kept it: read (and moved out by the next
    /// write), never written.
    #[serde(rename = "digest_key", default, skip_serializing)]
    pub(crate) legacy_digest_key: Option<DigestKey>,
    #[serde(deserialize_with = "compact::map")]
    pub resources: BTreeMap<String, ResourceState>,
    pub outputs: BTreeMap<String, OutputState>,
    /// Creates that were sent to AWS but whose outcome was never recorded (the process died
    /// between asking AWS and writing down the answer), by address. Each keeps the proof a
    /// resumed apply needs before it may take an object as its own: the idempotency token the
    /// create carried. Cleared when the address is recorded or removed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, PendingCreate>,
}

/// A create that was started and not yet recorded; see [`State::pending`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PendingCreate {
    /// The idempotency token the create was sent with (`clientToken`,
    /// `ClientRequestToken`). Repeating the create with it is how a resumed apply learns
    /// whether the object that now exists is the one it asked for.
    pub token: String,
    /// When the create was sent (RFC 3339, UTC): AppFlow honours a token for 8 hours.
    pub started: String,
}

impl PendingCreate {
    /// A create sent now with `token`.
    pub fn now(token: impl Into<String>) -> Self {
        PendingCreate {
            token: token.into(),
            started: crate::lock::rfc3339_utc(std::time::SystemTime::now()),
        }
    }
}

impl State {
    /// An empty state with a new lineage and digest key, serial 0 (the first write makes it 1).
    pub fn new(flowform_version: impl Into<String>) -> Self {
        State::with_identity(Lineage::generate(), DigestKey::generate(), flowform_version)
    }

    /// An empty state with a given identity: for tests, and for migrating a state.
    pub fn with_identity(
        lineage: Lineage,
        digest_key: DigestKey,
        flowform_version: impl Into<String>,
    ) -> Self {
        State {
            format_version: FORMAT_VERSION,
            lineage,
            serial: Serial(0),
            flowform_version: flowform_version.into(),
            digest_key,
            legacy_digest_key: None,
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }

    /// The digest of a sensitive value under this state's key; what goes into
    /// [`ResourceState::sensitive`].
    pub fn digest(&self, value: &[u8]) -> Digest {
        self.digest_key.digest(value)
    }

    /// Whether the two states would record the same things. The serial and the writer's
    /// version are bookkeeping, not content: rewriting an unchanged state must not bump the
    /// serial, or every saved plan would go stale for nothing.
    pub fn same_content(&self, other: &State) -> bool {
        self.format_version == other.format_version
            && self.lineage == other.lineage
            && self.digest_key == other.digest_key
            && self.resources == other.resources
            && self.outputs == other.outputs
            && self.pending == other.pending
    }

    /// The file's bytes: pretty JSON with a final newline.
    pub fn to_json(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(256 + self.resources.len() * 512);
        // Serializing owned, well-formed data into a Vec cannot fail: no I/O, and every map
        // key is a string.
        if let Err(error) = serde_json::to_writer_pretty(&mut bytes, self) {
            unreachable!("a State always serializes: {error}");
        }
        bytes.push(b'\n');
        bytes
    }

    /// Reads a state file's bytes, telling apart everything that is not a state flowform may
    /// use. `path` is only used in the messages.
    pub fn from_json(path: &Path, bytes: &[u8]) -> Result<State, Refusal> {
        let path_buf = path.to_path_buf();
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Refusal::Empty { path: path_buf });
        }
        // The common case first: one typed parse. `deny_unknown_fields` keeps a Terraform
        // state or any other document from slipping through it.
        if let Ok(state) = serde_json::from_slice::<State>(bytes)
            && state.format_version == FORMAT_VERSION
        {
            return Ok(state.with_legacy_key());
        }
        // Then as a generic value, so that a foreign or newer document is recognised before
        // its fields are held against our schema.
        let value: Value = serde_json::from_slice(bytes).map_err(|error| Refusal::Corrupt {
            path: path_buf.clone(),
            detail: strip_location(&error),
            line: error.line(),
            column: error.column(),
        })?;
        let Value::Object(object) = &value else {
            return Err(Refusal::NotAState {
                path: path_buf,
                reason: format!("the top level is {}, not an object", json_kind(&value)),
            });
        };
        if let Some(version) = object.get("terraform_version") {
            return Err(Refusal::TerraformState {
                path: path_buf,
                terraform_version: version.as_str().unwrap_or("unknown").to_owned(),
            });
        }
        let missing: Vec<&str> = ["format_version", "lineage"]
            .into_iter()
            .filter(|key| !object.contains_key(*key))
            .collect();
        if !missing.is_empty() {
            return Err(Refusal::NotAState {
                path: path_buf,
                reason: format!("it has no `{}`", missing.join("` or `")),
            });
        }
        if let Some(found) = object.get("format_version").and_then(Value::as_u64)
            && found > u64::from(FORMAT_VERSION)
        {
            return Err(Refusal::TooNew {
                path: path_buf,
                found,
                supported: FORMAT_VERSION,
                writer: object
                    .get("flowform_version")
                    .and_then(Value::as_str)
                    .unwrap_or("(unknown)")
                    .to_owned(),
                ours: env!("CARGO_PKG_VERSION").to_owned(),
            });
        }
        // Parse the bytes again rather than the value, so a schema error has a line and column.
        let state = serde_json::from_slice::<State>(bytes).map_err(|error| Refusal::Invalid {
            path: path_buf.clone(),
            format_version: FORMAT_VERSION,
            detail: strip_location(&error),
            line: error.line(),
            column: error.column(),
        })?;
        if state.format_version != FORMAT_VERSION {
            // Older than the first format: no flowform wrote it.
            return Err(Refusal::NotAState {
                path: path_buf,
                reason: format!(
                    "its format_version {} was never written by flowform",
                    state.format_version
                ),
            });
        }
        Ok(state.with_legacy_key())
    }

    /// A state read with its key inside (written before the key moved out) uses that key.
    fn with_legacy_key(mut self) -> State {
        if let Some(key) = &self.legacy_digest_key {
            self.digest_key = key.clone();
        }
        self
    }

    /// Whether the document this state was read from held the digest key (to be moved out).
    pub fn had_key_inside(&self) -> bool {
        self.legacy_digest_key.is_some()
    }
}

/// serde_json appends " at line L column C" to its messages; we report those separately.
fn strip_location(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(index) => text[..index].to_owned(),
        None => text,
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One managed resource.
///
/// `attributes` holds only non-sensitive values; a sensitive attribute is recorded by its
/// digest in `sensitive`, keyed by its dotted path (`credentials.jwt_token`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceState {
    #[serde(rename = "type")]
    pub resource_type: String,
    /// The resource's id in AWS (an ARN or a name).
    pub id: String,
    #[serde(serialize_with = "sorted_object", deserialize_with = "compact::object")]
    pub attributes: Map<String, Value>,
    /// Addresses this resource depended on when it was last applied, so that it can be
    /// destroyed in the right order after it has left the configuration.
    #[serde(default)]
    pub dependencies: BTreeSet<String>,
    #[serde(default)]
    pub sensitive: BTreeMap<String, Digest>,
    /// The provider alias it was made with (`aws.eu` → `eu`); absent: the default provider.
    /// Kept so that it is destroyed in its own region or account after it has left the
    /// configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

impl ResourceState {
    pub fn new(resource_type: impl Into<String>, id: impl Into<String>) -> Self {
        ResourceState {
            resource_type: resource_type.into(),
            id: id.into(),
            attributes: Map::new(),
            dependencies: BTreeSet::new(),
            sensitive: BTreeMap::new(),
            provider: None,
        }
    }

    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }

    pub fn depends_on(mut self, address: impl Into<String>) -> Self {
        self.dependencies.insert(address.into());
        self
    }

    pub fn sensitive(mut self, path: impl Into<String>, digest: Digest) -> Self {
        self.sensitive.insert(path.into(), digest);
        self
    }
}

/// An output value. A sensitive output is recorded as sensitive with a `null` value: the
/// fields are private so that no other combination can be built.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputState {
    value: Value,
    sensitive: bool,
}

impl OutputState {
    pub fn new(value: Value) -> Self {
        OutputState {
            value,
            sensitive: false,
        }
    }

    /// A sensitive output: its value is never written.
    pub fn sensitive() -> Self {
        OutputState {
            value: Value::Null,
            sensitive: true,
        }
    }

    /// The value; `None` when the output is sensitive.
    pub fn value(&self) -> Option<&Value> {
        (!self.sensitive).then_some(&self.value)
    }

    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }
}

impl<'de> Deserialize<'de> for OutputState {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            value: Value,
            #[serde(default)]
            sensitive: bool,
        }
        let raw = Raw::deserialize(deserializer)?;
        if raw.sensitive && !raw.value.is_null() {
            return Err(serde::de::Error::custom(
                "a sensitive output has a value; flowform never writes sensitive values",
            ));
        }
        Ok(OutputState {
            value: raw.value,
            sensitive: raw.sensitive,
        })
    }
}

/// Reading a large state into as little memory as it needs: a state of thousands of resources
/// is most of what a plan holds. Every map is built at its final size (a one-entry JSON object
/// read into serde_json's `Map` entry by entry keeps room for three), and the resources' map is
/// built from its sorted entries at once, which fills its nodes, where inserting one by one
/// leaves them about half empty. What is read is the same as a plain `Deserialize` would read,
/// including the last of two equal keys winning.
mod compact {
    use serde::Deserializer;
    use serde::de::{Deserialize, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Number, Value};
    use std::collections::BTreeMap;
    use std::fmt;

    /// A map with string keys, built from its entries at once.
    pub fn map<'de, D, T>(deserializer: D) -> Result<BTreeMap<String, T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        struct Entries<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Entries<T> {
            type Value = BTreeMap<String, T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, T>()? {
                    entries.push(entry);
                }
                // Sorts (stably: of two equal keys the later is kept), then fills the nodes.
                Ok(entries.into_iter().collect())
            }
        }
        deserializer.deserialize_map(Entries(std::marker::PhantomData))
    }

    /// A JSON object whose maps and arrays, at any depth, are built at their final size.
    pub fn object<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Map<String, Value>, D::Error> {
        /// Only an object, refused as `Map`'s own `Deserialize` refuses anything else.
        struct Object;
        impl<'de> Visitor<'de> for Object {
            type Value = Map<String, Value>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                entries(map)
            }
        }
        deserializer.deserialize_map(Object)
    }

    /// A JSON object's entries, in a map of their number.
    fn entries<'de, A: MapAccess<'de>>(mut map: A) -> Result<Map<String, Value>, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            entries.push((key, map.next_value_seed(Compact)?));
        }
        let mut object = Map::with_capacity(entries.len());
        object.extend(entries);
        Ok(object)
    }

    /// Reads one JSON value.
    #[derive(Clone, Copy)]
    struct Compact;

    impl<'de> DeserializeSeed<'de> for Compact {
        type Value = Value;
        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Compact {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::Number(v.into()))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::Number(v.into()))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element_seed(self)? {
                items.push(item);
            }
            items.shrink_to_fit();
            Ok(Value::Array(items))
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
            entries(map).map(Value::Object)
        }
    }
}

fn sorted_object<S: Serializer>(
    map: &Map<String, Value>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(sorted_entries(map))
}

fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, Sorted<'_>)> {
    let mut entries: Vec<_> = map
        .iter()
        .map(|(key, value)| (key, Sorted(value)))
        .collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// A JSON value written with every object's keys sorted, at any depth.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Object(map) => serializer.collect_map(sorted_entries(map)),
            Value::Array(items) => serializer.collect_seq(items.iter().map(Sorted)),
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fixed_state() -> State {
        let lineage = Lineage::from_uuid(uuid::Uuid::from_u128(
            0x1234_5678_9abc_4def_8123_4567_89ab_cdef,
        ));
        let mut state = State::with_identity(lineage, DigestKey::from_bytes([42; 32]), "0.1.0");
        let jwt = state.digest(b"jwt");
        state.resources.insert(
            "connector_profile.salesforce_prod".into(),
            ResourceState::new("connector_profile", "salesforce-prod")
                .attribute("name", "salesforce-prod")
                .attribute("properties", json!({"is_sandbox_environment": false, "instance_url": "https://example.my.salesforce.com"}))
                .depends_on("secret.salesforce_app")
                .sensitive("credentials.jwt_token", jwt),
        );
        state.resources.insert(
            "secret.salesforce_app".into(),
            ResourceState::new(
                "secret",
                "arn:aws:secretsmanager:us-east-1:123456789012:secret:app",
            )
            .attribute("name", "appflow/salesforce/connected-app"),
        );
        state.outputs.insert(
            "profile_arn".into(),
            OutputState::new(json!("arn:aws:appflow:x")),
        );
        state
            .outputs
            .insert("client_secret".into(), OutputState::sensitive());
        state
    }

    #[test]
    fn round_trip() {
        let state = fixed_state();
        let mut back = State::from_json(Path::new("s.json"), &state.to_json()).expect("parses");
        assert!(
            !String::from_utf8_lossy(&state.to_json()).contains("digest_key"),
            "the digest key never goes into the document"
        );
        // The key comes from beside the state (keyfile.rs), not from the document.
        back.digest_key = state.digest_key.clone();
        assert_eq!(back, state);
    }

    #[test]
    fn attribute_key_order_does_not_matter() {
        let a = ResourceState::new("secret", "x")
            .attribute("b", 1)
            .attribute("a", json!({"z": 1, "y": 2}));
        let b = ResourceState::new("secret", "x")
            .attribute("a", json!({"y": 2, "z": 1}))
            .attribute("b", 1);
        assert_eq!(a, b);
        assert_eq!(
            serde_json::to_string(&a).ok(),
            serde_json::to_string(&b).ok()
        );
    }

    #[test]
    fn pretty_output_is_stable() {
        insta::assert_snapshot!(String::from_utf8_lossy(&fixed_state().to_json()));
    }

    /// The compact reading (`compact`) reads what serde_json's own would: every JSON kind, at
    /// any depth, and the last of two equal keys.
    #[test]
    fn attributes_read_as_serde_json_reads_them() {
        let attributes = r#"{"b": [1, -2, 3.5, true, null, "x", [], {}], "a": {"k": {"z": 1, "y": [{"q": 0}]}, "k2": "v"}, "d": 1, "d": 2, "e": 18446744073709551615}"#;
        let text = format!(
            r#"{{"format_version": 1, "lineage": "12345678-9abc-4def-8123-456789abcdef", "serial": 1, "flowform_version": "0.1.0",
               "resources": {{"secret.b": {{"type": "secret", "id": "b", "attributes": {attributes}}},
                              "secret.a": {{"type": "secret", "id": "a", "attributes": {{}}}},
                              "secret.b": {{"type": "secret", "id": "b2", "attributes": {{}}}}}},
               "outputs": {{}}}}"#
        );
        let state = State::from_json(Path::new("s.json"), text.as_bytes()).expect("parses");
        let keys: Vec<&String> = state.resources.keys().collect();
        assert_eq!(keys, ["secret.a", "secret.b"]);
        assert_eq!(
            state.resources["secret.b"].id, "b2",
            "the last of two equal keys"
        );
        let with_attributes = text.replace(
            r#""id": "b2", "attributes": {}"#,
            &format!(r#""id": "b2", "attributes": {attributes}"#),
        );
        let state =
            State::from_json(Path::new("s.json"), with_attributes.as_bytes()).expect("parses");
        let expected: Value = serde_json::from_str(attributes).expect("json");
        assert_eq!(
            Value::Object(state.resources["secret.b"].attributes.clone()),
            expected
        );
    }

    #[test]
    fn attributes_that_are_no_object_are_refused_as_before() {
        for attributes in ["null", "[]", "1"] {
            let text = format!(
                r#"{{"format_version": 1, "lineage": "12345678-9abc-4def-8123-456789abcdef", "serial": 1, "flowform_version": "0.1.0",
                   "resources": {{"secret.a": {{"type": "secret", "id": "a", "attributes": {attributes}}}}}, "outputs": {{}}}}"#
            );
            match State::from_json(Path::new("s.json"), text.as_bytes()) {
                Err(Refusal::Invalid { detail, .. }) => {
                    assert!(detail.contains("expected a map"), "{detail}")
                }
                other => panic!("{attributes}: {other:?}"),
            }
        }
    }

    #[test]
    fn sensitive_output_with_a_value_is_refused() {
        let text = r#"{"value": "s3cr3t", "sensitive": true}"#;
        assert!(serde_json::from_str::<OutputState>(text).is_err());
    }
}
