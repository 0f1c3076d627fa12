//! What apply and destroy print while they work and when they end: Terraform's progress lines
//! (`secret.app: Creating...`, `secret.app: Creation complete after 2s [id=...]`), the closing
//! line, the outputs, and the account of an interrupted run. Failures are diagnostics
//! ([`crate::diagnostics`]).

use crate::style::{self, paint};
use flowform_core::{Address, Value};
use std::fmt::Write as _;
use std::time::Duration;

/// What a change is doing (the applier's phases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Creating,
    Modifying,
    Destroying,
}

/// `ADDR: Creating...`, with the object's id when it exists already.
pub fn started(address: &Address, phase: Phase, id: Option<&str>) -> String {
    let verb = match phase {
        Phase::Creating => "Creating...",
        Phase::Modifying => "Modifying...",
        Phase::Destroying => "Destroying...",
    };
    let id = id
        .filter(|_| phase != Phase::Creating)
        .map(|i| format!(" [id={i}]"))
        .unwrap_or_default();
    format!("{}: {verb}{id}\n", paint(style::BOLD, &address.to_string()))
}

/// `ADDR: Creation complete after 2s [id=...]`.
pub fn finished(address: &Address, phase: Phase, elapsed: Duration, id: Option<&str>) -> String {
    let verb = match phase {
        Phase::Creating => "Creation complete",
        Phase::Modifying => "Modifications complete",
        Phase::Destroying => "Destruction complete",
    };
    let id = id.map(|i| format!(" [id={i}]")).unwrap_or_default();
    format!(
        "{}: {verb} after {}s{id}\n",
        paint(style::BOLD, &address.to_string()),
        elapsed.as_secs()
    )
}

/// Counts of what an apply did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Objects brought under management by `import` blocks.
    pub imported: usize,
    pub added: usize,
    pub changed: usize,
    pub destroyed: usize,
}

/// The closing line: `Apply complete! Resources: N added, M changed, K destroyed.`
pub fn complete(counts: Counts, destroy: bool) -> String {
    let line = if destroy {
        format!(
            "Destroy complete! Resources: {} destroyed.",
            counts.destroyed
        )
    } else {
        let imported = match counts.imported {
            0 => String::new(),
            n => format!("{n} imported, "),
        };
        format!(
            "Apply complete! Resources: {imported}{} added, {} changed, {} destroyed.",
            counts.added, counts.changed, counts.destroyed
        )
    };
    format!("\n{}\n", paint(style::ADD.bold(), &line))
}

/// `Outputs:` and `NAME = VALUE` per output; a sensitive one (`None`) as `(sensitive value)`.
pub fn outputs<'a>(outputs: impl IntoIterator<Item = (&'a str, Option<Value>)>) -> String {
    let mut out = String::new();
    for (name, value) in outputs {
        if out.is_empty() {
            out.push_str(&format!("\n{}\n\n", paint(style::ADD.bold(), "Outputs:")));
        }
        let shown = match value {
            Some(v) => flowform_planner::diff::display(&v, 0),
            None => "(sensitive value)".to_string(),
        };
        let _ = writeln!(out, "{name} = {shown}");
    }
    out
}

/// What an interrupted apply did and did not do (standard error), before its failures.
pub fn interrupted(destroy: bool, counts: Counts, failed: usize) -> String {
    let verb = if destroy { "Destroy" } else { "Apply" };
    format!(
        "\n{verb} interrupted. Finished and recorded in the state: {} added, {} changed, {} destroyed; {failed} failed.\n",
        counts.added, counts.changed, counts.destroyed
    )
}

/// The changes an interrupted apply never started, and what to do about them.
pub fn not_started(destroy: bool, addresses: &[Address]) -> String {
    let mut out = String::new();
    if !addresses.is_empty() {
        out.push_str("Not started:\n");
        for a in addresses {
            let _ = writeln!(out, "  {a}");
        }
    }
    let verb = if destroy { "destroy" } else { "apply" };
    let _ = writeln!(out, "Run {verb} again to carry out the rest.");
    out
}

/// The first signal: what happens now, and what a second one does.
pub const INTERRUPT_RECEIVED: &str = "\nInterrupt received. No new change is started; the ones running finish and are recorded.\nInterrupt again to stop at once (what has finished is safe in the journal).\n";

/// The second signal.
pub const STOPPED_AT_ONCE: &str =
    "\nStopped at once. The next flowform command recovers what finished from the journal.\n";

#[cfg(test)]
mod tests {
    use super::*;
    use flowform_core::ResourceKind;

    #[test]
    fn progress_lines_read_like_terraform() {
        let a = Address::new(ResourceKind::Secret, "app");
        assert_eq!(
            style::plain(&started(&a, Phase::Modifying, Some("arn:x"))),
            "secret.app: Modifying... [id=arn:x]\n"
        );
        assert_eq!(
            style::plain(&started(&a, Phase::Creating, Some("arn:x"))),
            "secret.app: Creating...\n"
        );
        assert_eq!(
            style::plain(&finished(
                &a,
                Phase::Creating,
                Duration::from_millis(2_400),
                Some("arn:x")
            )),
            "secret.app: Creation complete after 2s [id=arn:x]\n"
        );
        assert_eq!(
            style::plain(&complete(
                Counts {
                    imported: 0,
                    added: 1,
                    changed: 2,
                    destroyed: 3
                },
                false
            )),
            "\nApply complete! Resources: 1 added, 2 changed, 3 destroyed.\n"
        );
    }
}
