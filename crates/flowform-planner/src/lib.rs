//! Config + State → Plan: the pure middle of flowform's data flow.
//!
//! [`plan`] compares a validated [`Config`](flowform_parser::Config) with the
//! [`State`](flowform_state::State) (refreshed, when the applier has read what exists) and
//! decides, per resource, `create`, `update`, `replace` (naming the attributes that force it),
//! `delete` or `no-op`, in an order that respects references, `depends_on` and the kind order
//! (KMS keys → secrets → key policies → connector profiles; deletes in reverse). Policies are
//! compared by meaning, secrets by digest; values known only after apply stay unknown. Before
//! deciding, it moves state records as `moved` blocks (and count's implied move) say, and takes
//! the objects `import` blocks name — read by the caller and passed in [`PlanOptions`], like a
//! refresh — as if the state held them; `--replace` and `--refresh-only` are options too.
//!
//! The planner does no I/O, reads no clock and draws no random number: the same inputs give
//! the same plan. It renders nothing either: [`diff`] gives each change as lines of
//! Terraform's text shape, each with its mark (`+`, `-`, `~`, `-/+`), and the views in
//! `flowform-views` decide how they look (text and colour, markdown, JSON). A plan made for
//! tools (`PlanOptions::for_tools`: the JSON view, a saved plan) also keeps what they read of
//! its configuration ([`configuration`]: each attribute's references or constant, the
//! variables that may be shown) and the values of unchanged resources; a plan for the terminal
//! or an apply leaves both out. [`planfile`] saves a plan without any secret in it.

pub mod configuration;
pub mod diff;
mod graph;
pub mod plan;
pub mod planfile;
mod planner;
/// The state's codec, which the planner compares with (see [`flowform_state::values`]).
pub use flowform_state::values;

pub use graph::{Schedule, Step};
pub use plan::{Action, Attrs, Drift, Importing, OutputChange, Plan, ResourceChange, Summary};
pub use planner::{PlanOptions, Refreshed, StateExports, applied_outputs, plan};
