//! The small part of S3 that flowform's s3 backend uses: CreateBucket, Get/PutBucketVersioning,
//! ListObjectsV2, DeleteObjects (the folded journal's segments), and Get/Head/Put/DeleteObject
//! with the conditional writes that make the lock
//! and the state safe (`If-None-Match: *`, `If-Match: ETAG` on PutObject and DeleteObject,
//! answered with 412 PreconditionFailed as S3 answers them).
//!
//! S3 speaks REST-XML: the operation is the method plus whether the path names a bucket or an
//! object plus a few query parameters; errors are an XML `<Error>` document (no body for HEAD).
//! Path-style addressing only (`/BUCKET/KEY`), which is what an SDK uses with a custom endpoint
//! and `force_path_style`. Buckets are one namespace across regions, as in AWS.
//!
//! Versioning, when enabled, keeps every replaced object and puts a delete marker where one is
//! deleted, as S3 does: GetObject `?versionId=` reads an old version and ListObjectVersions
//! (`?versions`, one page, no markers) lists them, so a test can recover a replaced state.
//!
//! Decisions where the sandbox is simpler than S3: no DeleteObject of a specific version, no
//! pagination of versions, no suspended state (a bucket keeps versions or it does not); object
//! bodies are kept base64 in the data file; SSE-KMS headers are accepted and echoed, not
//! applied.

use axum::http::{HeaderMap, Method};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

use crate::protocol::{ApiError, ApiResult, xml_escape};
use crate::server::{Context, Reply};
use crate::store::Table;

/// Every bucket, by name.
pub type Buckets = Table<Bucket>;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Bucket {
    pub region: String,
    #[serde(default)]
    pub versioning: bool,
    /// Saved as records of their own (see `data_log`), not inside the bucket's record; read
    /// from old data files, which kept them here.
    #[serde(default, skip_serializing)]
    pub objects: Table<Object>,
    /// With versioning: the versions each key had before its current one (replaced objects and
    /// delete markers), oldest first.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub noncurrent: BTreeMap<String, Vec<Object>>,
    /// The number of the last version id given out.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub last_version: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Bucket {
    /// With versioning on, keeps the current version of `key` (if any) as a noncurrent one,
    /// and with `marker` puts a delete marker on top; returns the marker's version id. Without
    /// versioning, does nothing (the caller replaces or removes the object).
    fn retire(&mut self, key: &str, now: f64, marker: bool) -> Option<String> {
        if !self.versioning {
            return None;
        }
        let old = self.noncurrent.entry(key.to_owned()).or_default();
        if let Some(current) = self.objects.remove(key) {
            old.push(current);
        }
        if !marker {
            return None;
        }
        self.last_version += 1;
        let id = version_id(self.last_version);
        old.push(Object {
            body: String::new(),
            etag: String::new(),
            last_modified: now,
            sse_kms_key_id: None,
            version_id: Some(id.clone()),
            delete_marker: true,
        });
        Some(id)
    }

    fn next_version(&mut self) -> Option<String> {
        self.versioning.then(|| {
            self.last_version += 1;
            version_id(self.last_version)
        })
    }
}

/// An opaque-looking version id that sorts as it was given out.
fn version_id(n: u64) -> String {
    format!("v{n:016}")
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Object {
    /// base64 of the bytes.
    pub body: String,
    /// Quoted, as S3 sends it.
    pub etag: String,
    pub last_modified: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sse_kms_key_id: Option<String>,
    /// Given when the bucket keeps versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// A delete marker (only among a key's noncurrent versions).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete_marker: bool,
}

/// The S3 operation a request is for, from its method, path and query.
pub fn operation(method: &Method, path: &str, query: Option<&str>) -> Option<&'static str> {
    let (_, key) = split_path(path);
    let has = |name: &str| {
        query
            .unwrap_or("")
            .split('&')
            .any(|p| p == name || p.starts_with(&format!("{name}=")))
    };
    Some(match (method.as_str(), key.is_empty()) {
        ("PUT", true) if has("versioning") => "PutBucketVersioning",
        ("GET", true) if has("versioning") => "GetBucketVersioning",
        ("GET", true) if has("versions") => "ListObjectVersions",
        ("PUT", true) => "CreateBucket",
        ("GET", true) if has("list-type") => "ListObjectsV2",
        ("HEAD", true) => "HeadBucket",
        ("GET", false) => "GetObject",
        ("HEAD", false) => "HeadObject",
        ("PUT", false) => "PutObject",
        ("DELETE", false) => "DeleteObject",
        ("POST", true) if has("delete") => "DeleteObjects",
        _ => return None,
    })
}

/// `/bucket/a/b` → (`bucket`, `a/b`), percent-decoded.
fn split_path(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    let (bucket, key) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    (decode(bucket), decode(key))
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len() + 1
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The request, as the S3 handler needs it.
pub struct Request<'a> {
    pub operation: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

pub fn handle(
    request: &Request<'_>,
    ctx: &mut Context<'_>,
    buckets: &mut Buckets,
) -> ApiResult<Reply> {
    let (bucket_name, key) = split_path(request.path);
    if request.operation == "CreateBucket" {
        if let Some(existing) = buckets.get(&bucket_name) {
            let _ = existing;
            return Err(ApiError::new(
                409,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            ));
        }
        buckets.insert(
            bucket_name.clone(),
            Bucket {
                region: ctx.region.to_owned(),
                ..Bucket::default()
            },
        );
        ctx.mutated = true;
        return Ok(ok(
            200,
            vec![("location".into(), format!("/{bucket_name}"))],
            Vec::new(),
        ));
    }
    let Some(bucket) = buckets.get_mut(&bucket_name) else {
        return Err(ApiError::new(
            404,
            "NoSuchBucket",
            format!("The specified bucket does not exist: {bucket_name}"),
        ));
    };
    match request.operation {
        "HeadBucket" => Ok(ok(200, Vec::new(), Vec::new())),
        "GetBucketVersioning" => {
            let status = if bucket.versioning {
                "<Status>Enabled</Status>"
            } else {
                ""
            };
            Ok(xml(format!(
                "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{status}</VersioningConfiguration>"
            )))
        }
        "PutBucketVersioning" => {
            let text = String::from_utf8_lossy(request.body);
            bucket.versioning = text.contains("<Status>Enabled</Status>");
            ctx.mutated = true;
            Ok(ok(200, Vec::new(), Vec::new()))
        }
        "ListObjectsV2" => Ok(list(request, &bucket_name, bucket)),
        "ListObjectVersions" => Ok(list_versions(request, &bucket_name, bucket)),
        "GetObject" | "HeadObject" => {
            let wanted = query_value(request.query, "versionId");
            let found = match &wanted {
                None => bucket.objects.get(&key),
                Some(id) => bucket
                    .objects
                    .get(&key)
                    .into_iter()
                    .chain(bucket.noncurrent.get(&key).into_iter().flatten())
                    .find(|o| o.version_id.as_deref() == Some(id) && !o.delete_marker),
            };
            let Some(object) = found else {
                return Err(match wanted {
                    None => ApiError::new(404, "NoSuchKey", "The specified key does not exist."),
                    Some(_) => ApiError::new(
                        404,
                        "NoSuchVersion",
                        "The specified version does not exist.",
                    ),
                });
            };
            let bytes = BASE64.decode(object.body.as_bytes()).unwrap_or_default();
            let mut headers = vec![
                ("etag".into(), object.etag.clone()),
                ("content-type".into(), "application/octet-stream".into()),
                ("last-modified".into(), http_date(object.last_modified)),
            ];
            if let Some(kms) = &object.sse_kms_key_id {
                headers.push(("x-amz-server-side-encryption".into(), "aws:kms".into()));
                headers.push((
                    "x-amz-server-side-encryption-aws-kms-key-id".into(),
                    kms.clone(),
                ));
            }
            if let Some(id) = &object.version_id {
                headers.push(("x-amz-version-id".into(), id.clone()));
            }
            if request.operation == "HeadObject" {
                headers.push(("content-length".into(), bytes.len().to_string()));
                return Ok(ok(200, headers, Vec::new()));
            }
            Ok(ok(200, headers, bytes))
        }
        "PutObject" => {
            let existing = bucket.objects.get(&key);
            if let Some(expected) = header(request.headers, "if-match") {
                let matches = existing.is_some_and(|o| same_etag(&o.etag, &expected));
                if !matches {
                    return Err(precondition_failed("If-Match"));
                }
            }
            if let Some(none) = header(request.headers, "if-none-match")
                && none.trim() == "*"
                && existing.is_some()
            {
                return Err(precondition_failed("If-None-Match"));
            }
            let etag = format!(
                "\"{}\"",
                hex(&Sha256::digest(request.body))[..32].to_owned()
            );
            let sse_kms_key_id = (header(request.headers, "x-amz-server-side-encryption")
                .as_deref()
                == Some("aws:kms"))
            .then(|| {
                header(
                    request.headers,
                    "x-amz-server-side-encryption-aws-kms-key-id",
                )
                .unwrap_or_else(|| "aws/s3".into())
            });
            let mut headers = vec![("etag".into(), etag.clone())];
            if let Some(kms) = &sse_kms_key_id {
                headers.push(("x-amz-server-side-encryption".into(), "aws:kms".into()));
                headers.push((
                    "x-amz-server-side-encryption-aws-kms-key-id".into(),
                    kms.clone(),
                ));
            }
            bucket.retire(&key, ctx.now, false);
            let version_id = bucket.next_version();
            if let Some(id) = &version_id {
                headers.push(("x-amz-version-id".into(), id.clone()));
            }
            bucket.objects.insert(
                key,
                Object {
                    body: BASE64.encode(request.body),
                    etag,
                    last_modified: ctx.now,
                    sse_kms_key_id,
                    version_id,
                    delete_marker: false,
                },
            );
            ctx.mutated = true;
            Ok(ok(200, headers, Vec::new()))
        }
        "DeleteObjects" => {
            // The keys of `<Delete><Object><Key>K</Key></Object>...</Delete>`; every one is
            // deleted (a missing key counts as deleted, as in S3), and reported unless quiet.
            let text = String::from_utf8_lossy(request.body);
            let quiet = text.contains("<Quiet>true</Quiet>");
            let mut deleted = String::new();
            for piece in text.split("<Key>").skip(1) {
                let Some((key, _)) = piece.split_once("</Key>") else {
                    continue;
                };
                let key = xml_unescape(key);
                if bucket.objects.contains_key(&key) {
                    bucket.retire(&key, ctx.now, true);
                    bucket.objects.remove(&key);
                    ctx.mutated = true;
                }
                if !quiet {
                    deleted.push_str(&format!(
                        "<Deleted><Key>{}</Key></Deleted>",
                        xml_escape(&key)
                    ));
                }
            }
            Ok(xml(format!(
                "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{deleted}</DeleteResult>"
            )))
        }
        "DeleteObject" if query_value(request.query, "versionId").is_some() => Err(ApiError::new(
            501,
            "NotImplemented",
            "The sandbox does not delete a specific object version.",
        )),
        "DeleteObject" => {
            // Conditional delete, as S3 answers it: 404 when there is nothing to match, 412
            // when the object is another version (a lock taken over by someone else).
            if let Some(expected) = header(request.headers, "if-match") {
                match bucket.objects.get(&key) {
                    None => {
                        return Err(ApiError::new(
                            404,
                            "NoSuchKey",
                            "The specified key does not exist.",
                        ));
                    }
                    Some(object) if !same_etag(&object.etag, &expected) => {
                        return Err(precondition_failed("If-Match"));
                    }
                    Some(_) => {}
                }
            }
            let mut headers = Vec::new();
            if bucket.objects.contains_key(&key) {
                if let Some(marker) = bucket.retire(&key, ctx.now, true) {
                    headers.push(("x-amz-delete-marker".into(), "true".into()));
                    headers.push(("x-amz-version-id".into(), marker));
                }
                bucket.objects.remove(&key);
                ctx.mutated = true;
            }
            Ok(ok(204, headers, Vec::new()))
        }
        other => Err(ApiError::new(
            501,
            "NotImplemented",
            format!("The sandbox does not implement the S3 operation {other}."),
        )),
    }
}

fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn same_etag(stored: &str, given: &str) -> bool {
    given
        .split(',')
        .map(|e| e.trim().trim_matches('"'))
        .any(|e| e == "*" || e == stored.trim_matches('"'))
}

fn precondition_failed(condition: &str) -> ApiError {
    ApiError::new(
        412,
        "PreconditionFailed",
        format!("At least one of the pre-conditions you specified did not hold ({condition})."),
    )
}

fn list(request: &Request<'_>, name: &str, bucket: &Bucket) -> Reply {
    let prefix = query_value(request.query, "prefix").unwrap_or_default();
    let max_keys = query_value(request.query, "max-keys")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(1000)
        .clamp(1, 1000);
    let after = query_value(request.query, "continuation-token")
        .or_else(|| query_value(request.query, "start-after"))
        .unwrap_or_default();
    let matching: Vec<(&String, &Object)> = bucket
        .objects
        .range(after.clone()..)
        .filter(|(k, _)| **k != after && k.starts_with(&prefix))
        .take(max_keys + 1)
        .collect();
    let truncated = matching.len() > max_keys;
    let page = &matching[..matching.len().min(max_keys)];
    let mut contents = String::new();
    for (key, object) in page {
        let size = BASE64
            .decode(object.body.as_bytes())
            .map(|b| b.len())
            .unwrap_or(0);
        contents.push_str(&format!(
            "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Contents>",
            xml_escape(key),
            iso_date(object.last_modified),
            xml_escape(&object.etag)
        ));
    }
    let next = match (truncated, page.last()) {
        (true, Some((last, _))) => format!(
            "<NextContinuationToken>{}</NextContinuationToken>",
            xml_escape(last)
        ),
        _ => String::new(),
    };
    xml(format!(
        "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>{}</Name><Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{max_keys}</MaxKeys><IsTruncated>{truncated}</IsTruncated>{contents}{next}</ListBucketResult>",
        xml_escape(name),
        xml_escape(&prefix),
        page.len()
    ))
}

/// ListObjectVersions, a subset: every version of every key under `prefix` in one page (no
/// markers or max-keys), newest first per key, delete markers included.
fn list_versions(request: &Request<'_>, name: &str, bucket: &Bucket) -> Reply {
    let prefix = query_value(request.query, "prefix").unwrap_or_default();
    let mut keys: Vec<&String> = bucket
        .objects
        .keys()
        .chain(bucket.noncurrent.keys())
        .filter(|k| k.starts_with(&prefix))
        .collect();
    keys.sort();
    keys.dedup();
    let mut entries = String::new();
    for key in keys {
        let current = bucket.objects.get(key).into_iter();
        let older = bucket
            .noncurrent
            .get(key)
            .into_iter()
            .flat_map(|v| v.iter().rev());
        for (index, object) in current.chain(older).enumerate() {
            // The newest is the latest: the current object, else the delete marker on top.
            let latest = index == 0 && (bucket.objects.contains_key(key) || object.delete_marker);
            let id = object.version_id.as_deref().unwrap_or("null");
            let common = format!(
                "<Key>{}</Key><VersionId>{}</VersionId><IsLatest>{latest}</IsLatest><LastModified>{}</LastModified>",
                xml_escape(key),
                xml_escape(id),
                iso_date(object.last_modified)
            );
            if object.delete_marker {
                entries.push_str(&format!("<DeleteMarker>{common}</DeleteMarker>"));
            } else {
                let size = BASE64
                    .decode(object.body.as_bytes())
                    .map(|b| b.len())
                    .unwrap_or(0);
                entries.push_str(&format!(
                    "<Version>{common}<ETag>{}</ETag><Size>{size}</Size><StorageClass>STANDARD</StorageClass></Version>",
                    xml_escape(&object.etag)
                ));
            }
        }
    }
    xml(format!(
        "<ListVersionsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>{}</Name><Prefix>{}</Prefix><IsTruncated>false</IsTruncated>{entries}</ListVersionsResult>",
        xml_escape(name),
        xml_escape(&prefix)
    ))
}

fn ok(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> Reply {
    Reply::Http {
        status,
        headers,
        body,
    }
}

fn xml(document: String) -> Reply {
    ok(
        200,
        vec![("content-type".into(), "application/xml".into())],
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{document}").into_bytes(),
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `2026-11-23T15:04:05.000Z`.
fn iso_date(epoch: f64) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.000Z")
}

/// `Mon, 23 Nov 2026 15:04:05 GMT`.
fn http_date(epoch: f64) -> String {
    let (y, mo, d, h, mi, s) = civil(epoch);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let weekday = DAYS[((epoch.max(0.0) as u64 / 86_400) % 7) as usize];
    let month = MONTHS[(mo as usize).saturating_sub(1).min(11)];
    format!("{weekday}, {d:02} {month} {y:04} {h:02}:{mi:02}:{s:02} GMT")
}

fn civil(epoch: f64) -> (i64, u32, u32, u64, u64, u64) {
    let seconds = epoch.max(0.0) as u64;
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_from_the_request_line() {
        let op = |m: Method, p: &str, q: Option<&str>| operation(&m, p, q);
        assert_eq!(op(Method::PUT, "/b", None), Some("CreateBucket"));
        assert_eq!(
            op(Method::GET, "/b", Some("versioning")),
            Some("GetBucketVersioning")
        );
        assert_eq!(
            op(Method::GET, "/b", Some("list-type=2&prefix=a")),
            Some("ListObjectsV2")
        );
        assert_eq!(op(Method::PUT, "/b/a/k.json", None), Some("PutObject"));
        assert_eq!(
            op(Method::DELETE, "/b/k", Some("x-id=DeleteObject")),
            Some("DeleteObject")
        );
        assert_eq!(op(Method::POST, "/b/k", None), None);
        assert_eq!(
            op(Method::POST, "/b", Some("delete")),
            Some("DeleteObjects")
        );
    }

    #[test]
    fn dates() {
        assert_eq!(iso_date(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(http_date(0.0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }

    #[test]
    fn paths_are_decoded() {
        assert_eq!(split_path("/b/env/x%2Fy"), ("b".into(), "env/x/y".into()));
    }
}
