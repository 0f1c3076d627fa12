//! "Did you mean ...?" for misspelt names.

/// The closest of `candidates` to `given`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (distance(&given.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// ` Did you mean "x"?`, or nothing.
pub(crate) fn did_you_mean<'a>(
    given: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    closest(given, candidates)
        .map(|c| format!(" Did you mean \"{c}\"?"))
        .unwrap_or_default()
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(
            closest("instance_urll", ["instance_url", "is_sandbox_environment"]),
            Some("instance_url")
        );
        assert_eq!(
            closest("GoogleAnalytics", ["Googleanalytics", "Salesforce"]),
            Some("Googleanalytics")
        );
        assert_eq!(closest("zzz", ["instance_url"]), None);
    }
}
