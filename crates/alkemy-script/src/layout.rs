//! Classifying positioned lines (placeholder).
