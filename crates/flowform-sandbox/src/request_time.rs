//! How old a signed request may be.
//!
//! AWS refuses a request whose `X-Amz-Date` is more than 15 minutes from its own clock, either
//! way, so that a captured request cannot be replayed days later. The sandbox accepted any date;
//! a client with a broken clock (or a replayed request) then worked here and failed against AWS.
//! The check needs only the headers, so it runs before the body is read.

/// How far `X-Amz-Date` may be from now, either way: 15 minutes, as AWS allows.
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;

/// Why a request's date was not accepted, worded as AWS words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("the request has no X-Amz-Date header")]
    Missing,
    #[error(
        "Date must be in ISO-8601 'basic format'. Got '{0}'. See http://en.wikipedia.org/wiki/ISO_8601"
    )]
    Malformed(String),
    #[error("Signature expired: {date} is now earlier than {earliest} ({now} - 15 min.)")]
    Expired {
        date: String,
        earliest: String,
        now: String,
    },
    #[error("Signature not yet current: {date} is still later than {latest} ({now} + 15 min.)")]
    NotYetCurrent {
        date: String,
        latest: String,
        now: String,
    },
}

/// Checks an `X-Amz-Date` value (`20150830T123600Z`) against `now` (seconds since the epoch).
pub fn check(amz_date: Option<&str>, now: i64) -> Result<(), DateError> {
    let date = amz_date.ok_or(DateError::Missing)?.trim();
    let signed = parse(date).ok_or_else(|| DateError::Malformed(date.to_owned()))?;
    if signed < now - MAX_SKEW_SECONDS {
        return Err(DateError::Expired {
            date: date.to_owned(),
            earliest: format(now - MAX_SKEW_SECONDS),
            now: format(now),
        });
    }
    if signed > now + MAX_SKEW_SECONDS {
        return Err(DateError::NotYetCurrent {
            date: date.to_owned(),
            latest: format(now + MAX_SKEW_SECONDS),
            now: format(now),
        });
    }
    Ok(())
}

/// `20150830T123600Z` → seconds since the epoch.
pub fn parse(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    let (year, month, day) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hour, minute, second) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    let valid = (1..=12).contains(&month)
        && (1..=31).contains(&day)
        && hour < 24
        && minute < 60
        && second < 61;
    valid.then(|| days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Seconds since the epoch → `20150830T123600Z`.
pub fn format(seconds: i64) -> String {
    let (days, rest) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(parse("19700101T000000Z"), Some(0));
        assert_eq!(parse("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(
            parse("20240229T235959Z").map(format).as_deref(),
            Some("20240229T235959Z")
        );
        for bad in [
            "2015-08-30T12:36:00Z",
            "20151330T000000Z",
            "20150830T123600",
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn fifteen_minutes_either_way_and_no_more() {
        let now = parse("20240101T001600Z").expect("valid");
        assert_eq!(check(Some("20240101T000100Z"), now), Ok(()));
        assert_eq!(
            check(Some("20240101T000000Z"), now)
                .expect_err("16 minutes old")
                .to_string(),
            "Signature expired: 20240101T000000Z is now earlier than 20240101T000100Z (20240101T001600Z - 15 min.)"
        );
        assert_eq!(
            check(Some("20240101T003200Z"), now)
                .expect_err("16 minutes ahead")
                .to_string(),
            "Signature not yet current: 20240101T003200Z is still later than 20240101T003100Z (20240101T001600Z + 15 min.)"
        );
        assert_eq!(check(None, now), Err(DateError::Missing));
    }
}
