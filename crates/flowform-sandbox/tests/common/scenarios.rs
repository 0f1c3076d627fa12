//! Secrets Manager and KMS scenarios written once and run against any endpoint: the sandbox's
//! own tests assert their outcomes, the differential tests compare them with moto's.
//! Each step records `"ok"` (sometimes with what it observed) or the AWS error code.

use aws_sdk_kms::types::{KeyState, Tag as KmsTag};
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};

use super::{Clients, outcome};

pub type Steps = Vec<(&'static str, String)>;

const TOKEN_1: &str = "11111111-1111-1111-1111-111111111111";
const TOKEN_2: &str = "22222222-2222-2222-2222-222222222222";
const TOKEN_3: &str = "33333333-3333-3333-3333-333333333333";

fn public_policy() -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    .to_string()
}

pub async fn secrets_lifecycle(c: &Clients) -> Steps {
    let sm = &c.secrets;
    let mut steps: Steps = Vec::new();
    let name = "flowform/app-one";

    let created = sm
        .create_secret()
        .name(name)
        .secret_string("v1")
        .client_request_token(TOKEN_1)
        .send()
        .await;
    steps.push(("create", outcome(&created)));
    let arn = created
        .map(|o| o.arn.unwrap_or_default())
        .unwrap_or_default();
    let retried = sm
        .create_secret()
        .name(name)
        .secret_string("v1")
        .client_request_token(TOKEN_1)
        .send()
        .await;
    let same_arn = retried
        .as_ref()
        .map(|o| o.arn.as_deref() == Some(arn.as_str()))
        .unwrap_or(false);
    steps.push((
        "create retried with the same token",
        format!("{} same-arn={same_arn}", outcome(&retried)),
    ));
    let r = sm
        .create_secret()
        .name(name)
        .secret_string("v1")
        .client_request_token(TOKEN_2)
        .send()
        .await;
    steps.push(("create duplicate name", outcome(&r)));
    let r = sm
        .create_secret()
        .name(name)
        .secret_string("other")
        .client_request_token(TOKEN_1)
        .send()
        .await;
    steps.push(("create same token other value", outcome(&r)));
    let r = sm
        .create_secret()
        .name("flowform/short-token")
        .secret_string("x")
        .client_request_token("short")
        .send()
        .await;
    steps.push(("create with a short token", outcome(&r)));

    let r = sm.describe_secret().secret_id(name).send().await;
    steps.push(("describe by name", outcome(&r)));
    let r = sm.describe_secret().secret_id(&arn).send().await;
    steps.push(("describe by arn", outcome(&r)));
    let r = sm
        .describe_secret()
        .secret_id("flowform/missing")
        .send()
        .await;
    steps.push(("describe missing", outcome(&r)));
    let r = sm.get_secret_value().secret_id(name).send().await;
    steps.push((
        "get",
        format!(
            "{} {}",
            outcome(&r),
            r.map(|o| o.secret_string.unwrap_or_default())
                .unwrap_or_default()
        ),
    ));

    let r = sm
        .put_secret_value()
        .secret_id(name)
        .secret_string("v2")
        .client_request_token(TOKEN_2)
        .send()
        .await;
    steps.push(("put v2", outcome(&r)));
    let r = sm
        .put_secret_value()
        .secret_id(name)
        .secret_string("v2")
        .client_request_token(TOKEN_2)
        .send()
        .await;
    steps.push(("put v2 retried", outcome(&r)));
    let r = sm
        .put_secret_value()
        .secret_id(name)
        .secret_string("v3")
        .client_request_token(TOKEN_2)
        .send()
        .await;
    steps.push(("put other value with a used token", outcome(&r)));
    let r = sm.put_secret_value().secret_id(name).send().await;
    steps.push(("put without a value", outcome(&r)));
    let r = sm
        .get_secret_value()
        .secret_id(name)
        .version_stage("AWSPREVIOUS")
        .send()
        .await;
    steps.push((
        "get previous",
        format!(
            "{} {}",
            outcome(&r),
            r.map(|o| o.secret_string.unwrap_or_default())
                .unwrap_or_default()
        ),
    ));
    let r = sm.get_secret_value().secret_id(name).send().await;
    steps.push((
        "get current",
        format!(
            "{} {}",
            outcome(&r),
            r.map(|o| o.secret_string.unwrap_or_default())
                .unwrap_or_default()
        ),
    ));
    let r = sm
        .get_secret_value()
        .secret_id(name)
        .version_stage("NOSUCHSTAGE")
        .send()
        .await;
    steps.push(("get unknown stage", outcome(&r)));
    let r = sm.list_secret_version_ids().secret_id(name).send().await;
    steps.push((
        "list versions",
        format!(
            "{} {}",
            outcome(&r),
            r.map(|o| o.versions().len()).unwrap_or(0)
        ),
    ));

    let r = sm
        .update_secret()
        .secret_id(name)
        .description("the app's secret")
        .send()
        .await;
    steps.push(("update description", outcome(&r)));
    let r = sm
        .update_secret()
        .secret_id(name)
        .secret_string("v3")
        .client_request_token(TOKEN_3)
        .send()
        .await;
    steps.push(("update value", outcome(&r)));
    let r = sm.get_secret_value().secret_id(name).send().await;
    steps.push((
        "get after update",
        format!(
            "{} {}",
            outcome(&r),
            r.map(|o| o.secret_string.unwrap_or_default())
                .unwrap_or_default()
        ),
    ));

    let r = sm
        .tag_resource()
        .secret_id(name)
        .tags(Tag::builder().key("team").value("data").build())
        .tags(Tag::builder().key("env").value("dev").build())
        .send()
        .await;
    steps.push(("tag", outcome(&r)));
    let r = sm
        .untag_resource()
        .secret_id(name)
        .tag_keys("env")
        .send()
        .await;
    steps.push(("untag", outcome(&r)));
    let r = sm.describe_secret().secret_id(name).send().await;
    let tags: Vec<String> = r
        .map(|o| {
            o.tags()
                .iter()
                .map(|t| format!("{}={}", t.key().unwrap_or(""), t.value().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    steps.push(("tags after untag", tags.join(",")));

    let r = sm
        .put_resource_policy()
        .secret_id(name)
        .resource_policy(public_policy())
        .block_public_policy(true)
        .send()
        .await;
    steps.push(("put public policy with BlockPublicPolicy", outcome(&r)));
    let r = sm
        .put_resource_policy()
        .secret_id(name)
        .resource_policy(super::appflow_secret_policy("*"))
        .send()
        .await;
    steps.push(("put policy", outcome(&r)));
    let r = sm.get_resource_policy().secret_id(name).send().await;
    steps.push((
        "get policy",
        format!(
            "{} has-policy={}",
            outcome(&r),
            r.map(|o| o.resource_policy.is_some()).unwrap_or(false)
        ),
    ));
    let r = sm.delete_resource_policy().secret_id(name).send().await;
    steps.push(("delete policy", outcome(&r)));
    let r = sm.get_resource_policy().secret_id(name).send().await;
    steps.push((
        "get policy after delete",
        format!(
            "{} has-policy={}",
            outcome(&r),
            r.map(|o| o.resource_policy.is_some()).unwrap_or(false)
        ),
    ));

    let r = sm
        .delete_secret()
        .secret_id(name)
        .recovery_window_in_days(5)
        .send()
        .await;
    steps.push(("delete with a 5-day window", outcome(&r)));
    let r = sm
        .delete_secret()
        .secret_id(name)
        .recovery_window_in_days(7)
        .force_delete_without_recovery(true)
        .send()
        .await;
    steps.push(("delete with window and force", outcome(&r)));
    let r = sm
        .delete_secret()
        .secret_id(name)
        .recovery_window_in_days(7)
        .send()
        .await;
    steps.push((
        "delete with a 7-day window",
        format!(
            "{} has-date={}",
            outcome(&r),
            r.map(|o| o.deletion_date.is_some()).unwrap_or(false)
        ),
    ));
    let r = sm.get_secret_value().secret_id(name).send().await;
    steps.push(("get while pending deletion", outcome(&r)));
    let r = sm.describe_secret().secret_id(name).send().await;
    steps.push((
        "describe while pending deletion",
        format!(
            "{} deleted-date={}",
            outcome(&r),
            r.map(|o| o.deleted_date.is_some()).unwrap_or(false)
        ),
    ));
    let r = sm
        .list_secrets()
        .filters(
            Filter::builder()
                .key(FilterNameStringType::Name)
                .values(name)
                .build(),
        )
        .send()
        .await;
    steps.push((
        "list hides pending deletion",
        format!(
            "{} {}",
            outcome(&r),
            r.map(|o| o.secret_list().len()).unwrap_or(99)
        ),
    ));
    let r = sm.delete_secret().secret_id(name).send().await;
    steps.push(("delete again while pending", outcome(&r)));
    let r = sm.restore_secret().secret_id(name).send().await;
    steps.push(("restore", outcome(&r)));
    let r = sm.get_secret_value().secret_id(name).send().await;
    steps.push((
        "get after restore",
        format!(
            "{} {}",
            outcome(&r),
            r.map(|o| o.secret_string.unwrap_or_default())
                .unwrap_or_default()
        ),
    ));
    let r = sm
        .delete_secret()
        .secret_id(name)
        .force_delete_without_recovery(true)
        .send()
        .await;
    steps.push(("force delete", outcome(&r)));
    let r = sm.describe_secret().secret_id(name).send().await;
    steps.push(("describe after force delete", outcome(&r)));
    let r = sm
        .delete_secret()
        .secret_id("flowform/never-existed")
        .force_delete_without_recovery(true)
        .send()
        .await;
    steps.push(("force delete of a missing secret", outcome(&r)));
    let r = sm
        .get_secret_value()
        .secret_id("flowform/never-existed")
        .send()
        .await;
    steps.push(("get missing", outcome(&r)));
    steps
}

/// What moto gets wrong about pending deletion (the sandbox follows AWS; see the differential
/// test for the expected differences).
pub async fn secrets_pending_deletion(c: &Clients) -> Steps {
    let sm = &c.secrets;
    let mut steps: Steps = Vec::new();
    let name = "flowform/pending";
    let r = sm
        .create_secret()
        .name(name)
        .secret_string("v1")
        .send()
        .await;
    steps.push(("create", outcome(&r)));
    let r = sm
        .delete_secret()
        .secret_id(name)
        .recovery_window_in_days(7)
        .send()
        .await;
    steps.push(("delete", outcome(&r)));
    let r = sm
        .put_secret_value()
        .secret_id(name)
        .secret_string("v2")
        .send()
        .await;
    steps.push(("put while pending deletion", outcome(&r)));
    let r = sm
        .create_secret()
        .name(name)
        .secret_string("v3")
        .send()
        .await;
    steps.push(("create the name again while pending deletion", outcome(&r)));
    let r = sm
        .put_resource_policy()
        .secret_id(name)
        .resource_policy("not a policy")
        .send()
        .await;
    steps.push(("put policy while pending deletion", outcome(&r)));
    let r = sm.restore_secret().secret_id(name).send().await;
    steps.push(("restore", outcome(&r)));
    let r = sm
        .put_resource_policy()
        .secret_id(name)
        .resource_policy("this is not JSON")
        .send()
        .await;
    steps.push(("put a policy that is not JSON", outcome(&r)));
    steps
}

pub async fn secrets_pagination(c: &Clients) -> Steps {
    let sm = &c.secrets;
    let mut steps: Steps = Vec::new();
    for i in 0..5 {
        let r = sm
            .create_secret()
            .name(format!("flowform/page-{i}"))
            .secret_string("x")
            .send()
            .await;
        steps.push(("create", outcome(&r)));
    }
    let mut pages = 0;
    let mut seen = 0;
    let mut token: Option<String> = None;
    loop {
        let r = sm
            .list_secrets()
            .max_results(2)
            .filters(
                Filter::builder()
                    .key(FilterNameStringType::Name)
                    .values("flowform/page-")
                    .build(),
            )
            .set_next_token(token.clone())
            .send()
            .await;
        let Ok(page) = r else {
            steps.push(("list page", outcome(&r)));
            break;
        };
        pages += 1;
        seen += page.secret_list().len();
        token = page.next_token.filter(|t| !t.is_empty());
        if token.is_none() || pages > 10 {
            break;
        }
    }
    steps.push(("listed", format!("{seen} secrets")));
    steps
}

pub async fn kms_lifecycle(c: &Clients, account: &str) -> Steps {
    let kms = &c.kms;
    let mut steps: Steps = Vec::new();
    let created = kms
        .create_key()
        .description("flowform test key")
        .tags(
            KmsTag::builder()
                .tag_key("team")
                .tag_value("data")
                .build()
                .expect("tag"),
        )
        .send()
        .await;
    steps.push(("create key", outcome(&created)));
    let meta = created
        .ok()
        .and_then(|o| o.key_metadata)
        .expect("key metadata");
    let id = meta.key_id().to_owned();
    let arn = meta.arn().unwrap_or_default().to_owned();
    steps.push((
        "new key",
        format!(
            "{:?} {:?} {:?}",
            meta.key_state(),
            meta.key_usage(),
            meta.key_spec()
        ),
    ));

    let r = kms
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await;
    let default_ok = r.as_ref().map(|o| {
        let policy: serde_json::Value =
            serde_json::from_str(o.policy().unwrap_or("{}")).unwrap_or_default();
        policy["Statement"][0]["Principal"]["AWS"] == format!("arn:aws:iam::{account}:root")
            && policy["Statement"][0]["Action"] == "kms:*"
    });
    steps.push((
        "default key policy",
        format!(
            "{} root-has-kms:*={}",
            outcome(&r),
            default_ok.unwrap_or(false)
        ),
    ));

    for (step, key_id) in [
        ("describe by id", id.clone()),
        ("describe by arn", arn.clone()),
    ] {
        let r = kms.describe_key().key_id(key_id).send().await;
        steps.push((step, outcome(&r)));
    }
    let r = kms
        .describe_key()
        .key_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await;
    steps.push(("describe missing", outcome(&r)));

    let r = kms
        .create_alias()
        .alias_name("alias/flowform-test")
        .target_key_id(&id)
        .send()
        .await;
    steps.push(("create alias", outcome(&r)));
    let r = kms
        .create_alias()
        .alias_name("alias/flowform-test")
        .target_key_id(&id)
        .send()
        .await;
    steps.push(("create alias again", outcome(&r)));
    let r = kms
        .create_alias()
        .alias_name("no-prefix")
        .target_key_id(&id)
        .send()
        .await;
    steps.push(("create alias without prefix", outcome(&r)));
    let r = kms
        .create_alias()
        .alias_name("alias/aws/s3")
        .target_key_id(&id)
        .send()
        .await;
    steps.push(("create reserved alias", outcome(&r)));
    let r = kms
        .describe_key()
        .key_id("alias/flowform-test")
        .send()
        .await;
    steps.push((
        "describe by alias",
        format!(
            "{} same-key={}",
            outcome(&r),
            r.map(|o| o.key_metadata.map(|m| m.key_id).unwrap_or_default() == id)
                .unwrap_or(false)
        ),
    ));
    let alias_arn = format!(
        "arn:aws:kms:{}:{account}:alias/flowform-test",
        super::REGION
    );
    let r = kms.describe_key().key_id(alias_arn).send().await;
    steps.push(("describe by alias arn", outcome(&r)));
    let r = kms.list_aliases().key_id(&id).send().await;
    steps.push((
        "list aliases of the key",
        format!(
            "{} {}",
            outcome(&r),
            r.map(|o| o.aliases().len()).unwrap_or(0)
        ),
    ));
    let r = kms
        .delete_alias()
        .alias_name("alias/flowform-test")
        .send()
        .await;
    steps.push(("delete alias", outcome(&r)));
    let r = kms
        .delete_alias()
        .alias_name("alias/flowform-test")
        .send()
        .await;
    steps.push(("delete alias again", outcome(&r)));
    let r = kms
        .describe_key()
        .key_id("alias/flowform-test")
        .send()
        .await;
    steps.push(("describe by deleted alias", outcome(&r)));

    let r = kms
        .put_key_policy()
        .key_id(&id)
        .policy_name("default")
        .policy(super::appflow_key_policy(account))
        .send()
        .await;
    steps.push(("put key policy", outcome(&r)));
    let r = kms
        .get_key_policy()
        .key_id(&id)
        .policy_name("default")
        .send()
        .await;
    steps.push((
        "get key policy",
        format!(
            "{} has-appflow={}",
            outcome(&r),
            r.map(|o| o.policy().unwrap_or("").contains("appflow.amazonaws.com"))
                .unwrap_or(false)
        ),
    ));
    let r = kms
        .get_key_policy()
        .key_id(&id)
        .policy_name("other")
        .send()
        .await;
    steps.push(("get a policy that is not default", outcome(&r)));
    let r = kms.list_key_policies().key_id(&id).send().await;
    steps.push((
        "list key policies",
        format!(
            "{} {:?}",
            outcome(&r),
            r.map(|o| o.policy_names().to_vec()).unwrap_or_default()
        ),
    ));

    let r = kms
        .update_key_description()
        .key_id(&id)
        .description("renamed")
        .send()
        .await;
    steps.push(("update description", outcome(&r)));
    let r = kms.describe_key().key_id(&id).send().await;
    steps.push((
        "description",
        r.ok()
            .and_then(|o| o.key_metadata.and_then(|m| m.description))
            .unwrap_or_default(),
    ));
    let r = kms
        .tag_resource()
        .key_id(&id)
        .tags(
            KmsTag::builder()
                .tag_key("env")
                .tag_value("dev")
                .build()
                .expect("tag"),
        )
        .send()
        .await;
    steps.push(("tag", outcome(&r)));
    let r = kms
        .untag_resource()
        .key_id(&id)
        .tag_keys("team")
        .send()
        .await;
    steps.push(("untag", outcome(&r)));
    let r = kms.list_resource_tags().key_id(&id).send().await;
    let tags: Vec<String> = r
        .map(|o| {
            o.tags()
                .iter()
                .map(|t| format!("{}={}", t.tag_key(), t.tag_value()))
                .collect()
        })
        .unwrap_or_default();
    steps.push(("tags", tags.join(",")));

    let r = kms
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await;
    steps.push((
        "schedule deletion",
        format!(
            "{} has-date={}",
            outcome(&r),
            r.map(|o| o.deletion_date.is_some()).unwrap_or(false)
        ),
    ));
    let r = kms.describe_key().key_id(&id).send().await;
    steps.push((
        "state while pending",
        format!(
            "{:?}",
            r.ok()
                .and_then(|o| o.key_metadata.and_then(|m| m.key_state))
        ),
    ));
    let r = kms.cancel_key_deletion().key_id(&id).send().await;
    steps.push(("cancel deletion", outcome(&r)));
    let r = kms.describe_key().key_id(&id).send().await;
    let state = r
        .ok()
        .and_then(|o| o.key_metadata.and_then(|m| m.key_state));
    steps.push((
        "state after cancel",
        format!("{state:?} disabled={}", state == Some(KeyState::Disabled)),
    ));
    let r = kms.enable_key().key_id(&id).send().await;
    steps.push(("enable", outcome(&r)));
    steps
}

/// The key policy checks AWS makes and moto does not.
pub async fn kms_policy_checks(c: &Clients, account: &str) -> Steps {
    let kms = &c.kms;
    let mut steps: Steps = Vec::new();
    let id = kms
        .create_key()
        .send()
        .await
        .ok()
        .and_then(|o| o.key_metadata)
        .map(|m| m.key_id)
        .expect("a key");
    let r = kms
        .put_key_policy()
        .key_id(&id)
        .policy_name("default")
        .policy("this is not JSON")
        .send()
        .await;
    steps.push(("put a policy that is not JSON", outcome(&r)));
    let lockout = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "appflow.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*"}]})
    .to_string();
    let r = kms
        .put_key_policy()
        .key_id(&id)
        .policy_name("default")
        .policy(&lockout)
        .send()
        .await;
    steps.push(("put a policy that locks the account out", outcome(&r)));
    let r = kms
        .put_key_policy()
        .key_id(&id)
        .policy_name("default")
        .policy(&lockout)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await;
    steps.push(("put it with the safety check bypassed", outcome(&r)));
    let r = kms.create_key().policy(&lockout).send().await;
    steps.push(("create a key with a lockout policy", outcome(&r)));
    let r = kms
        .create_key()
        .policy(super::appflow_key_policy(account))
        .send()
        .await;
    steps.push(("create a key with a good policy", outcome(&r)));
    let r = kms
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(5)
        .send()
        .await;
    steps.push(("schedule deletion in 5 days", outcome(&r)));
    let r = kms
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(30)
        .send()
        .await;
    steps.push(("schedule deletion in 30 days", outcome(&r)));
    let r = kms
        .update_key_description()
        .key_id(&id)
        .description("x")
        .send()
        .await;
    steps.push(("update a key pending deletion", outcome(&r)));
    let r = kms
        .schedule_key_deletion()
        .key_id(&id)
        .pending_window_in_days(7)
        .send()
        .await;
    steps.push(("schedule deletion again", outcome(&r)));
    let r = kms.cancel_key_deletion().key_id(&id).send().await;
    steps.push(("cancel", outcome(&r)));
    let r = kms.cancel_key_deletion().key_id(&id).send().await;
    steps.push(("cancel again", outcome(&r)));
    steps
}
