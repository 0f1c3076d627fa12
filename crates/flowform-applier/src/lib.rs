//! Plan → AWS calls → State: the last step of flowform's data flow, and the only crate that
//! talks to AWS.
pub mod profile_config;
