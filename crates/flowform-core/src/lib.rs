//! flowform's shared vocabulary: the connector catalogue and IAM policy equivalence.
pub mod catalogue;
pub mod policy;
