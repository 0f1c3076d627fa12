//! Skipping the "has anything expired?" look that every request makes.
//!
//! Secrets past their recovery window, keys past their waiting period and AppFlow client
//! tokens past eight hours are forgotten lazily, by the next request of their service. Looking
//! at every object on every request made a request's cost grow with the store; remembering a
//! time before which nothing can have expired makes that look free almost always.

/// A lower bound on the earliest expiry among a table's objects; unknown until the first look.
/// Kept in memory only.
#[derive(Debug, Default, Clone, Copy)]
pub struct Earliest(Option<f64>);

impl Earliest {
    /// Whether something may have expired at `now`, so that the objects must be looked at.
    pub fn may_have_expired(&self, now: f64) -> bool {
        self.0.is_none_or(|earliest| earliest <= now)
    }

    /// Records an expiry time given to an object. Every place that sets one must call it, or
    /// the object could outlive its time.
    pub fn note(&mut self, at: f64) {
        if let Some(earliest) = &mut self.0 {
            *earliest = earliest.min(at);
        }
    }

    /// After a look at every object: the earliest expiry left, if any.
    pub fn looked(&mut self, earliest: Option<f64>) {
        self.0 = Some(earliest.unwrap_or(f64::INFINITY));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_until_looked_then_only_when_due() {
        let mut earliest = Earliest::default();
        assert!(earliest.may_have_expired(0.0));
        earliest.note(5.0);
        assert!(
            earliest.may_have_expired(0.0),
            "noting does not make it known"
        );
        earliest.looked(None);
        assert!(!earliest.may_have_expired(1e12));
        earliest.note(10.0);
        earliest.note(20.0);
        assert!(!earliest.may_have_expired(9.0));
        assert!(earliest.may_have_expired(10.0));
        earliest.looked(Some(20.0));
        assert!(!earliest.may_have_expired(10.0));
    }
}
