//! The markdown plan (to be written).
