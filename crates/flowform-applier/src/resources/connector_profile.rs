//! `connector_profile`: Create/Update/DeleteConnectorProfile. An update always resends the
//! whole configuration, credentials included: AWS returns no credentials flowform could keep.

use super::Op;
use crate::attrs::{self, text};
use crate::clients::Clients;
use crate::error::{AwsError, ExpectedError, SdkResultExt};
use crate::profile_config;
use flowform_core::Value;
use flowform_planner::Attrs;
use flowform_state::ResourceState;
use std::collections::BTreeMap;

/// `connector_profile`.
pub struct ConnectorProfile;

super::resource!(
    ConnectorProfile,
    read(clients, prior, _key) {
        // One DescribeConnectorProfiles by name; a whole refresh lists them all at once
        // instead (`list_all`).
        match describe(clients, &recorded_name(prior)).await? {
            Some(p) => record(&p, Some(prior)).map(Some),
            None => Ok(None),
        }
    },
    import(clients, id, _key) {
        match describe(clients, id).await? {
            Some(p) => record(&p, None).map(Some),
            None => Ok(None),
        }
    }
);

/// The profile of that name, if there is one.
async fn describe(
    clients: &Clients,
    name: &str,
) -> Result<Option<aws_sdk_appflow::types::ConnectorProfile>, AwsError> {
    let out = clients
        .appflow
        .describe_connector_profiles()
        .connector_profile_names(name)
        .send()
        .await
        .aws()?;
    Ok(out
        .connector_profile_details()
        .iter()
        .find(|p| p.connector_profile_name() == Some(name))
        .cloned())
}

/// The recorded profile's name (the last part of its ARN when the name is not recorded).
pub fn recorded_name(prior: &ResourceState) -> String {
    attrs::recorded(prior, "name")
        .unwrap_or_else(|| prior.id.rsplit('/').next().unwrap_or_default().to_string())
}

fn config(attrs: &Attrs) -> Result<aws_sdk_appflow::types::ConnectorProfileConfig, AwsError> {
    let connector_type = attrs::required_text(attrs, "connector_type")?;
    let empty = Value::Object(BTreeMap::new());
    let properties = attrs.get("properties").unwrap_or(&empty);
    let credentials = attrs
        .get("credentials")
        .filter(|c| !matches!(c.peel(), Value::Object(m) if m.is_empty()));
    profile_config::to_sdk(&connector_type, properties, credentials)
        .map_err(|e| AwsError::other(e.to_string()))
}

fn mode(attrs: &Attrs) -> Result<aws_sdk_appflow::types::ConnectionMode, AwsError> {
    Ok(aws_sdk_appflow::types::ConnectionMode::from(
        attrs::required_text(attrs, "connection_mode")?.as_str(),
    ))
}

async fn create(op: &Op<'_>, attrs: &mut Attrs) -> Result<String, AwsError> {
    let name = attrs::required_text(attrs, "name")?;
    let connector_type =
        profile_config::connector_type(&attrs::required_text(attrs, "connector_type")?)
            .map_err(|e| AwsError::other(e.to_string()))?;
    let mut req = op
        .clients
        .appflow
        .create_connector_profile()
        .connector_profile_name(&name)
        .connector_type(connector_type)
        .connection_mode(mode(attrs)?)
        .connector_profile_config(config(attrs)?)
        .client_token(&op.token);
    if let Some(label) = text(attrs, "connector_label") {
        req = req.connector_label(label);
    }
    if let Some(kms) = text(attrs, "kms_arn") {
        req = req.kms_arn(kms);
    }
    // Profiles carry no tags, so the client token is the only proof of ownership: when an
    // earlier apply sent this create and died, this request repeats it under the same token,
    // and AppFlow answers an identical request (within 8 hours) with the profile it made. A
    // conflict therefore always means the profile is not provably ours, resumed or not.
    let out = match req.send().await.split_when(|e| e.is_conflict_exception())? {
        Ok(out) => out,
        Err(e) => {
            let why = match &op.resumed {
                Some(p) => format!(
                    " An apply interrupted at {} was creating this profile, but AppFlow did not answer the repeated request with the profile it made (it does so for 8 hours, and only for an identical request), so flowform cannot prove the existing profile is the one it asked for and will not take it over.",
                    p.started
                ),
                None => String::new(),
            };
            return Err(AwsError {
                message: format!(
                    "{} A connector profile named \"{name}\" already exists and this state does not manage it.{why} If it is yours, bring it under flowform with `flowform import {} {name}`.",
                    e.message, op.address
                ),
                name_taken: true,
                ..e
            });
        }
    };
    let arn = out.connector_profile_arn().unwrap_or_default().to_string();
    // CreateConnectorProfile sent everything at once: record all of it (credentials by
    // digest) the moment AppFlow answers, before reading what it computed.
    let mut sent = attrs.clone();
    sent.insert("arn".into(), Value::String(arn.clone()));
    sent.remove("credentials_arn");
    (op.checkpoint_all)(&sent, &arn).await?;
    computed(op.clients, &name, attrs).await?;
    attrs.insert("arn".into(), Value::String(arn.clone()));
    Ok(arn)
}

async fn update(op: &Op<'_>, attrs: &mut Attrs) -> Result<String, AwsError> {
    let prior = op
        .prior
        .ok_or_else(|| AwsError::other("no recorded profile to update"))?;
    let name = attrs::required_text(attrs, "name")?;
    update_existing(op, &name, attrs).await?;
    Ok(prior.id.clone())
}

/// UpdateConnectorProfile with the whole configuration, then what Describe computes. No token
/// of ours: each update is a new request (AppFlow replays a reused token for 8 hours, so
/// correcting the same drift twice would otherwise do nothing); the SDK supplies one.
async fn update_existing(op: &Op<'_>, name: &str, attrs: &mut Attrs) -> Result<(), AwsError> {
    op.clients
        .appflow
        .update_connector_profile()
        .connector_profile_name(name)
        .connection_mode(mode(attrs)?)
        .connector_profile_config(config(attrs)?)
        .send()
        .await
        .aws()?;
    computed(op.clients, name, attrs).await
}

/// `arn` and `credentials_arn` (the secret AppFlow keeps the credentials in), from Describe.
async fn computed(clients: &Clients, name: &str, attrs: &mut Attrs) -> Result<(), AwsError> {
    let out = clients
        .appflow
        .describe_connector_profiles()
        .connector_profile_names(name)
        .send()
        .await
        .aws()?;
    let found = out
        .connector_profile_details()
        .iter()
        .find(|p| p.connector_profile_name() == Some(name));
    if let Some(arn) = found.and_then(|p| p.connector_profile_arn()) {
        attrs.insert("arn".into(), Value::String(arn.to_string()));
    }
    attrs.insert(
        "credentials_arn".into(),
        found
            .and_then(|p| p.credentials_arn())
            .map_or(Value::Null, |c| Value::String(c.to_string())),
    );
    Ok(())
}

async fn delete(clients: &Clients, prior: &ResourceState) -> Result<(), AwsError> {
    let name = recorded_name(prior);
    clients
        .appflow
        .delete_connector_profile()
        .connector_profile_name(name)
        .send()
        .await
        .none_when(|e| e.is_resource_not_found_exception())?;
    Ok(())
}

/// Every profile in the account and region, by name: one paged listing (100 a page) serves a
/// whole refresh instead of one call per profile.
pub async fn list_all(
    clients: &Clients,
) -> Result<BTreeMap<String, aws_sdk_appflow::types::ConnectorProfile>, AwsError> {
    let mut out = BTreeMap::new();
    let mut next: Option<String> = None;
    loop {
        let page = clients
            .appflow
            .describe_connector_profiles()
            .max_results(100)
            .set_next_token(next.take())
            .send()
            .await
            .aws()?;
        for p in page.connector_profile_details() {
            if let Some(name) = p.connector_profile_name() {
                out.insert(name.to_string(), p.clone());
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => next = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(out)
}

/// A profile as AWS describes it, in the state's shape. Credentials are never returned, so what
/// was recorded of them (the shown fields as values, the hidden ones as digests) is carried over
/// from `prior` (none when importing).
pub fn record(
    p: &aws_sdk_appflow::types::ConnectorProfile,
    prior: Option<&ResourceState>,
) -> Result<ResourceState, AwsError> {
    let arn = p.connector_profile_arn().unwrap_or_default().to_string();
    let connector_type = p
        .connector_type()
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    let mut record = ResourceState::new("connector_profile", arn.clone());
    let a = &mut record.attributes;
    a.insert("arn".into(), arn.into());
    a.insert(
        "name".into(),
        p.connector_profile_name().unwrap_or_default().into(),
    );
    a.insert("connector_type".into(), connector_type.clone().into());
    if let Some(m) = p.connection_mode() {
        a.insert("connection_mode".into(), m.as_str().into());
    }
    if let Some(l) = p.connector_label() {
        a.insert("connector_label".into(), l.into());
    }
    if let Some(c) = p.credentials_arn() {
        a.insert("credentials_arn".into(), c.into());
    }
    if let Some(props) = p.connector_profile_properties() {
        let value = profile_config::properties_from_sdk(&connector_type, props)
            .map_err(|e| AwsError::other(e.to_string()))?;
        // AWS does not tell an unset bool from false: when what it describes is what was
        // recorded, keep the record's own spelling so that no drift is reported. A property
        // the record holds only by digest (set from a sensitive value) is compared apart — by
        // digest, once refresh seals it — so it is set aside here and put back as described.
        let mut described = value.to_json().unwrap_or_default();
        let mut set_aside = Vec::new();
        for path in prior.map(|p| p.sensitive.keys()).into_iter().flatten() {
            if let Some(inner) = path.strip_prefix("properties.")
                && let Some(v) = described.as_object_mut().and_then(|o| o.remove(inner))
            {
                set_aside.push((inner.to_string(), v));
            }
        }
        let recorded = prior.and_then(|p| p.attributes.get("properties")).cloned();
        let same = recorded.as_ref().is_some_and(|r| {
            profile_config::comparable_properties(&connector_type, &Value::from_json(r.clone()))
                .is_ok_and(|c| c.to_json().as_ref() == Some(&described))
        });
        let json = if same {
            recorded.map(|mut r| {
                if let Some(o) = r.as_object_mut() {
                    o.extend(set_aside);
                }
                r
            })
        } else {
            value.to_json()
        };
        if let Some(json) = json.filter(|j| j.as_object().is_some_and(|o| !o.is_empty())) {
            a.insert("properties".into(), json);
        }
    }
    if let Some(prior) = prior {
        // Not returned by Describe: kept as recorded.
        for kept in ["kms_arn", "credentials"] {
            if let Some(value) = prior.attributes.get(kept) {
                record.attributes.insert(kept.into(), value.clone());
            }
        }
        record.sensitive = prior.sensitive.clone();
        record.dependencies = prior.dependencies.clone();
    }
    Ok(record)
}
