//! The JSON plan (to be written).
