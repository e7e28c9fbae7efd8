//! Application layer.
