//! STS GetCallerIdentity: the one STS call tools make to learn which account they talk to.

use crate::protocol::{ApiError, ApiResult, xml_escape};
use crate::server::{Context, Reply};

/// The `Action` of a form-encoded awsQuery body, if it is one.
pub fn action(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(key, _)| key == "Action")
        .map(|(_, value)| value.into_owned())
}

pub fn handle(operation: &str, ctx: &Context<'_>) -> ApiResult<Reply> {
    match operation {
        "GetCallerIdentity" => Ok(Reply::Xml(get_caller_identity(ctx.account))),
        other => Err(ApiError::client(
            "InvalidAction",
            format!("Could not find operation {other} for version 2011-06-15"),
        )),
    }
}

fn get_caller_identity(account: &str) -> String {
    let account = xml_escape(account);
    format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::{account}:root</Arn><UserId>{account}</UserId><Account>{account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        crate::protocol::request_id()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_action() {
        assert_eq!(
            action(b"Action=GetCallerIdentity&Version=2011-06-15").as_deref(),
            Some("GetCallerIdentity")
        );
        assert_eq!(action(b"Version=2011-06-15"), None);
    }
}
