//! Similar cases (filled in below).
