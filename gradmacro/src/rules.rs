//! Derivative rules.
