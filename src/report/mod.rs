//! report: (stub, filled in by its stage).
