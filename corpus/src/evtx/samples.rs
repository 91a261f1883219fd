//! The sample set the three-reader cross-check writes (filled in below).
