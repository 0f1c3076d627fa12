//! Amazon AppFlow connector profiles (restJson1: `POST /create-connector-profile` and friends).
//!
//! `shapes` reads the model extract every connector's shapes come from, `validate` checks
//! requests against them,
//! `client_credentials` runs the permission check AppFlow makes on a connected app's secret, and
//! `operations` implements Create/Update/Delete/DescribeConnectorProfiles on top.

pub mod client_credentials;
pub mod model;
mod operations;
pub mod shapes;
pub mod validate;

use crate::input::parse_body;
use crate::protocol::{ApiError, ApiResult};
use crate::rng::Rng;
use crate::server::{Context, Reply};
use crate::store::RegionState;

/// The operation a restJson1 path names.
pub fn operation_for_path(path: &str) -> Option<&'static str> {
    match path.trim_end_matches('/') {
        "/create-connector-profile" => Some("CreateConnectorProfile"),
        "/update-connector-profile" => Some("UpdateConnectorProfile"),
        "/delete-connector-profile" => Some("DeleteConnectorProfile"),
        "/describe-connector-profiles" => Some("DescribeConnectorProfiles"),
        _ => None,
    }
}

pub fn handle(
    operation: &str,
    body: &[u8],
    ctx: &mut Context<'_>,
    region: &mut RegionState,
    rng: &mut Rng,
) -> ApiResult<Reply> {
    let input = parse_body(body).map_err(|e| ApiError::validation(e.message))?;
    operations::forget_expired_tokens(region, ctx);
    let output = match operation {
        "CreateConnectorProfile" => operations::create(&input, ctx, region, rng)?,
        "UpdateConnectorProfile" => operations::update(&input, ctx, region, rng)?,
        "DeleteConnectorProfile" => operations::delete(&input, ctx, region)?,
        "DescribeConnectorProfiles" => operations::describe(&input, region)?,
        other => {
            return Err(ApiError::new(
                404,
                "UnknownOperationException",
                format!("The sandbox does not implement AppFlow {other}."),
            ));
        }
    };
    Ok(Reply::Json(output))
}
