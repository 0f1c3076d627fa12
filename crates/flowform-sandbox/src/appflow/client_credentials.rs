//! The check AppFlow makes before it accepts a Salesforce or Pardot profile that names a
//! connected app's client credentials by `clientCredentialsArn`: AppFlow itself must be able to
//! read that secret (its resource policy) and decrypt it (the key policy of a customer managed
//! key). Anything short of that is refused with the one message AWS gives for all of it.

use crate::iam_policy::{self, Principal, Request};
use crate::kms;
use crate::kms::model::KeyState;
use crate::protocol::ApiError;
use crate::secretsmanager;
use crate::server::Context;
use crate::store::RegionState;

pub const MESSAGE: &str = "Please validate the ClientCredentialsArn provided and please make sure Appflow has required permissions";

const APPFLOW: &str = "appflow.amazonaws.com";

/// The key Secrets Manager uses when a secret names none; its policy is AWS's, not the user's.
fn is_aws_managed(key_id: &str) -> bool {
    key_id == "alias/aws/secretsmanager" || key_id.ends_with(":alias/aws/secretsmanager")
}

pub fn check(
    arn: &str,
    profile_arn: &str,
    ctx: &Context<'_>,
    region: &RegionState,
) -> Result<(), ApiError> {
    let refused = || ApiError::validation(MESSAGE);
    let context = [
        ("aws:SourceAccount", ctx.account),
        ("aws:SourceArn", profile_arn),
    ];

    let secret = secretsmanager::resolve(&region.secretsmanager, arn).ok_or_else(refused)?;
    if secret.is_pending_deletion() {
        return Err(refused());
    }
    let policy = secret
        .policy
        .as_deref()
        .and_then(|p| iam_policy::parse(p).ok())
        .ok_or_else(refused)?;
    let read = Request {
        principal: Principal::Service(APPFLOW),
        action: "secretsmanager:GetSecretValue",
        resource: &secret.arn,
        context: &context,
    };
    if !iam_policy::allows(&policy, &read) {
        return Err(refused());
    }

    let Some(key_id) = secret.kms_key_id.as_deref().filter(|k| !is_aws_managed(k)) else {
        return Ok(());
    };
    let key = kms::find_key(ctx, &region.kms, key_id).ok_or_else(refused)?;
    if key.state != KeyState::Enabled {
        return Err(refused());
    }
    let key_policy = iam_policy::parse(&key.policy).map_err(|_| refused())?;
    let decrypt = Request {
        principal: Principal::Service(APPFLOW),
        action: "kms:Decrypt",
        resource: &key.arn,
        context: &context,
    };
    if iam_policy::allows(&key_policy, &decrypt) {
        Ok(())
    } else {
        Err(refused())
    }
}
