//! Key policies: the default one AWS gives a new key, and the checks PutKeyPolicy/CreateKey run
//! before accepting one.

use serde_json::{Map, Value, json};

use super::model::KmsRegion;
use super::{key, key_id_of, key_mut, not_found};
use crate::iam_policy::{self, Principal, Request};
use crate::input::Fields;
use crate::protocol::{ApiError, ApiResult};
use crate::server::Context;

/// AWS's limit on a key policy document, in bytes.
pub const MAX_POLICY_BYTES: usize = 32 * 1024;

/// The policy AWS attaches to a key created without one: the account may do anything with it,
/// and IAM policies decide the rest.
pub fn default_policy(account: &str) -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {{
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "arn:aws:iam::{account}:root"
    }},
    "Action" : "kms:*",
    "Resource" : "*"
  }} ]
}}"#
    )
}

fn malformed(message: &str) -> ApiError {
    ApiError::client("MalformedPolicyDocumentException", message)
}

/// Checks a key policy as KMS does. Unless `bypass_lockout_check`, the policy must still let the
/// account (whose root the sandbox's caller is) call PutKeyPolicy, or the key could never be
/// managed again.
pub fn check(policy: &str, account: &str, bypass_lockout_check: bool) -> Result<(), ApiError> {
    if policy.len() > MAX_POLICY_BYTES {
        return Err(malformed(
            "The key policy exceeds the maximum size of 32768 bytes.",
        ));
    }
    let document = iam_policy::parse(policy)
        .map_err(|e| malformed(&format!("The key policy is malformed: {e}.")))?;
    if bypass_lockout_check {
        return Ok(());
    }
    let root = format!("arn:aws:iam::{account}:root");
    let request = Request {
        principal: Principal::Aws {
            arn: &root,
            account,
        },
        action: "kms:PutKeyPolicy",
        resource: "*",
        context: &[],
    };
    if iam_policy::allows(&document, &request) {
        Ok(())
    } else {
        Err(malformed(
            "The new key policy will not allow you to update the key policy in the future.",
        ))
    }
}

pub(super) fn policy_name(fields: &Fields<'_>) -> ApiResult<()> {
    match fields.opt_str("PolicyName")? {
        None | Some("default") => Ok(()),
        Some(_) => Err(not_found("No such policy exists")),
    }
}

pub(super) fn get_key_policy(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let key_id = fields.req_str("KeyId")?;
    policy_name(&fields)?;
    let id = key_id_of(ctx, kms, key_id)?;
    Ok(json!({"Policy": key(kms, &id)?.policy, "PolicyName": "default"}))
}

pub(super) fn put_key_policy(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let key_id = fields.req_str("KeyId")?;
    let policy = fields.req_str("Policy")?;
    policy_name(&fields)?;
    let bypass = fields
        .opt_bool("BypassPolicyLockoutSafetyCheck")?
        .unwrap_or(false);
    let id = key_id_of(ctx, kms, key_id)?;
    check(policy, ctx.account, bypass)?;
    key_mut(kms, &id)?.policy = policy.to_owned();
    ctx.mutated = true;
    Ok(json!({}))
}

pub(super) fn list_key_policies(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let key_id = Fields::new(input).req_str("KeyId")?;
    key_id_of(ctx, kms, key_id)?;
    Ok(json!({"PolicyNames": ["default"], "Truncated": false}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_passes_its_own_check() {
        assert!(check(&default_policy("123456789012"), "123456789012", false).is_ok());
    }

    #[test]
    fn lockout_is_refused_unless_bypassed() {
        let appflow_only = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"appflow.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}"#;
        let err = check(appflow_only, "123456789012", false).unwrap_err();
        assert_eq!(err.code, "MalformedPolicyDocumentException");
        assert!(
            err.message
                .contains("will not allow you to update the key policy")
        );
        assert!(check(appflow_only, "123456789012", true).is_ok());
    }

    #[test]
    fn garbage_and_oversize_are_malformed() {
        assert_eq!(
            check("nope", "1", true).unwrap_err().code,
            "MalformedPolicyDocumentException"
        );
        let big = format!(
            r#"{{"Statement":[],"Pad":"{}"}}"#,
            "x".repeat(MAX_POLICY_BYTES)
        );
        assert!(
            check(&big, "1", true)
                .unwrap_err()
                .message
                .contains("32768")
        );
    }
}
