//! valueflow: map how work and information flow through a business and flag the steps that
//! make the customer wait without giving the customer anything.
//!
//! Layers, data flowing one way: [`format`] (files) → [`model`] (the map) → [`analysis`]
//! (metrics and findings) → views: [`report`] and [`cli`] for the terminal, [`app`] for the GUI.
//! [`document`] holds the open map with its commands and undo history, for any client.
//! [`redesign`] derives a to-be from the dispositions of an as-is; [`compare`] sets the two
//! side by side. [`deliver`] makes what a client gets: pictures and the report.
//! [`eventlog`] calibrates a map from an event log (XES, CSV).

pub mod analysis;
pub mod app;
pub mod charts;
pub mod cli;
pub mod compare;
pub mod deliver;
pub mod document;
pub mod eventlog;
pub mod format;
pub mod interop;
pub mod layout;
pub mod model;
pub mod redesign;
pub mod report;
pub mod samples;
pub mod text;
pub mod units;
pub mod view;
