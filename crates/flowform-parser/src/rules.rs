//! Rules that span resources or depend on several attributes: duplicate names, reference
//! cycles, the connector rules of the API and the Salesforce guide, and the warnings that
//! catch an AppFlow setup that would be refused or unsafe at apply time.

use crate::config::{Config, Resource};
use crate::eval::AllUnknown;
use crate::resources::BlockExprs;
use flowform_core::schema::{PROFILE_QUOTA, SALESFORCE_PRIVATE_REGIONS};
use flowform_core::{Address, Diagnostic, Diagnostics, ResourceKind, Sources, Value, policy};
use hcl::edit::expr::{Expression, TraversalOperator};
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, HashMap};

const APPFLOW: &str = "appflow.amazonaws.com";

/// What the Salesforce connector guide ("Using a connected app with the Amazon AppFlow API",
/// shared/reference/appflow-salesforce-connector.txt) requires of a client credentials secret.
const GUIDE_KEY_POLICY: &str = "You must attach a resource policy to the Secrets Manager secret and the KMS key which is used to encrypt the secret. This resource policy allows Amazon AppFlow to read the secret and use it.";

/// What [`check`] reads of each resource's values as known before apply, by address: the
/// attributes in [`KEPT`] of what `load` evaluated (the configuration keeps none of it).
pub(crate) type Values = BTreeMap<Address, BTreeMap<String, Value>>;

/// The attributes the rules across resources read; the rules about one resource's own values
/// ([`check_one`]) run as `load` evaluates it, so a configuration of thousands of resources is
/// not held twice, as expressions and as values, while it loads.
const KEPT: [&str; 5] = [
    "name",
    "kms_key_id",
    "key_id",
    "connector_type",
    "connection_mode",
];

/// The part of a resource's values [`check`] reads.
pub(crate) fn kept(mut values: BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    values.retain(|name, _| KEPT.contains(&name.as_str()));
    values
}

/// What the rules about one resource's own values found, by address: the sensitive
/// identifier and the connector rules. They run as `load` evaluates each resource, and
/// [`check`] adds what they found where it ran them before, in address order: several module
/// instances of one block report at the same place, and the first reported is the one kept.
pub(crate) type OwnRules = BTreeMap<Address, (Vec<Diagnostic>, Vec<Diagnostic>)>;

/// The rules about one resource's own values, run as soon as they are evaluated.
pub(crate) fn check_one(
    sources: &Sources,
    values: &BTreeMap<String, Value>,
    r: &Resource,
    own: &mut OwnRules,
) {
    let mut identifier = Diagnostics::default();
    sensitive_identifier(sources, values, r, &mut identifier);
    let mut connector = Diagnostics::default();
    if r.address.kind == ResourceKind::ConnectorProfile {
        connector_rules(sources, values, r, &mut connector);
    }
    if !identifier.is_empty() || !connector.is_empty() {
        own.insert(r.address.clone(), (identifier.0, connector.0));
    }
}

/// `r`'s values in `values` (none for a resource whose evaluation failed).
fn attrs<'a>(values: &'a Values, r: &Resource) -> &'a BTreeMap<String, Value> {
    static NONE: BTreeMap<String, Value> = BTreeMap::new();
    values.get(&r.address).unwrap_or(&NONE)
}

pub(crate) fn check(config: &Config, values: &Values, own: OwnRules, diags: &mut Diagnostics) {
    duplicate_names(
        config,
        values,
        ResourceKind::ConnectorProfile,
        "connector profile",
        diags,
    );
    duplicate_names(config, values, ResourceKind::Secret, "secret", diags);
    let mut connector = BTreeMap::new();
    for (address, (identifier, rules)) in own {
        diags.0.extend(identifier);
        connector.insert(address, rules);
    }
    cycles(config, diags);
    for profile in config.resources_of(ResourceKind::ConnectorProfile) {
        if let Some(found) = connector.remove(&profile.address) {
            diags.0.extend(found);
        }
        private_region(config, attrs(values, profile), profile, diags);
        appflow_access(config, values, profile, diags);
    }
    for key_policy in config.resources_of(ResourceKind::KmsKeyPolicy) {
        lockout(config, key_policy, diags);
    }
    let profiles = config.resources_of(ResourceKind::ConnectorProfile).count();
    if profiles > PROFILE_QUOTA {
        diags.push(Diagnostic::warning("More connector profiles than AppFlow's quota", format!(
            "This configuration declares {profiles} connector profiles; AppFlow allows {PROFILE_QUOTA} per account and region unless the quota was raised. Creates past the quota fail with ServiceQuotaExceededException."
        )));
    }
}

/// The range of an attribute's value (or of the block when the attribute is absent).
fn range_of(sources: &Sources, r: &Resource, path: &[&str]) -> Option<flowform_core::SourceRange> {
    let mut block: &BlockExprs = &r.body;
    for step in &path[..path.len() - 1] {
        match block.blocks.iter().find(|(n, _, _)| n == step) {
            Some((_, _, nested)) => block = nested,
            None => return sources.range(&block.file, block.header.clone()),
        }
    }
    let last = path[path.len() - 1];
    match block.attrs.iter().find(|a| a.name == last) {
        Some(a) => sources.range(&block.file, a.value_span()),
        None => sources.range(&block.file, block.header.clone()),
    }
}

fn context(r: &Resource) -> String {
    if r.address.module.is_empty() {
        format!("{} \"{}\"", r.address.kind, r.address.label)
    } else {
        r.address.resource().to_string()
    }
}

/// The provider configuration `r` is made with: the default one, or its alias's (`None` for
/// an alias no block declares, which load reports).
fn provider_of<'a>(config: &'a Config, r: &Resource) -> Option<&'a crate::config::Provider> {
    match &r.provider {
        None => Some(&config.provider),
        Some(alias) => config.aliases.get(alias),
    }
}

fn duplicate_names(
    config: &Config,
    values: &Values,
    kind: ResourceKind,
    what: &str,
    diags: &mut Diagnostics,
) {
    // Per region and account: two provider configurations that name the same region (and the
    // same profile and endpoint) are one place; one whose region is not written is its own.
    let place = |r: &Resource| -> String {
        match provider_of(config, r) {
            Some(p) if p.region.is_some() => {
                format!(
                    "{:?} {:?} {:?} {:?}",
                    p.region, p.profile, p.account_id, p.endpoint_url
                )
            }
            _ => format!("alias {:?}", r.provider),
        }
    };
    let mut seen: HashMap<(String, &str), &Resource> = HashMap::new();
    for r in config.resources_of(kind) {
        let Some(value) = attrs(values, r).get("name") else {
            continue;
        };
        let Some(name) = value.as_str() else {
            continue;
        };
        if let Some(first) = seen.get(&(place(r), name)) {
            // Either one being sensitive makes the shared name a secret.
            let first_sensitive = attrs(values, first)
                .get("name")
                .is_some_and(Value::contains_sensitive);
            let shown = if value.contains_sensitive() || first_sensitive {
                "the same (sensitive) name".to_string()
            } else {
                format!("the name \"{name}\"")
            };
            diags.push(Diagnostic::error(format!("Duplicate {what} name"), format!(
                "{} and {} both have {shown}; AWS allows one {what} of that name per account and region.",
                first.address, r.address
            )).with_range(range_of(&config.sources, r, &["name"])).with_context(context(r)));
        } else {
            seen.insert((place(r), name), r);
        }
    }
}

/// An attribute that names the AWS object (and so becomes part of its ARN, which AWS shows to
/// anyone who may list such objects) cannot be sensitive: the state must record the object's
/// ARN to manage it, and a value hidden in flowform's output would be in clear in that ARN.
/// Refused rather than half-hidden.
fn sensitive_identifier(
    sources: &Sources,
    values: &BTreeMap<String, Value>,
    r: &Resource,
    diags: &mut Diagnostics,
) {
    let attribute = match r.address.kind {
        ResourceKind::Secret | ResourceKind::ConnectorProfile => "name",
        ResourceKind::KmsKeyPolicy => "key_id",
        ResourceKind::KmsKey => return,
    };
    if values.get(attribute).is_some_and(Value::contains_sensitive) {
        diags.push(
            Diagnostic::error(
                format!("Sensitive value in {attribute}"),
                format!(
                    "The {attribute} of {} comes from a sensitive value. It names the AWS object: it is part of the object's ARN, which the state records and AWS shows in every listing, so it cannot be kept secret. Use a value that is not sensitive (a variable without `sensitive = true`).",
                    r.address
                ),
            )
            .with_range(range_of(sources, r, &[attribute]))
            .with_context(context(r)),
        );
    }
}

/// Reports every reference cycle, naming each resource on it, and every reference that runs
/// against the order in which kinds are applied.
fn cycles(config: &Config, diags: &mut Diagnostics) {
    let mut graph: DiGraph<&Address, ()> = DiGraph::new();
    let nodes: BTreeMap<&Address, NodeIndex> = config
        .resources
        .keys()
        .map(|a| (a, graph.add_node(a)))
        .collect();
    for r in config.resources.values() {
        for target in r.references.iter().chain(&r.depends_on) {
            if let Some(&to) = nodes.get(target) {
                graph.update_edge(nodes[&r.address], to, ());
            }
            if target.kind > r.address.kind {
                diags.push(Diagnostic::error("Reference against the apply order", format!(
                    "{} refers to {target}, but flowform applies {} before {} (KMS keys, then secrets, then key policies, then connector profiles), so that each resource exists before the ones that use it. Refer to something applied earlier instead{}.",
                    r.address, plural(r.address.kind), plural(target.kind),
                    if target.kind == ResourceKind::KmsKeyPolicy { ", such as the key itself (kms_key.NAME.arn) or its ARN" } else { "" }
                )).with_range(r.range.clone()).with_context(context(r)));
            }
        }
    }
    for scc in tarjan_scc(&graph) {
        let self_loop = scc.len() == 1 && graph.contains_edge(scc[0], scc[0]);
        if scc.len() < 2 && !self_loop {
            continue;
        }
        let mut members: Vec<&Address> = scc.iter().map(|&n| graph[n]).collect();
        members.sort();
        let names: Vec<String> = members.iter().map(|a| a.to_string()).collect();
        let first = &config.resources[members[0]];
        diags.push(Diagnostic::error("Cycle in resource references", format!(
            "These resources refer to each other in a cycle, so none of them can be created first: {}. Remove one of the references (or depends_on entries) to break the cycle.",
            names.join(" → ")
        )).with_range(first.range.clone()).with_context(context(first)));
    }
}

fn connector_rules(
    sources: &Sources,
    values: &BTreeMap<String, Value>,
    r: &Resource,
    diags: &mut Diagnostics,
) {
    let attr = |name: &str| values.get(name);
    let text = |name: &str| attr(name).and_then(Value::as_str);
    let Some(connector_type) = text("connector_type") else {
        return;
    };
    let mut error = |path: &[&str], summary: &str, detail: String| {
        diags.push(
            Diagnostic::error(summary, detail)
                .with_range(range_of(sources, r, path))
                .with_context(context(r)),
        );
    };
    // connector_label: "Only needed if calling for CUSTOMCONNECTOR connector type"
    // (reference/appflow-CreateConnectorProfile-api.txt, connectorLabel).
    match (connector_type, attr("connector_label")) {
        ("CustomConnector", None) => error(&["connector_type"], "Missing required argument", "A CustomConnector profile needs connector_label: the label of the custom connector registered in this account.".into()),
        (other, Some(_)) if other != "CustomConnector" => error(&["connector_label"], "Invalid argument for this connector", format!("connector_label applies only to CustomConnector profiles; remove it from this {other} profile.")),
        _ => {}
    }
    let field = |section: &str, name: &str| -> Option<&Value> {
        match values.get(section)?.peel() {
            Value::Object(map) => map.get(name),
            _ => None,
        }
    };
    let known = |v: Option<&Value>| v.is_some_and(|v| !matches!(v.peel(), Value::Null));
    // Snowflake authenticates with a password or, since key-pair authentication, a private key:
    // the model makes both optional ("privateKey: The RSA private key used for key pair
    // authentication with Snowflake. Provide this instead of a password", botocore
    // appflow/2020-08-23, SnowflakeConnectorProfileCredentials; the reference pages predate it).
    if connector_type == "Snowflake"
        && values.contains_key("credentials")
        && !known(field("credentials", "password"))
        && !known(field("credentials", "private_key"))
    {
        // Points at the credentials block: neither attribute is there to point at.
        error(&["credentials", "password"], "Missing password or private_key", "A Snowflake connector profile authenticates with a password or, for key-pair authentication, a private key: set credentials.password or credentials.private_key.".into());
    }
    if connector_type != "Salesforce" {
        return;
    }
    // The grant types and what each needs: reference/appflow-salesforce-connector.txt ("JSON Web
    // Token (JWT)": you provide a JWT) and reference/appflow-api-changes-2023-09-06-create-update-
    // connector-profile.txt (oAuth2GrantType, jwtToken, clientCredentialsArn).
    let grant = field("credentials", "oauth2_grant_type").and_then(Value::as_str);
    if grant == Some("JWT_BEARER") && !known(field("credentials", "jwt_token")) {
        error(&["credentials", "oauth2_grant_type"], "Missing jwt_token", "The JWT_BEARER grant type sends a JSON Web Token to Salesforce: set credentials.jwt_token.".into());
    }
    if grant == Some("CLIENT_CREDENTIALS") && !known(field("credentials", "client_credentials_arn"))
    {
        error(&["credentials", "oauth2_grant_type"], "Missing client_credentials_arn", "The CLIENT_CREDENTIALS grant type reads the connected app's client id and secret from Secrets Manager: set credentials.client_credentials_arn to the secret's ARN.".into());
    }
    let mode = text("connection_mode");
    let private_link = field(
        "properties",
        "use_private_link_for_metadata_and_authorization",
    )
    .and_then(Value::as_bool);
    // "If the connection mode for the connector profile is private, this parameter sets whether
    // Amazon AppFlow uses the private network ..." (reference/appflow-api-changes-2023-09-06-
    // create-update-connector-profile.txt, usePrivateLinkForMetadataAndAuthorization): on a
    // public connection it does nothing, and AWS accepts it, so this is a warning.
    if mode == Some("Public") && private_link == Some(true) {
        let path = [
            "properties",
            "use_private_link_for_metadata_and_authorization",
        ];
        diags.push(
            Diagnostic::warning("Private link setting on a public connection", "use_private_link_for_metadata_and_authorization = true has no effect on a public connection: AppFlow accepts it but sends every call over the public internet. Set connection_mode = \"Private\", or remove it.")
                .with_range(range_of(sources, r, &path))
                .with_context(context(r)),
        );
    }
}

/// "Private connections are currently available in the us-east-1, ..." Regions
/// (reference/appflow-salesforce-connector.txt): checked once the provider's region is known.
fn private_region(
    config: &Config,
    values: &BTreeMap<String, Value>,
    r: &Resource,
    diags: &mut Diagnostics,
) {
    let text = |name: &str| values.get(name).and_then(Value::as_str);
    // The region of the provider configuration the profile is made with: an aliased one's.
    if text("connector_type") == Some("Salesforce")
        && text("connection_mode") == Some("Private")
        && let Some(region) = provider_of(config, r).and_then(|p| p.region.as_ref())
        && !SALESFORCE_PRIVATE_REGIONS.contains(&region.as_str())
    {
        diags.push(
            Diagnostic::error(
                "Private connections are not available in this region",
                format!(
                    "AppFlow offers private Salesforce connections only in {}; the provider's region is {region}.",
                    SALESFORCE_PRIVATE_REGIONS.join(", ")
                ),
            )
            .with_range(range_of(&config.sources, r, &["connection_mode"]))
            .with_context(context(r)),
        );
    }
}

/// The resource an expression refers to as a whole (`secret.app.arn` → `secret.app`), also
/// through locals (`local.app_arn` where `app_arn = secret.app.arn`).
/// The resource an expression of module instance `module` names, following locals and (in a
/// module) the call's arguments up to where the reference is written.
fn referenced(config: &Config, module: usize, expr: &Expression) -> Option<Address> {
    let mut expr = expr;
    let mut module = module;
    let steps = config.locals.len()
        + config
            .modules
            .iter()
            .map(|m| m.source.locals.len() + m.inputs.len())
            .sum::<usize>();
    for _ in 0..=steps {
        let Expression::Traversal(t) = expr else {
            return None;
        };
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        let first = match t.operators.first().map(|o| o.value()) {
            Some(TraversalOperator::GetAttr(name)) => name.value().as_str(),
            _ => return None,
        };
        let instance = config.modules.get(module).filter(|_| module != 0);
        match root.value().as_str() {
            "local" => {
                let locals = instance.map_or(&config.locals, |m| &m.source.locals);
                expr = &locals.get(first)?.expr;
            }
            "var" => {
                let m = instance?;
                expr = &m.inputs.get(first)?.expr;
                module = m.parent;
            }
            keyword => {
                let kind = ResourceKind::from_keyword(keyword)?;
                let root = flowform_core::ModulePath::root();
                let path = instance.map_or(&root, |m| &m.path);
                return Some(Address::new(kind, first).in_module(path));
            }
        }
    }
    None
}

fn attr_expr<'a>(block: &'a BlockExprs, path: &[&str]) -> Option<&'a Expression> {
    let mut block = block;
    for step in &path[..path.len() - 1] {
        block = &block.blocks.iter().find(|(n, _, _)| n == step)?.2;
    }
    block
        .attrs
        .iter()
        .find(|a| a.name == path[path.len() - 1])
        .map(|a| &a.expr)
}

/// A policy attribute evaluated for checking: unknown parts inside `jsonencode` become a
/// placeholder, so the statements that matter here can be read before apply.
fn lint_policy(config: &Config, r: &Resource) -> Option<serde_json::Value> {
    let expr = attr_expr(&r.body, &["policy"])?;
    let mut ev = config.evaluator(&AllUnknown);
    ev.lint = true;
    ev.set_module(r.module);
    let mut ignored = Diagnostics::default();
    ev.set_instance(config.instance_scope(&ev, &r.address, &r.body, &mut ignored));
    let value = ev.eval(expr, &r.body.file).ok()?;
    let (value, _) = value.unmark();
    // An invalid document is reported as an error already; warnings about it would be noise.
    policy::parse(value.as_str()?).ok()
}

/// Warns when a profile's client credentials secret, or the KMS key that encrypts it, would
/// not let AppFlow read it (AppFlow then refuses the profile), or lets it without
/// confused-deputy conditions.
fn appflow_access(config: &Config, values: &Values, profile: &Resource, diags: &mut Diagnostics) {
    let Some(secret_addr) = attr_expr(&profile.body, &["credentials", "client_credentials_arn"])
        .and_then(|e| referenced(config, profile.module, e))
    else {
        return;
    };
    // A reference to a resource with count/for_each names one of its instances: the one among
    // what the profile refers to (`secret.app[each.key]` → `secret.app["prod"]`).
    let secret_addr = match config.blocks.get(&secret_addr) {
        Some(e) if e.is_repeated() => {
            let mut instances = profile
                .references
                .iter()
                .filter(|a| a.resource() == secret_addr);
            match (instances.next(), instances.next()) {
                (Some(one), None) => one.clone(),
                _ => return,
            }
        }
        _ => secret_addr,
    };
    let Some(secret) = config
        .resources
        .get(&secret_addr)
        .filter(|s| s.address.kind == ResourceKind::Secret)
    else {
        return;
    };
    let mut warn = |r: &Resource, path: &[&str], summary: &str, detail: String| {
        diags.push(
            Diagnostic::warning(summary, detail)
                .with_range(range_of(&config.sources, r, path))
                .with_context(context(r)),
        );
    };
    match lint_policy(config, secret) {
        None if attr_expr(&secret.body, &["policy"]).is_none() => warn(
            secret,
            &["name"],
            "AppFlow cannot read this secret",
            format!(
                "{} uses this secret as its client credentials, but the secret has no resource policy. AppFlow refuses the profile unless the secret's policy lets {APPFLOW} call secretsmanager:GetSecretValue.",
                profile.address
            ),
        ),
        None => {}
        Some(doc) => {
            let grant = policy::grants_service(&doc, APPFLOW, &["secretsmanager:GetSecretValue"]);
            if !grant.missing_actions.is_empty() {
                warn(
                    secret,
                    &["policy"],
                    "AppFlow cannot read this secret",
                    format!(
                        "{} uses this secret as its client credentials, but its policy does not let {APPFLOW} call secretsmanager:GetSecretValue, so AppFlow will refuse the profile.",
                        profile.address
                    ),
                );
            } else if grant.unconditioned {
                warn(
                    secret,
                    &["policy"],
                    "Secret policy without confused-deputy protection",
                    format!(
                        "The policy lets {APPFLOW} read this secret without an aws:SourceAccount or aws:SourceArn condition, so AppFlow acting for another account could read it too. Add a condition such as \"StringEquals\": {{ \"aws:SourceAccount\": \"ACCOUNT_ID\" }}."
                    ),
                );
            }
        }
    }
    // Without kms_key_id Secrets Manager encrypts with the AWS managed key, whose policy
    // nobody can change: AppFlow can never be let decrypt the secret.
    let aws_managed = match attr_expr(&secret.body, &["kms_key_id"]) {
        None => true,
        Some(_) => attrs(values, secret)
            .get("kms_key_id")
            .and_then(Value::as_str)
            .is_some_and(|k| k.ends_with("alias/aws/secretsmanager")),
    };
    if aws_managed {
        warn(
            secret,
            &["kms_key_id"],
            "AppFlow cannot decrypt this secret",
            format!(
                "A connector profile uses this secret as its client credentials, but the secret is encrypted with the AWS managed key aws/secretsmanager (kms_key_id names no customer managed key). The Salesforce connector guide says: \"{GUIDE_KEY_POLICY}\" The policy of an AWS managed key cannot be changed, so {APPFLOW} can never be allowed to use it and AppFlow will refuse the profile. Set kms_key_id to a customer managed key whose policy lets {APPFLOW} call kms:Decrypt."
            ),
        );
        return;
    }
    // The key that encrypts the secret, when its policy is managed here.
    let Some(key_expr) = attr_expr(&secret.body, &["kms_key_id"]) else {
        return;
    };
    let key_policy = config.resources_of(ResourceKind::KmsKeyPolicy).find(|kp| {
        let Some(kp_key) = attr_expr(&kp.body, &["key_id"]) else {
            return false;
        };
        match (
            referenced(config, secret.module, key_expr),
            referenced(config, kp.module, kp_key),
        ) {
            (Some(a), Some(b)) => a == b,
            (None, None) => {
                let key = attrs(values, secret)
                    .get("kms_key_id")
                    .and_then(Value::as_str);
                key.is_some() && key == attrs(values, kp).get("key_id").and_then(Value::as_str)
            }
            _ => false,
        }
    });
    let Some(key_policy) = key_policy else { return };
    let Some(doc) = lint_policy(config, key_policy) else {
        return;
    };
    let grant = policy::grants_service(
        &doc,
        APPFLOW,
        &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
    );
    if !grant.missing_actions.is_empty() {
        warn(
            key_policy,
            &["policy"],
            "AppFlow cannot use this KMS key",
            format!(
                "{} is encrypted with this key and used by {}, but the key policy does not let {APPFLOW} call {}. AppFlow will refuse the profile.",
                secret.address,
                profile.address,
                grant.missing_actions.join(", ")
            ),
        );
    } else if grant.unconditioned {
        warn(
            key_policy,
            &["policy"],
            "Key policy without confused-deputy protection",
            format!(
                "The policy lets {APPFLOW} use this key without an aws:SourceAccount or aws:SourceArn condition. Add conditions as the Salesforce connector guide shows."
            ),
        );
    }
}

fn lockout(config: &Config, key_policy: &Resource, diags: &mut Diagnostics) {
    let Some(doc) = lint_policy(config, key_policy) else {
        return;
    };
    if !policy::allows_account_admin(&doc, config.provider.account_id.as_deref()) {
        diags.push(Diagnostic::warning("Key policy may lock the account out", "No statement of this policy lets the account (its root principal) administer the key with kms:PutKeyPolicy or kms:*. Once applied, nobody may be able to change the key's policy again. Keep a statement like the default key policy's \"Enable IAM User Permissions\".".to_string()).with_range(range_of(&config.sources, key_policy, &["policy"])).with_context(context(key_policy)));
    }
}

fn plural(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::KmsKey => "KMS keys",
        ResourceKind::Secret => "secrets",
        ResourceKind::KmsKeyPolicy => "key policies",
        ResourceKind::ConnectorProfile => "connector profiles",
    }
}
