//! Resource addresses: `secret.salesforce_app`, `connector_profile.salesforce_prod`, and the
//! instances of a resource with `count` or `for_each`: `secret.app[0]`,
//! `connector_profile.sf["prod"]`, written and read as Terraform writes them.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// The kinds of resource flowform manages.
///
/// The declaration order is the order creates and updates run in (and the reverse is the order
/// of deletes): a KMS key must exist before a secret can be encrypted with it, the secret before
/// the key policy that names it, and both before the connector profile that AppFlow validates
/// against them. `Ord` follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceKind {
    KmsKey,
    Secret,
    KmsKeyPolicy,
    ConnectorProfile,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 4] = [
        ResourceKind::KmsKey,
        ResourceKind::Secret,
        ResourceKind::KmsKeyPolicy,
        ResourceKind::ConnectorProfile,
    ];

    /// The block type that declares it, which is also the first part of its address.
    pub fn keyword(self) -> &'static str {
        match self {
            ResourceKind::KmsKey => "kms_key",
            ResourceKind::Secret => "secret",
            ResourceKind::KmsKeyPolicy => "kms_key_policy",
            ResourceKind::ConnectorProfile => "connector_profile",
        }
    }

    pub fn from_keyword(keyword: &str) -> Option<ResourceKind> {
        Self::ALL.into_iter().find(|k| k.keyword() == keyword)
    }

    /// The attributes known only once the resource exists.
    pub fn computed_attributes(self) -> &'static [&'static str] {
        match self {
            ResourceKind::KmsKey => &["arn", "key_id"],
            ResourceKind::Secret => &["arn", "version_id"],
            ResourceKind::KmsKeyPolicy => &["key_arn"],
            ResourceKind::ConnectorProfile => &["arn", "credentials_arn"],
        }
    }

    /// The keyword's plural, for labels that count resources of a kind (`kms_key_policies`).
    pub fn plural(self) -> &'static str {
        match self {
            ResourceKind::KmsKey => "kms_keys",
            ResourceKind::Secret => "secrets",
            ResourceKind::KmsKeyPolicy => "kms_key_policies",
            ResourceKind::ConnectorProfile => "connector_profiles",
        }
    }

    /// Every attribute another resource may reference (`secret.x.arn`).
    pub fn exported_attributes(self) -> &'static [&'static str] {
        match self {
            ResourceKind::KmsKey => &["arn", "key_id"],
            ResourceKind::Secret => &["arn", "name", "version_id"],
            ResourceKind::KmsKeyPolicy => &["key_arn"],
            ResourceKind::ConnectorProfile => &["arn", "name", "credentials_arn"],
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// Which instance of a resource with `count` (`[0]`) or `for_each` (`["prod"]`).
///
/// `Ord` puts every number before every string and numbers in numeric order, so `[2]` comes
/// before `[10]`, as Terraform lists them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InstanceKey {
    Int(u64),
    Str(String),
}

impl fmt::Display for InstanceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstanceKey::Int(i) => write!(f, "[{i}]"),
            InstanceKey::Str(s) => {
                f.write_str("[\"")?;
                for c in s.chars() {
                    match c {
                        '"' => f.write_str("\\\"")?,
                        '\\' => f.write_str("\\\\")?,
                        '\n' => f.write_str("\\n")?,
                        '\r' => f.write_str("\\r")?,
                        '\t' => f.write_str("\\t")?,
                        c => write!(f, "{c}")?,
                    }
                }
                f.write_str("\"]")
            }
        }
    }
}

/// One step of a module path: the `module "NAME"` call and, for a call with `count` or
/// `for_each`, the instance (`module.conn["prod"]`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModuleStep {
    pub name: String,
    pub key: Option<InstanceKey>,
}

impl fmt::Display for ModuleStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "module.{}", self.name)?;
        if let Some(key) = &self.key {
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

/// Where a resource sits in the module tree: empty for the root module, else the calls that
/// lead to it (`module.conn["prod"].module.inner`). It reads as a slice of [`ModuleStep`]s.
///
/// Every address carries one, and the planner compares and copies addresses in every map it
/// keeps, so a path is shared, not copied (a clone is a reference count; the root module's is
/// no allocation at all), and it compares as one byte string: an order-preserving encoding of
/// its steps, made once, gives the same order as comparing the steps one by one, and equal
/// paths that share their allocation compare without reading it.
#[derive(Clone, Default)]
pub struct ModulePath(Option<Arc<PathInner>>);

struct PathInner {
    steps: Vec<ModuleStep>,
    /// Each step as `name 0x00 0x01`, then `0x01` (no key), `0x02` + 8 big-endian bytes (a
    /// number) or `0x03` + escaped string: a NUL in a name or key is written `0x00 0xFF`, so
    /// no encoded step is a prefix of another and byte order is step order.
    order: Vec<u8>,
}

impl ModulePath {
    /// The root module's path.
    pub const fn root() -> Self {
        ModulePath(None)
    }

    /// This path with `step` appended: the module instance `step` calls from here.
    pub fn child(&self, step: ModuleStep) -> Self {
        let mut steps = self.to_vec();
        steps.push(step);
        ModulePath::from(steps)
    }

    /// The path of the module that calls this one (the root's parent is the root).
    pub fn parent(&self) -> Self {
        match self.split_last() {
            Some((_, rest)) => ModulePath::from(rest),
            None => ModulePath::root(),
        }
    }
}

fn encode_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    for &b in bytes {
        if b == 0 {
            out.extend_from_slice(&[0, 0xFF]);
        } else {
            out.push(b);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

impl From<Vec<ModuleStep>> for ModulePath {
    fn from(steps: Vec<ModuleStep>) -> Self {
        if steps.is_empty() {
            return ModulePath::root();
        }
        let mut order = Vec::new();
        for step in &steps {
            encode_escaped(&mut order, step.name.as_bytes());
            match &step.key {
                None => order.push(1),
                Some(InstanceKey::Int(n)) => {
                    order.push(2);
                    order.extend_from_slice(&n.to_be_bytes());
                }
                Some(InstanceKey::Str(s)) => {
                    order.push(3);
                    encode_escaped(&mut order, s.as_bytes());
                }
            }
        }
        ModulePath(Some(Arc::new(PathInner { steps, order })))
    }
}

impl From<&[ModuleStep]> for ModulePath {
    fn from(steps: &[ModuleStep]) -> Self {
        ModulePath::from(steps.to_vec())
    }
}

impl FromIterator<ModuleStep> for ModulePath {
    fn from_iter<I: IntoIterator<Item = ModuleStep>>(iter: I) -> Self {
        ModulePath::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl std::ops::Deref for ModulePath {
    type Target = [ModuleStep];

    fn deref(&self) -> &[ModuleStep] {
        self.0.as_deref().map_or(&[], |inner| &inner.steps)
    }
}

impl<'a> IntoIterator for &'a ModulePath {
    type Item = &'a ModuleStep;
    type IntoIter = std::slice::Iter<'a, ModuleStep>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl PartialEq for ModulePath {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.order == b.order,
            (a, b) => a.is_none() && b.is_none(),
        }
    }
}

impl Eq for ModulePath {}

impl PartialOrd for ModulePath {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ModulePath {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        // The root module's path (the most common) is settled without a call to memcmp.
        match (&self.0, &other.0) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(a), Some(b)) if Arc::ptr_eq(a, b) => Ordering::Equal,
            (Some(a), Some(b)) => a.order.cmp(&b.order),
        }
    }
}

impl std::hash::Hash for ModulePath {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.as_ref().map(|inner| &inner.order).hash(state);
    }
}

impl fmt::Debug for ModulePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// `module.a["x"].module.b`, or the empty string for the root module.
pub fn module_path_string(path: &[ModuleStep]) -> String {
    path.iter()
        .map(ModuleStep::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// The address of one resource instance: the module it is in (empty in the root module), its
/// kind, the label the configuration gives it, and (for a resource with `count` or `for_each`)
/// its instance key. Without a key it is either a resource without `count`/`for_each`, or (in
/// `--target`) every instance of a resource.
///
/// `Ord` puts the root module's resources first, then each module's, as Terraform lists them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub module: ModulePath,
    pub kind: ResourceKind,
    pub label: String,
    pub key: Option<InstanceKey>,
}

impl Address {
    pub fn new(kind: ResourceKind, label: impl Into<String>) -> Self {
        Address {
            module: ModulePath::root(),
            kind,
            label: label.into(),
            key: None,
        }
    }

    /// This resource's instance `key`.
    pub fn instance(&self, key: Option<InstanceKey>) -> Self {
        Address {
            module: self.module.clone(),
            kind: self.kind,
            label: self.label.clone(),
            key,
        }
    }

    /// The same resource in the module instance at `path`.
    pub fn in_module(mut self, path: &ModulePath) -> Self {
        self.module = path.clone();
        self
    }

    /// The address as written inside its module (`secret.app[0]`), without the module path.
    pub fn local(&self) -> String {
        let mut out = format!("{}.{}", self.kind.keyword(), self.label);
        if let Some(key) = &self.key {
            out.push_str(&key.to_string());
        }
        out
    }

    /// The resource this instance belongs to (the address without its key).
    pub fn resource(&self) -> Self {
        self.instance(None)
    }

    /// Whether this address, used as a `--target`, selects `other`: the same instance, or
    /// (without a key) any instance of the same resource.
    ///
    /// A module step without a key selects every instance of that module call.
    pub fn selects(&self, other: &Address) -> bool {
        self.kind == other.kind
            && self.label == other.label
            && (self.key.is_none() || self.key == other.key)
            && self.module.len() == other.module.len()
            && self
                .module
                .iter()
                .zip(&other.module)
                .all(|(a, b)| a.name == b.name && (a.key.is_none() || a.key == b.key))
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.module {
            write!(f, "{step}.")?;
        }
        write!(f, "{}.{}", self.kind.keyword(), self.label)?;
        if let Some(key) = &self.key {
            write!(f, "{key}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error(
        "\"{0}\" is not a resource address: expected KIND.LABEL, such as secret.salesforce_app, optionally with an instance key, such as secret.app[0] or connector_profile.sf[\"prod\"]"
    )]
    Malformed(String),
    #[error(
        "\"{0}\" is not a resource kind: expected one of kms_key, secret, kms_key_policy, connector_profile"
    )]
    UnknownKind(String),
    #[error(
        "\"{0}\" names a whole module, which flowform does not take here yet: name a resource in it, such as {0}.secret.NAME"
    )]
    WholeModule(String),
}

/// The module steps at the start of `text`, and what follows them (`None`: `text` is a whole
/// module, `module.conn["prod"]`).
fn split_module(text: &str) -> Result<(Vec<ModuleStep>, Option<&str>), AddressError> {
    let malformed = || AddressError::Malformed(text.to_string());
    let mut module = Vec::new();
    let mut s = text;
    while let Some(rest) = s.strip_prefix("module.") {
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        if name.is_empty() {
            return Err(malformed());
        }
        let mut rest = &rest[name_end..];
        let mut key = None;
        if rest.starts_with('[') {
            let end = key_end(rest).ok_or_else(malformed)?;
            key = Some(parse_key(&rest[..end]).ok_or_else(malformed)?);
            rest = &rest[end..];
        }
        module.push(ModuleStep {
            name: name.to_string(),
            key,
        });
        if rest.is_empty() {
            return Ok((module, None));
        }
        s = rest.strip_prefix('.').ok_or_else(malformed)?;
    }
    Ok((module, Some(s)))
}

/// What `--target` names: a resource (every instance of it without a key, one instance with
/// one), or a module call or instance with every resource in it (`module.conn`,
/// `module.conn["prod"]`, as Terraform takes them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Resource(Address),
    /// Never the root module's (empty) path.
    Module(ModulePath),
}

impl Target {
    /// Whether this target selects `address`: see [`Address::selects`]; a module step without
    /// a key selects every instance of that call.
    pub fn selects(&self, address: &Address) -> bool {
        match self {
            Target::Resource(t) => t.selects(address),
            Target::Module(path) => {
                address.module.len() >= path.len()
                    && path
                        .iter()
                        .zip(address.module.iter())
                        .all(|(t, a)| t.name == a.name && (t.key.is_none() || t.key == a.key))
            }
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Resource(a) => write!(f, "{a}"),
            Target::Module(path) => f.write_str(&module_path_string(path)),
        }
    }
}

impl FromStr for Target {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match split_module(text)? {
            (module, None) => Ok(Target::Module(module.into())),
            _ => text.parse().map(Target::Resource),
        }
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let malformed = || AddressError::Malformed(text.to_string());
        let (module, s) = match split_module(text)? {
            (_, None) => return Err(AddressError::WholeModule(text.to_string())),
            (module, Some(s)) => (module, s),
        };
        let (kind, rest) = s.split_once('.').ok_or_else(malformed)?;
        let kind = ResourceKind::from_keyword(kind)
            .ok_or_else(|| AddressError::UnknownKind(kind.into()))?;
        let (label, key) = match rest.find('[') {
            Some(i) => (
                &rest[..i],
                Some(parse_key(&rest[i..]).ok_or_else(malformed)?),
            ),
            None => (rest, None),
        };
        let valid_label = !label.is_empty()
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid_label {
            return Err(malformed());
        }
        Ok(Address::new(kind, label)
            .instance(key)
            .in_module(&ModulePath::from(module)))
    }
}

/// Where the bracketed key at the start of `text` ends (one past its `]`).
fn key_end(text: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            ']' if !in_string => return Some(i + 1),
            _ => {}
        }
    }
    None
}

/// `[0]` or `["prod"]` (the whole rest of an address).
fn parse_key(text: &str) -> Option<InstanceKey> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    if let Some(quoted) = inner.strip_prefix('"') {
        let body = quoted.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = body.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.push(match chars.next()? {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    c @ ('"' | '\\') => c,
                    _ => return None,
                }),
                '"' => return None,
                c => out.push(c),
            }
        }
        return Some(InstanceKey::Str(out));
    }
    if inner.is_empty() || !inner.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    inner.parse().ok().map(InstanceKey::Int)
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let a: Address = "connector_profile.salesforce_prod".parse().unwrap();
        assert_eq!(a.kind, ResourceKind::ConnectorProfile);
        assert_eq!(a.to_string(), "connector_profile.salesforce_prod");
        assert!(matches!(
            "bucket.x".parse::<Address>(),
            Err(AddressError::UnknownKind(_))
        ));
        assert!("secret".parse::<Address>().is_err());
        assert!("secret.".parse::<Address>().is_err());
        assert!("secret.a.b".parse::<Address>().is_err());
    }

    #[test]
    fn instance_keys_parse_and_print_as_terraform_writes_them() {
        for text in [
            "secret.app[0]",
            "secret.app[12]",
            "connector_profile.sf[\"prod\"]",
            "connector_profile.sf[\"a \\\"b\\\" c\"]",
            "connector_profile.sf[\"\"]",
        ] {
            let a: Address = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        let a: Address = "connector_profile.sf[\"prod\"]".parse().unwrap();
        assert_eq!(a.key, Some(InstanceKey::Str("prod".into())));
        assert_eq!(a.resource().to_string(), "connector_profile.sf");
        for bad in [
            "secret.app[",
            "secret.app[]",
            "secret.app[-1]",
            "secret.app[x]",
            "secret.app[0]x",
            "secret.app[\"a\"\"]",
            "secret.[0]",
        ] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
        let target: Address = "secret.app".parse().unwrap();
        assert!(target.selects(&"secret.app[3]".parse().unwrap()));
        assert!(!target.selects(&"secret.other[3]".parse().unwrap()));
        let two: Address = "secret.app[2]".parse().unwrap();
        let ten: Address = "secret.app[10]".parse().unwrap();
        assert!(two < ten);
    }

    #[test]
    fn module_addresses_parse_and_print_as_terraform_writes_them() {
        for text in [
            "module.conn.secret.app",
            "module.conn[\"prod\"].connector_profile.sf",
            "module.conn[\"a.b]\"].module.inner[2].secret.app[0]",
        ] {
            let a: Address = text.parse().unwrap();
            assert_eq!(a.to_string(), text);
        }
        let a: Address = "module.conn[\"prod\"].secret.app".parse().unwrap();
        assert_eq!(a.module.len(), 1);
        assert_eq!(a.local(), "secret.app");
        for bad in [
            "module.secret.app",
            "module..secret.app",
            "module.x[\"a\"]secret.app",
            "module.x[\"a].secret.app",
        ] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
        for whole in [
            "module.conn",
            "module.conn[\"prod\"]",
            "module.a.module.b[0]",
        ] {
            assert!(
                matches!(whole.parse::<Address>(), Err(AddressError::WholeModule(_))),
                "{whole}"
            );
        }
        let every: Address = "module.conn.secret.app".parse().unwrap();
        assert!(every.selects(&"module.conn[\"prod\"].secret.app".parse().unwrap()));
        assert!(!every.selects(&"secret.app".parse().unwrap()));
        let root: Address = "secret.app".parse().unwrap();
        assert!(root < every, "the root module's resources come first");
    }

    #[test]
    fn module_paths_order_as_their_steps_do() {
        let step = |name: &str, key: Option<InstanceKey>| ModuleStep {
            name: name.into(),
            key,
        };
        let paths: Vec<Vec<ModuleStep>> = vec![
            vec![],
            vec![step("a", None)],
            vec![step("a", None), step("b", None)],
            vec![step("a", Some(InstanceKey::Int(2)))],
            vec![step("a", Some(InstanceKey::Int(10)))],
            vec![step("a", Some(InstanceKey::Int(256)))],
            vec![step("a", Some(InstanceKey::Str(String::new())))],
            vec![step("a", Some(InstanceKey::Str("x".into())))],
            vec![
                step("a", Some(InstanceKey::Str("x".into()))),
                step("c", None),
            ],
            vec![step("a", Some(InstanceKey::Str("x\0".into())))],
            vec![step("a", Some(InstanceKey::Str("x\0y".into())))],
            vec![step("a", Some(InstanceKey::Str("x\u{1}".into())))],
            vec![step("a", Some(InstanceKey::Str("xy".into())))],
            vec![step("a-b", None)],
            vec![step("a_b", None)],
            vec![step("ab", None)],
        ];
        for a in &paths {
            for b in &paths {
                let (pa, pb) = (ModulePath::from(a.clone()), ModulePath::from(b.clone()));
                assert_eq!(pa.cmp(&pb), a.cmp(b), "{a:?} vs {b:?}");
                assert_eq!(pa == pb, a == b, "{a:?} vs {b:?}");
            }
        }
        let shared = ModulePath::from(paths[3].clone());
        assert_eq!(shared.clone(), shared);
        assert_eq!(&*shared.child(step("z", None)).parent(), &*shared);
    }

    #[test]
    fn targets_name_resources_or_whole_modules() {
        let call: Target = "module.conn".parse().unwrap();
        let one: Target = "module.conn[\"prod\"]".parse().unwrap();
        let nested: Target = "module.conn.module.inner[0]".parse().unwrap();
        let resource: Target = "module.conn.secret.app".parse().unwrap();
        assert!(matches!(call, Target::Module(_)));
        assert!(matches!(resource, Target::Resource(_)));
        for (t, text) in [(&call, "module.conn"), (&one, "module.conn[\"prod\"]")] {
            assert_eq!(t.to_string(), text);
        }
        let prod: Address = "module.conn[\"prod\"].secret.app".parse().unwrap();
        let dev: Address = "module.conn[\"dev\"].module.inner[0].secret.app"
            .parse()
            .unwrap();
        let root: Address = "secret.app".parse().unwrap();
        assert!(call.selects(&prod) && call.selects(&dev) && !call.selects(&root));
        assert!(one.selects(&prod) && !one.selects(&dev));
        assert!(nested.selects(&dev) && !nested.selects(&prod));
        assert!(resource.selects(&prod) && !resource.selects(&root));
        assert!("module.".parse::<Target>().is_err());
        assert!("module.conn[".parse::<Target>().is_err());
    }

    #[test]
    fn kinds_order_as_applied() {
        assert!(ResourceKind::KmsKey < ResourceKind::Secret);
        assert!(ResourceKind::Secret < ResourceKind::KmsKeyPolicy);
        assert!(ResourceKind::KmsKeyPolicy < ResourceKind::ConnectorProfile);
    }
}
