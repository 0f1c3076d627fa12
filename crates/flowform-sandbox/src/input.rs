//! Reading request members out of a JSON body without panicking on whatever a client sends.
//!
//! A missing required member or a member of the wrong JSON type is answered the way AWS's
//! front end answers it: `ValidationException` with the "1 validation error detected" sentence.

use serde_json::{Map, Value};

use crate::protocol::{ApiError, ApiResult};

/// The request body as an object; an empty body counts as `{}` (the SDKs send `{}` anyway).
pub fn parse_body(body: &[u8]) -> ApiResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::client(
            "SerializationException",
            "The request body must be a JSON object.",
        )),
        Err(_) => Err(ApiError::client(
            "SerializationException",
            "The request body is not valid JSON.",
        )),
    }
}

/// `1 validation error detected: ...`, AWS's sentence for one or more broken constraints.
pub fn validation_errors(violations: &[String]) -> ApiError {
    let count = violations.len();
    let noun = if count == 1 { "error" } else { "errors" };
    ApiError::validation(format!(
        "{count} validation {noun} detected: {}",
        violations.join("; ")
    ))
}

pub fn not_null(path: &str) -> String {
    format!("Value null at '{path}' failed to satisfy constraint: Member must not be null")
}

/// Typed access to one JSON object's members, naming the member in errors.
pub struct Fields<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Fields<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Self {
        Fields { map }
    }

    fn present(&self, name: &str) -> Option<&'a Value> {
        self.map.get(name).filter(|v| !v.is_null())
    }

    fn wrong_type(name: &str, expected: &str) -> ApiError {
        ApiError::client(
            "SerializationException",
            format!("The member '{name}' must be {expected}."),
        )
    }

    pub fn opt_str(&self, name: &str) -> ApiResult<Option<&'a str>> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Self::wrong_type(name, "a string")),
        }
    }

    pub fn req_str(&self, name: &str) -> ApiResult<&'a str> {
        self.opt_str(name)?
            .ok_or_else(|| validation_errors(&[not_null(name)]))
    }

    pub fn opt_bool(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(Self::wrong_type(name, "a boolean")),
        }
    }

    pub fn opt_i64(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| Self::wrong_type(name, "an integer")),
            Some(_) => Err(Self::wrong_type(name, "an integer")),
        }
    }

    pub fn opt_array(&self, name: &str) -> ApiResult<Option<&'a Vec<Value>>> {
        match self.present(name) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(Self::wrong_type(name, "a list")),
        }
    }

    /// A list of strings, such as `TagKeys` or `connectorProfileNames`.
    pub fn opt_str_list(&self, name: &str) -> ApiResult<Option<Vec<&'a str>>> {
        let Some(items) = self.opt_array(name)? else {
            return Ok(None);
        };
        items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| Self::wrong_type(name, "a list of strings"))
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn empty_body_is_an_empty_object() {
        assert!(parse_body(b"").unwrap().is_empty());
        assert!(parse_body(b"  \n").unwrap().is_empty());
    }

    #[test]
    fn non_objects_are_serialization_errors() {
        for body in [&b"[1]"[..], b"{", b"\"x\""] {
            assert_eq!(parse_body(body).unwrap_err().code, "SerializationException");
        }
    }

    #[test]
    fn required_member_missing_reads_like_aws() {
        let map = json!({}).as_object().cloned().unwrap();
        let err = Fields::new(&map).req_str("SecretId").unwrap_err();
        assert_eq!(err.code, "ValidationException");
        assert_eq!(
            err.message,
            "1 validation error detected: Value null at 'SecretId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn wrong_types_are_refused() {
        let map = json!({"a": 1, "b": "x"}).as_object().cloned().unwrap();
        let fields = Fields::new(&map);
        assert!(fields.opt_str("a").is_err());
        assert!(fields.opt_bool("b").is_err());
        assert!(fields.opt_i64("b").is_err());
        assert_eq!(fields.opt_str("missing").unwrap(), None);
    }
}
