//! Injected faults: throttling and internal errors drawn from a seeded generator, decided before
//! a request touches any state so that a client's retry never meets half-done work.

use std::sync::Mutex;

use crate::protocol::{ApiError, Service};
use crate::rng::Rng;

#[derive(Debug)]
pub struct Faults {
    throttle_rate: f64,
    error_rate: f64,
    rng: Mutex<Rng>,
}

impl Faults {
    pub fn new(throttle_rate: f64, error_rate: f64, seed: u64) -> Self {
        Faults {
            throttle_rate,
            error_rate,
            rng: Mutex::new(Rng::new(seed)),
        }
    }

    /// The fault to answer this request with, if the dice say so.
    pub fn draw(&self, service: Service) -> Option<ApiError> {
        if self.throttle_rate <= 0.0 && self.error_rate <= 0.0 {
            return None;
        }
        let roll = match self.rng.lock() {
            Ok(mut rng) => rng.next_f64(),
            Err(poisoned) => poisoned.into_inner().next_f64(),
        };
        if roll < self.throttle_rate {
            return Some(throttling(service));
        }
        if roll < self.throttle_rate + self.error_rate {
            return Some(internal(service));
        }
        None
    }
}

/// The SDKs classify these codes as throttling and retry them with backoff.
fn throttling(service: Service) -> ApiError {
    match service {
        Service::AppFlow => ApiError::new(429, "ThrottlingException", "Rate exceeded"),
        Service::SecretsManager | Service::Kms => {
            ApiError::new(400, "ThrottlingException", "Rate exceeded")
        }
        Service::Sts => ApiError::new(400, "Throttling", "Rate exceeded"),
        Service::S3 => ApiError::new(503, "SlowDown", "Please reduce your request rate."),
    }
}

/// A 500 is retried by the SDKs as a transient error whatever its code.
fn internal(service: Service) -> ApiError {
    const MESSAGE: &str = "An internal error occurred (injected by flowform-sandbox).";
    match service {
        Service::AppFlow => ApiError::new(500, "InternalServerException", MESSAGE),
        Service::SecretsManager => ApiError::new(500, "InternalServiceError", MESSAGE),
        Service::Kms => ApiError::new(500, "KMSInternalException", MESSAGE),
        Service::Sts => ApiError::new(500, "InternalFailure", MESSAGE),
        Service::S3 => ApiError::new(500, "InternalError", MESSAGE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_rates_no_faults() {
        let faults = Faults::new(0.0, 0.0, 1);
        assert!((0..100).all(|_| faults.draw(Service::SecretsManager).is_none()));
    }

    #[test]
    fn rates_are_roughly_honoured_and_repeatable() {
        let run = || {
            let faults = Faults::new(0.2, 0.1, 42);
            (0..2000)
                .map(|_| faults.draw(Service::SecretsManager).map(|e| e.code))
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let throttled = first
            .iter()
            .filter(|c| c.as_deref() == Some("ThrottlingException"))
            .count();
        let failed = first
            .iter()
            .filter(|c| c.as_deref() == Some("InternalServiceError"))
            .count();
        assert!((300..500).contains(&throttled), "{throttled}");
        assert!((120..280).contains(&failed), "{failed}");
    }
}
