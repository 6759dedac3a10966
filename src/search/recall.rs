//! Recall measurement (filled in below).
