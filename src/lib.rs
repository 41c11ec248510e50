//! Host package for gradmacro's integration tests and examples; it has no code of its own.
