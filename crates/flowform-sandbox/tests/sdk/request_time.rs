//! What AWS checks from the headers alone, the sandbox checks before reading the body: a
//! request signed more than 15 minutes ago (or ahead) is refused in each service's words, and
//! a body larger than the sandbox reads is refused at once from its Content-Length.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::HandSigned;

const MINUTE: i64 = 60;

/// One request per protocol: service in the scope, path, target, body, and the status and
/// code AWS answers when the date is refused.
type Case = (
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    u16,
    &'static str,
);

fn each_protocol() -> [Case; 4] {
    [
        (
            "appflow",
            "/describe-connector-profiles",
            None,
            "{}",
            403,
            "InvalidSignatureException",
        ),
        (
            "secretsmanager",
            "/",
            Some("secretsmanager.ListSecrets"),
            "{}",
            400,
            "InvalidSignatureException",
        ),
        (
            "kms",
            "/",
            Some("TrentService.ListKeys"),
            "{}",
            400,
            "InvalidSignatureException",
        ),
        (
            "sts",
            "/",
            None,
            "Action=GetCallerIdentity&Version=2011-06-15",
            403,
            "SignatureDoesNotMatch",
        ),
    ]
}

async fn sandbox() -> flowform_sandbox::RunningSandbox {
    flowform_sandbox::start(flowform_sandbox::SandboxConfig::default())
        .await
        .expect("start")
}

#[tokio::test]
async fn a_request_signed_sixteen_minutes_ago_is_refused_as_aws_refuses_it() {
    let sandbox = sandbox().await;
    let endpoint = sandbox.endpoint();
    for (service, path, target, body, status, code) in each_protocol() {
        let request = HandSigned::new(&endpoint, service, path, target, body, 16 * MINUTE);
        let (got, headers, text) = request.send(&endpoint).await;
        assert_eq!(got, status, "{service}: {text}");
        let coded = text.contains(code)
            || headers
                .iter()
                .any(|(k, v)| k == "x-amzn-errortype" && v.starts_with(code));
        assert!(coded, "{service}: {headers:?} {text}");
        assert!(text.contains("Signature expired: "), "{service}: {text}");
        assert!(text.contains(" - 15 min.)"), "{service}: {text}");
    }
}

#[tokio::test]
async fn a_request_signed_fourteen_minutes_ago_is_accepted() {
    let sandbox = sandbox().await;
    let endpoint = sandbox.endpoint();
    for (service, path, target, body, _, _) in each_protocol() {
        let request = HandSigned::new(&endpoint, service, path, target, body, 14 * MINUTE);
        let (status, _, text) = request.send(&endpoint).await;
        assert_eq!(status, 200, "{service}: {text}");
    }
}

#[tokio::test]
async fn a_request_dated_sixteen_minutes_ahead_is_refused() {
    let sandbox = sandbox().await;
    let endpoint = sandbox.endpoint();
    for (service, path, target, body, status, _) in each_protocol() {
        let request = HandSigned::new(&endpoint, service, path, target, body, -16 * MINUTE);
        let (got, _, text) = request.send(&endpoint).await;
        assert_eq!(got, status, "{service}: {text}");
        assert!(
            text.contains("Signature not yet current: "),
            "{service}: {text}"
        );
        assert!(text.contains(" + 15 min.)"), "{service}: {text}");
    }
}

/// The headers claim 100 MB and only a few bytes follow: the sandbox answers from the header,
/// at once, instead of waiting for (or buffering) a body it would refuse anyway.
#[tokio::test]
async fn a_huge_content_length_is_refused_before_the_body_is_read() {
    let sandbox = sandbox().await;
    let endpoint = sandbox.endpoint();
    let signed = HandSigned::new(
        &endpoint,
        "kms",
        "/",
        Some("TrentService.ListKeys"),
        "{}",
        0,
    );
    let address = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    let mut head = format!("POST / HTTP/1.1\r\nHost: {address}\r\nContent-Length: 104857600\r\n");
    for (name, value) in &signed.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n{}");
    stream.write_all(head.as_bytes()).await.expect("send");
    // The write side stays open: a server that waited for the body would never answer.
    let mut response = vec![0u8; 4096];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut response))
        .await
        .expect("answered within 5 s, without waiting for the body")
        .expect("read");
    let text = String::from_utf8_lossy(&response[..read]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}
