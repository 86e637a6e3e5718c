//! tulip networking (in progress).
