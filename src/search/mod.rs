//! search: (stub, filled in by its stage).
