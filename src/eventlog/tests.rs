//! Unit tests of the event-log calibration.
