//! Colors and sizes named for their meaning, so every view agrees on them.

use crate::analysis::Severity;
use egui::Color32;

pub const CUSTOMER_FACING_FILL: Color32 = Color32::from_rgb(0xcf, 0xe3, 0xff);
pub const CUSTOMER_FACING_STROKE: Color32 = Color32::from_rgb(0x1f, 0x5f, 0xbf);
pub const INTERNAL_FILL: Color32 = Color32::from_rgb(0xee, 0xee, 0xee);
pub const INTERNAL_STROKE: Color32 = Color32::from_rgb(0x70, 0x70, 0x70);
pub const STEP_TEXT: Color32 = Color32::from_rgb(0x20, 0x20, 0x20);
pub const LANE_BAND_EVEN: Color32 = Color32::from_rgba_premultiplied(0x80, 0x80, 0x80, 0x10);
pub const LANE_BAND_ODD: Color32 = Color32::from_rgba_premultiplied(0x80, 0x80, 0x80, 0x22);
pub const WORK_FLOW: Color32 = Color32::from_rgb(0x60, 0x60, 0x60);
pub const INFORMATION_FLOW: Color32 = Color32::from_rgb(0x2a, 0x9d, 0x8f);
pub const WAIT_TEXT: Color32 = Color32::from_rgb(0xb0, 0x40, 0x20);

pub const STEP_SIZE: egui::Vec2 = egui::vec2(130.0, 64.0);
pub const LANE_HEIGHT: f32 = 140.0;
pub const LANE_HEADER_WIDTH: f32 = 150.0;

/// The badge color of a severity.
pub fn severity_color(s: Severity) -> Color32 {
    match s {
        Severity::High => Color32::from_rgb(0xd6, 0x28, 0x28),
        Severity::Medium => Color32::from_rgb(0xf0, 0x8c, 0x00),
        Severity::Low => Color32::from_rgb(0xc9, 0xb0, 0x00),
        Severity::Info => Color32::from_rgb(0x3a, 0x7b, 0xd5),
    }
}
