//! The desktop app (eframe/egui). For now a read-only map viewer: metrics, the findings list
//! and the map drawn in its swimlanes. Everything it shows is computed outside this module.

mod theme;
mod viewer;

pub use viewer::ViewerApp;

use crate::format::{LoadError, load_file};
use crate::samples;
use std::path::PathBuf;
use thiserror::Error;

/// Why the window could not be opened.
#[derive(Debug, Error)]
pub enum AppError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("cannot open the window: {0}")]
    Window(String),
}

/// Opens the app on a file, or on the built-in sample when `file` is `None`.
pub fn run(file: Option<PathBuf>) -> Result<(), AppError> {
    let map = match &file {
        Some(path) => load_file(path)?,
        None => samples::default_map()?,
    };
    let app = ViewerApp::new(map, file);
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(app.title())
            .with_inner_size([1400.0, 860.0])
            .with_min_inner_size([640.0, 400.0])
            .with_app_id("valueflow"),
        ..Default::default()
    };
    eframe::run_native("valueflow", options, Box::new(|_cc| Ok(Box::new(app))))
        .map_err(|e| AppError::Window(e.to_string()))
}
