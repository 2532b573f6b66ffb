//! Colours named for their meaning, with a light and a dark palette, so every view (the
//! canvas, the pictures, the report) agrees on them. Nothing else names a colour.

use crate::analysis::Severity;
use egui::Color32;

/// The colors of one theme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Palette {
    pub canvas_background: Color32,
    pub lane_band_even: Color32,
    pub lane_band_odd: Color32,
    pub lane_border: Color32,
    /// The customer view's lines of interaction and visibility.
    pub blueprint_line: Color32,
    pub lane_header_fill: Color32,
    pub lane_header_text: Color32,
    pub customer_facing_fill: Color32,
    pub customer_facing_stroke: Color32,
    pub internal_fill: Color32,
    pub internal_stroke: Color32,
    pub step_text: Color32,
    pub step_detail_text: Color32,
    pub wait_text: Color32,
    pub selected_stroke: Color32,
    pub search_hit_stroke: Color32,
    pub bottleneck_stroke: Color32,
    pub work_flow: Color32,
    pub information_flow: Color32,
    pub loop_flow: Color32,
    pub flow_label_fill: Color32,
    pub flow_label_text: Color32,
    pub box_select_fill: Color32,
    pub box_select_stroke: Color32,
    pub handle_fill: Color32,
    pub minimap_fill: Color32,
    pub minimap_view: Color32,
    /// Text that says what is wrong with an input (bad duration, path, probability).
    pub error_text: Color32,
    /// The ring around the connect handle.
    pub handle_ring: Color32,
    /// The count on a finding badge (on the severity colour).
    pub badge_text: Color32,
}

pub const LIGHT: Palette = Palette {
    canvas_background: Color32::from_rgb(0xfa, 0xfa, 0xf8),
    lane_band_even: Color32::from_rgb(0xf4, 0xf5, 0xf7),
    lane_band_odd: Color32::from_rgb(0xea, 0xec, 0xf0),
    lane_border: Color32::from_rgb(0xc8, 0xcc, 0xd4),
    blueprint_line: Color32::from_rgb(0x3b, 0x6e, 0xa8),
    // Slightly see-through: steps panned under the sticky lane names stay visible.
    lane_header_fill: Color32::from_rgba_unmultiplied_const(0xdd, 0xe1, 0xe8, 0xd0),
    lane_header_text: Color32::from_rgb(0x22, 0x28, 0x33),
    customer_facing_fill: Color32::from_rgb(0xcf, 0xe3, 0xff),
    customer_facing_stroke: Color32::from_rgb(0x1f, 0x5f, 0xbf),
    internal_fill: Color32::from_rgb(0xff, 0xff, 0xff),
    internal_stroke: Color32::from_rgb(0x80, 0x86, 0x90),
    step_text: Color32::from_rgb(0x1c, 0x1f, 0x24),
    step_detail_text: Color32::from_rgb(0x55, 0x5b, 0x66),
    wait_text: Color32::from_rgb(0xb0, 0x3a, 0x14),
    selected_stroke: Color32::from_rgb(0x00, 0x78, 0xd4),
    search_hit_stroke: Color32::from_rgb(0xe0, 0xa0, 0x00),
    bottleneck_stroke: Color32::from_rgb(0xc2, 0x41, 0x0c),
    work_flow: Color32::from_rgb(0x4a, 0x50, 0x5a),
    information_flow: Color32::from_rgb(0x1f, 0x8a, 0x7e),
    loop_flow: Color32::from_rgb(0xc0, 0x3a, 0x8a),
    flow_label_fill: Color32::from_rgba_premultiplied(0xfa, 0xfa, 0xf8, 0xe8),
    flow_label_text: Color32::from_rgb(0x33, 0x38, 0x40),
    box_select_fill: Color32::from_rgba_premultiplied(0x00, 0x3c, 0x6a, 0x30),
    box_select_stroke: Color32::from_rgb(0x00, 0x78, 0xd4),
    handle_fill: Color32::from_rgb(0x00, 0x78, 0xd4),
    minimap_fill: Color32::from_rgba_premultiplied(0xe8, 0xea, 0xee, 0xee),
    minimap_view: Color32::from_rgb(0x00, 0x78, 0xd4),
    error_text: Color32::from_rgb(0xd0, 0x30, 0x30),
    handle_ring: Color32::WHITE,
    badge_text: Color32::WHITE,
};

pub const DARK: Palette = Palette {
    canvas_background: Color32::from_rgb(0x1b, 0x1d, 0x21),
    lane_band_even: Color32::from_rgb(0x22, 0x25, 0x2a),
    lane_band_odd: Color32::from_rgb(0x29, 0x2c, 0x32),
    lane_border: Color32::from_rgb(0x3a, 0x3f, 0x47),
    blueprint_line: Color32::from_rgb(0x7a, 0xa8, 0xe0),
    lane_header_fill: Color32::from_rgba_unmultiplied_const(0x30, 0x34, 0x3c, 0xd0),
    lane_header_text: Color32::from_rgb(0xdd, 0xe1, 0xe8),
    customer_facing_fill: Color32::from_rgb(0x1d, 0x3f, 0x6e),
    customer_facing_stroke: Color32::from_rgb(0x6c, 0xa8, 0xff),
    internal_fill: Color32::from_rgb(0x3a, 0x3e, 0x46),
    internal_stroke: Color32::from_rgb(0x8a, 0x90, 0x9a),
    step_text: Color32::from_rgb(0xf0, 0xf2, 0xf5),
    step_detail_text: Color32::from_rgb(0xb4, 0xba, 0xc4),
    wait_text: Color32::from_rgb(0xff, 0x8a, 0x5c),
    selected_stroke: Color32::from_rgb(0x4d, 0xa8, 0xff),
    search_hit_stroke: Color32::from_rgb(0xff, 0xc8, 0x3d),
    bottleneck_stroke: Color32::from_rgb(0xff, 0x7a, 0x45),
    work_flow: Color32::from_rgb(0xb8, 0xbe, 0xc8),
    information_flow: Color32::from_rgb(0x4f, 0xd1, 0xc1),
    loop_flow: Color32::from_rgb(0xf0, 0x6e, 0xc0),
    flow_label_fill: Color32::from_rgba_premultiplied(0x1b, 0x1d, 0x21, 0xe8),
    flow_label_text: Color32::from_rgb(0xd0, 0xd4, 0xda),
    box_select_fill: Color32::from_rgba_premultiplied(0x10, 0x30, 0x50, 0x40),
    box_select_stroke: Color32::from_rgb(0x4d, 0xa8, 0xff),
    handle_fill: Color32::from_rgb(0x4d, 0xa8, 0xff),
    minimap_fill: Color32::from_rgba_premultiplied(0x26, 0x29, 0x2e, 0xee),
    minimap_view: Color32::from_rgb(0x4d, 0xa8, 0xff),
    error_text: Color32::from_rgb(0xd0, 0x30, 0x30),
    handle_ring: Color32::WHITE,
    badge_text: Color32::WHITE,
};

/// The palette for the current visuals.
pub fn palette(dark_mode: bool) -> &'static Palette {
    if dark_mode { &DARK } else { &LIGHT }
}

/// The badge color of a severity (the same in both themes).
pub fn severity_color(s: Severity) -> Color32 {
    match s {
        Severity::High => Color32::from_rgb(0xd6, 0x28, 0x28),
        Severity::Medium => Color32::from_rgb(0xe8, 0x7d, 0x00),
        Severity::Low => Color32::from_rgb(0xb8, 0x9c, 0x00),
        Severity::Info => Color32::from_rgb(0x3a, 0x7b, 0xd5),
    }
}

/// The colour of a scorecard rating: green to red, grey when unrated.
pub fn rating_color(rating: Option<crate::model::Rating>) -> Color32 {
    use crate::model::Rating;
    match rating {
        Some(Rating::DoingGreat) => Color32::from_rgb(0x2e, 0x9d, 0x4f),
        Some(Rating::CouldImprove) => Color32::from_rgb(0xb8, 0x9c, 0x00),
        Some(Rating::NeedsAttention) => Color32::from_rgb(0xe8, 0x7d, 0x00),
        Some(Rating::AtRisk) => Color32::from_rgb(0xd6, 0x28, 0x28),
        None => Color32::from_rgb(0x9a, 0xa0, 0xa8),
    }
}
