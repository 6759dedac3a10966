//! hotspots: (stub, filled in by its stage).
