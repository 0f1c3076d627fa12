//! Time as AWS's JSON protocols carry it: seconds since the Unix epoch, as a number.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_epoch_seconds() -> f64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // Millisecond precision, as AWS answers.
    (since.as_millis() as f64) / 1000.0
}

pub fn now_epoch_millis() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
}
