//! One module per resource kind, each with one type implementing [`Resource`]: the AWS calls
//! for create, update, delete, read (refresh) and import. Creates and updates take evaluated
//! attributes and add the attributes AWS computed.
//!
//! [`of`] is the one place that maps a [`ResourceKind`] to its implementation: apply, refresh
//! and import all go through it, so a new kind is one module and one line there.

use crate::clients::Clients;
use crate::error::AwsError;
use flowform_core::{Address, ResourceKind};
use flowform_planner::Attrs;
use flowform_state::{DigestKey, ResourceState};
use std::future::Future;
use std::pin::Pin;

/// What a [`Resource`] operation returns: a boxed future, so that the kinds can sit behind one
/// `dyn Resource` (async trait methods cannot).
pub type Fut<'a, T> = Pin<Box<dyn Future<Output = Result<T, AwsError>> + Send + 'a>>;

/// One kind of AWS object flowform manages, as a Terraform provider's resource is: how to make,
/// change, remove, read and adopt it.
pub trait Resource: Sync {
    /// Makes the object; adds what AWS computed to `attrs`; returns its id. Must record the
    /// object through [`Op::checkpoint`] the moment AWS has made it.
    fn create<'a>(&'a self, op: &'a Op<'a>, attrs: &'a mut Attrs) -> Fut<'a, String>;
    /// Makes the recorded object what `attrs` say (what the plan changes); returns its id.
    fn update<'a>(&'a self, op: &'a Op<'a>, attrs: &'a mut Attrs) -> Fut<'a, String>;
    /// Removes the recorded object; one already gone is the goal reached.
    fn delete<'a>(&'a self, clients: &'a Clients, prior: &'a ResourceState) -> Fut<'a, ()>;
    /// What exists now of the recorded object, in the state's shape (`None`: gone).
    fn read<'a>(
        &'a self,
        clients: &'a Clients,
        prior: &'a ResourceState,
        key: &'a DigestKey,
    ) -> Fut<'a, Option<ResourceState>>;
    /// The existing object `id` names, as a new record (`None`: no such object).
    fn import<'a>(
        &'a self,
        clients: &'a Clients,
        id: &'a str,
        key: &'a DigestKey,
    ) -> Fut<'a, Option<ResourceState>>;
}

/// Implements [`Resource`] for a kind's unit type with its module's `create`, `update` and
/// `delete` functions, and the `read` and `import` bodies given (each an `async` block's body
/// over the named parameters).
macro_rules! resource {
    (
        $ty:ident,
        read($clients:ident, $prior:ident, $key:ident) $read:block,
        import($iclients:ident, $id:ident, $ikey:ident) $import:block
    ) => {
        impl $crate::resources::Resource for $ty {
            fn create<'a>(
                &'a self,
                op: &'a $crate::resources::Op<'a>,
                attrs: &'a mut flowform_planner::Attrs,
            ) -> $crate::resources::Fut<'a, String> {
                Box::pin(create(op, attrs))
            }
            fn update<'a>(
                &'a self,
                op: &'a $crate::resources::Op<'a>,
                attrs: &'a mut flowform_planner::Attrs,
            ) -> $crate::resources::Fut<'a, String> {
                Box::pin(update(op, attrs))
            }
            fn delete<'a>(
                &'a self,
                clients: &'a $crate::clients::Clients,
                prior: &'a flowform_state::ResourceState,
            ) -> $crate::resources::Fut<'a, ()> {
                Box::pin(delete(clients, prior))
            }
            fn read<'a>(
                &'a self,
                $clients: &'a $crate::clients::Clients,
                $prior: &'a flowform_state::ResourceState,
                $key: &'a flowform_state::DigestKey,
            ) -> $crate::resources::Fut<'a, Option<flowform_state::ResourceState>> {
                Box::pin(async move $read)
            }
            fn import<'a>(
                &'a self,
                $iclients: &'a $crate::clients::Clients,
                $id: &'a str,
                $ikey: &'a flowform_state::DigestKey,
            ) -> $crate::resources::Fut<'a, Option<flowform_state::ResourceState>> {
                Box::pin(async move $import)
            }
        }
    };
}
pub(crate) use resource;

pub mod connector_profile;
pub mod key_policy;
pub mod kms_key;
pub mod secret;

/// The implementation of `kind`.
pub fn of(kind: ResourceKind) -> &'static dyn Resource {
    match kind {
        ResourceKind::KmsKey => &kms_key::KmsKey,
        ResourceKind::Secret => &secret::Secret,
        ResourceKind::KmsKeyPolicy => &key_policy::KeyPolicy,
        ResourceKind::ConnectorProfile => &connector_profile::ConnectorProfile,
    }
}

/// Tags flowform puts on what it creates, so a resumed apply can recognise its own objects.
pub const TAG_ADDRESS: &str = "flowform:address";
pub const TAG_LINEAGE: &str = "flowform:lineage";

/// Everything one operation needs.
pub struct Op<'a> {
    pub clients: &'a Clients,
    pub address: &'a Address,
    /// The state's lineage, for tags and tokens.
    pub lineage: String,
    /// The idempotency token of this change.
    pub token: String,
    /// What exists (updates, deletes).
    pub prior: Option<&'a ResourceState>,
    /// An earlier apply sent this create and died before recording the answer: `token` is
    /// the one it used. An object found under this name is taken as ours only with proof
    /// (the same request answered under the same token, or this state's tags).
    pub resumed: Option<flowform_state::PendingCreate>,
    /// The planned change: what changed (`changed`, against what exists, refreshed), and what
    /// existed (`before`).
    pub change: &'a flowform_planner::ResourceChange,
    /// Records a partial object in the journal the moment AWS has made it, before the calls
    /// that complete it: if one of those calls fails, or the process dies, the object is in the
    /// state and the next plan finishes it (an update) instead of making another.
    ///
    /// How durable before the next call is the resource's to say: [`Durability::Now`] when the
    /// record holds what nothing else could recover (a key policy's original policy);
    /// [`Durability::Finished`] when the create's durable intent already lets a resumed apply
    /// prove the object its own (tags, the idempotency token) — locally that is durable at
    /// once all the same, in S3 with the next segment.
    ///
    /// [`Durability::Now`]: flowform_state::Durability::Now
    /// [`Durability::Finished`]: flowform_state::Durability::Finished
    pub checkpoint: &'a (dyn Fn(ResourceState, flowform_state::Durability) -> Fut<'a, ()> + Sync),
    /// Records the object with every attribute in `attrs` (secrets by digest) under the id,
    /// for a create that sent everything in one call: what a kill leaves is then the whole
    /// object, not an identity the next plan would take for drift. Durable as a finished
    /// change is (at once locally; in S3 with the next segment, the create's intent covering
    /// recovery meanwhile): only reads may follow it.
    pub checkpoint_all: &'a (dyn Fn(&Attrs, &str) -> Fut<'a, ()> + Sync),
}

/// A record of just what identifies an object (its forces-replacement attributes and ids), for
/// [`Op::checkpoint`].
pub fn identity(kind: &str, id: &str, attrs: &[(&str, Option<String>)]) -> ResourceState {
    let mut record = ResourceState::new(kind, id);
    for (name, value) in attrs {
        if let Some(v) = value {
            record
                .attributes
                .insert((*name).to_string(), v.clone().into());
        }
    }
    record
}

impl Op<'_> {
    /// Whether the plan changes `attribute` (or anything under it).
    pub fn changes(&self, attribute: &str) -> bool {
        self.change.changes(attribute)
    }

    /// A string the object had before the change, as the plan saw it (refreshed).
    pub fn before(&self, attribute: &str) -> Option<String> {
        self.change
            .before
            .as_ref()
            .and_then(|b| crate::attrs::text(b, attribute))
    }
}

/// Whether a tag is flowform's own (kept out of the `tags` attribute).
pub fn is_own_tag(key: &str) -> bool {
    key.starts_with("flowform:")
}

/// Tags to add (new or changed) and keys to remove, going from `old` to `new`.
pub fn tag_changes(
    old: &[(String, String)],
    new: &[(String, String)],
) -> (Vec<(String, String)>, Vec<String>) {
    let add = new.iter().filter(|t| !old.contains(t)).cloned().collect();
    let remove = old
        .iter()
        .filter(|(k, _)| !new.iter().any(|(nk, _)| nk == k))
        .map(|(k, _)| k.clone())
        .collect();
    (add, remove)
}
