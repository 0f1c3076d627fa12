//! insta filters for what changes from one run to the next, so that whole outputs can be
//! compared as snapshots instead of searched for substrings.

/// insta settings replacing, in this order:
///
/// - temporary paths (`/tmp/.tmpAbC123/...`) → `[TEMP]/...`;
/// - UUIDs (lineages, lock ids) → `[UUID]`;
/// - the random suffix Secrets Manager puts on a secret's ARN (`secret:NAME-AbC123`) →
///   `secret:NAME-[SUFFIX]`;
/// - KMS key ids in ARNs are UUIDs (above);
/// - elapsed times of progress lines (`after 3s`) → `after [TIME]`, and of interrupted
///   summaries (`12.3s`) likewise;
/// - sandbox ports (`127.0.0.1:43517`) → `127.0.0.1:[PORT]`.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in FILTERS {
        settings.add_filter(pattern, *replacement);
    }
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// The filters of [`settings`], as (regex, replacement).
pub const FILTERS: &[(&str, &str)] = &[
    (r"/tmp/\.tmp[A-Za-z0-9]+", "[TEMP]"),
    (
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "[UUID]",
    ),
    (
        r"(secret:[A-Za-z0-9/_+=.@!-]+?)-[A-Za-z0-9]{6}\b",
        "$1-[SUFFIX]",
    ),
    (r"after \d+s", "after [TIME]"),
    (r"\b\d+\.\d+s\b", "[TIME]"),
    (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
];

#[cfg(test)]
mod tests {
    #[test]
    fn what_changes_between_runs_is_replaced() {
        let text = "secret.a: Creation complete after 2s [id=arn:aws:secretsmanager:us-east-1:123456789012:secret:app/one-Xy12Ab]\n\
                    lineage 0b7e6c2a-1111-4222-8333-944455556666 in /tmp/.tmpQ1w2E3/state.json at http://127.0.0.1:40123";
        super::settings().bind(|| {
            insta::assert_snapshot!(text, @r"
            secret.a: Creation complete after [TIME] [id=arn:aws:secretsmanager:us-east-1:123456789012:secret:app/one-[SUFFIX]]
            lineage [UUID] in [TEMP]/state.json at http://127.0.0.1:[PORT]
            ");
        });
    }
}
