//! A value that must never be shown, stored or logged.

use std::fmt;

/// Wraps a value so that it cannot leak by accident: `Debug` and `Display` print
/// `(sensitive value)`, and serializing it is an error, so a sensitive value that reaches a state
/// file, plan file or JSON view makes that write fail instead of leaking. Code that truly needs
/// the value (the applier sending it to AWS, the digest) calls [`Sensitive::expose`].
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Self {
        Sensitive(value)
    }

    /// The wrapped value. Every call site is a place where a secret leaves its wrapper: keep
    /// them few and obvious.
    pub fn expose(&self) -> &T {
        &self.0
    }

    pub fn into_exposed(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive value)")
    }
}

impl<T> fmt::Display for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(sensitive value)")
    }
}

impl<T> serde::Serialize for Sensitive<T> {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "refusing to serialize a sensitive value",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_or_serializes_the_value() {
        let s = Sensitive::new("SENTINEL-SECRET".to_string());
        assert_eq!(format!("{s}"), "(sensitive value)");
        assert_eq!(format!("{s:?}"), "(sensitive value)");
        let err = serde_json::to_string(&s).unwrap_err();
        assert!(err.to_string().contains("refusing to serialize"));
        assert_eq!(s.expose(), "SENTINEL-SECRET");
    }
}
