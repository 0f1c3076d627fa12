//! A key's states: enabled, disabled, and pending deletion, which can still be cancelled
//! (leaving the key disabled, as AWS does).

use serde_json::{Map, Value, json};

use super::model::{KeyState, KmsRegion};
use super::{invalid_state, key_id_of, key_mut, usable_key};
use crate::input::{Fields, validation_errors};
use crate::protocol::ApiResult;
use crate::server::Context;

pub(super) fn schedule_key_deletion(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let days = fields.opt_i64("PendingWindowInDays")?.unwrap_or(30);
    if !(7..=30).contains(&days) {
        let bound = if days < 7 {
            "greater than or equal to 7"
        } else {
            "less than or equal to 30"
        };
        return Err(validation_errors(&[format!(
            "Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value {bound}"
        )]));
    }
    let key = usable_key(&fields, ctx, kms)?;
    let deletion_date = ctx.now + days as f64 * 86_400.0;
    key.state = KeyState::PendingDeletion;
    key.deletion_date = Some(deletion_date);
    key.pending_window_days = Some(days);
    let answer = json!({"KeyId": key.arn, "DeletionDate": deletion_date, "KeyState": "PendingDeletion", "PendingWindowInDays": days});
    kms.purge.note(deletion_date);
    ctx.mutated = true;
    Ok(answer)
}

pub(super) fn cancel_key_deletion(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
) -> ApiResult<Value> {
    let key_id = Fields::new(input).req_str("KeyId")?;
    let id = key_id_of(ctx, kms, key_id)?;
    let key = key_mut(kms, &id)?;
    if key.state != KeyState::PendingDeletion {
        return Err(invalid_state(key));
    }
    // AWS leaves a key whose deletion was cancelled disabled, to be enabled on purpose.
    key.state = KeyState::Disabled;
    key.deletion_date = None;
    key.pending_window_days = None;
    ctx.mutated = true;
    Ok(json!({"KeyId": key.arn}))
}

pub(super) fn set_enabled(
    input: &Map<String, Value>,
    ctx: &mut Context<'_>,
    kms: &mut KmsRegion,
    enabled: bool,
) -> ApiResult<Value> {
    let fields = Fields::new(input);
    let key = usable_key(&fields, ctx, kms)?;
    key.state = if enabled {
        KeyState::Enabled
    } else {
        KeyState::Disabled
    };
    ctx.mutated = true;
    Ok(json!({}))
}
