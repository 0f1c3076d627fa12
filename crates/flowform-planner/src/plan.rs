//! The plan: what will change, in which order, and why.

use flowform_core::{Address, Diagnostics, Value};
use std::collections::BTreeMap;

/// What happens to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    NoOp,
    Create,
    Update,
    /// Delete, then create (the names AWS uses here cannot coexist).
    Replace,
    Delete,
}

impl Action {
    /// Terraform's `change.actions` for this action.
    pub fn json_actions(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Update => &["update"],
            Action::Replace => &["delete", "create"],
            Action::Delete => &["delete"],
        }
    }

    pub fn is_change(self) -> bool {
        self != Action::NoOp
    }
}

/// A resource's attributes: configuration values and computed ones, with unknown and
/// sensitive marks. `properties`/`credentials` are nested objects.
pub use flowform_state::values::Attrs;

/// One resource's planned change.
#[derive(Debug, Clone)]
pub struct ResourceChange {
    pub address: Address,
    pub action: Action,
    /// What exists now (from the state, refreshed when a refresh ran). `None` when creating.
    pub before: Option<Attrs>,
    /// What will exist after apply. `None` when deleting.
    pub after: Option<Attrs>,
    /// The attributes whose change forces the replacement.
    pub replace_paths: Vec<String>,
    /// Every changed path (`name`, `properties.instance_url`, `credentials.jwt_token`), as the
    /// planner decided it: policies compared by meaning, secrets by digest. Views use it where
    /// they cannot compare values themselves.
    pub changed: Vec<String>,
    /// The resources this change waits for (references and `depends_on` that are in the plan).
    pub depends_on: Vec<Address>,
    /// The AWS id of the existing object (for updates, replaces, deletes).
    pub prior_id: Option<String>,
    /// Where the state recorded this object before a `moved` block (or Terraform's implied
    /// move when `count` is added or removed) renamed it: apply moves the record first.
    pub previous_address: Option<Address>,
    /// An `import` block adopts this object: apply records it first, then makes the change.
    pub importing: Option<Box<Importing>>,
    /// Replaced because `--replace` asked for it, not because of a change.
    pub replace_requested: bool,
}

/// An object an `import` block adopts, as it was read while planning.
#[derive(Debug, Clone, PartialEq)]
pub struct Importing {
    /// The id the `import` block gave.
    pub id: String,
    /// The object as read, recorded by apply under the change's address.
    pub record: flowform_state::ResourceState,
}

impl ResourceChange {
    /// Whether the plan changes `attribute` (or anything under it).
    pub fn changes(&self, attribute: &str) -> bool {
        self.changed
            .iter()
            .any(|c| crate::values::is_under(c, attribute))
    }
}

/// Something that changed outside flowform since the last apply, found by refresh.
#[derive(Debug, Clone)]
pub struct Drift {
    pub address: Address,
    /// `None` after = deleted outside flowform.
    pub before: Attrs,
    pub after: Option<Attrs>,
    /// The paths that differ (a secret's by digest, which the values cannot show).
    pub changed: Vec<String>,
}

impl Drift {
    /// The drift as a change from what was recorded to what exists, for the views to draw,
    /// and the verb their header uses.
    pub fn as_change(&self) -> (ResourceChange, &'static str) {
        let change = ResourceChange {
            address: self.address.clone(),
            action: if self.after.is_some() {
                Action::Update
            } else {
                Action::Delete
            },
            before: Some(self.before.clone()),
            after: self.after.clone(),
            replace_paths: Vec::new(),
            changed: self.changed.clone(),
            depends_on: Vec::new(),
            prior_id: None,
            previous_address: None,
            importing: None,
            replace_requested: false,
        };
        (
            change,
            if self.after.is_some() {
                "has changed"
            } else {
                "has been deleted"
            },
        )
    }
}

/// An output's planned value, and what the state recorded before.
#[derive(Debug, Clone)]
pub struct OutputChange {
    pub name: String,
    pub sensitive: bool,
    /// `Create` (new output), `Update`, `Delete` (output removed) or `NoOp`.
    pub action: Action,
    /// The recorded value (`None` when new, or when it was sensitive).
    pub before: Option<Value>,
    /// Unknown until apply when it refers to something being created; `Null` when deleted.
    pub value: Value,
}

/// The whole plan. `changes` are in the order they will run (no-ops included, so the JSON view
/// can list every resource); `edges` say which change waits for which.
#[derive(Debug, Clone)]
pub struct Plan {
    pub changes: Vec<ResourceChange>,
    /// `(before, after)` indices into `changes`: `after` may start only once `before` is done.
    /// Includes the kind order, not only references.
    pub edges: Vec<(usize, usize)>,
    pub drift: Vec<Drift>,
    pub outputs: Vec<OutputChange>,
    pub warnings: Diagnostics,
    pub destroy: bool,
    pub targets: Vec<flowform_core::Target>,
    /// The configuration's resources and their expressions, for tools (the JSON plan). This
    /// and the next two are empty until [`describe`](crate::configuration::describe) fills them.
    pub configuration: Vec<crate::configuration::ConfiguredResource>,
    /// The configuration's module calls, for tools (the JSON plan).
    pub module_calls: Vec<crate::configuration::ConfiguredCall>,
    /// Input variables' values; `None` for those that must not be shown (see
    /// [`configuration::variables`](crate::configuration::variables)).
    pub variables: BTreeMap<String, Option<Value>>,
    /// `--refresh-only`: no change, only what the refresh found, for apply to record.
    pub refresh_only: bool,
    /// Whether [`describe`](crate::configuration::describe) filled `configuration`,
    /// `module_calls` and `variables` (a plan made for tools, or read from a file).
    pub described: bool,
}

/// Counts as the summary line gives them (a replacement is one add and one destroy).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => {
                    s.add += 1;
                    s.destroy += 1;
                }
                Action::Delete => s.destroy += 1,
                Action::NoOp => {}
            }
        }
        s
    }

    /// Whether apply has anything to do: a change, a move or an import to record (or, for a
    /// refresh-only plan, something the refresh found).
    pub fn has_changes(&self) -> bool {
        if self.refresh_only {
            return !self.drift.is_empty();
        }
        self.has_resource_changes() || self.outputs.iter().any(|o| o.action != Action::NoOp)
    }

    /// Whether any resource changes (an output-only plan changes only the state's outputs).
    pub fn has_resource_changes(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.action.is_change() || c.previous_address.is_some() || c.importing.is_some())
    }

    /// How many objects `import` blocks adopt.
    pub fn imports(&self) -> usize {
        self.changes
            .iter()
            .filter(|c| c.importing.is_some())
            .count()
    }

    pub fn change(&self, address: &Address) -> Option<&ResourceChange> {
        self.changes.iter().find(|c| &c.address == address)
    }
}
