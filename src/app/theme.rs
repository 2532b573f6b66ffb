//! Colors and sizes named for their meaning, so every view agrees on them. The palettes
//! live in the library ([`crate::view::palette`]: the pictures and the report use them too);
//! nothing else in the app names a color.

pub use crate::view::palette::*;

/// Width of the sticky lane-name column at the left of the canvas, in screen points.
pub const LANE_HEADER_WIDTH: f32 = 120.0;
/// Zoom below which step text is not drawn (level of detail).
pub const TEXT_MIN_ZOOM: f32 = 0.35;
/// Size of step names in the overview (where they would be smaller to scale), in points.
pub const OVERVIEW_FONT_SIZE: f32 = 9.0;
/// The overview's smallest name size: a name whose longest word is wider than its card is
/// set smaller, down to this, before the word is broken.
pub const OVERVIEW_MIN_FONT_SIZE: f32 = 8.0;
/// A box narrower than this on screen shows no name in the overview (hover shows it).
pub const OVERVIEW_MIN_LABEL_WIDTH: f32 = 26.0;
/// Zoom below which flows are drawn as plain straight lines without labels or dashes.
pub const DETAIL_MIN_ZOOM: f32 = 0.2;
/// Radius of the connect handle, in screen points.
pub const HANDLE_RADIUS: f32 = 7.0;
pub const MIN_ZOOM: f32 = 0.02;
pub const MAX_ZOOM: f32 = 4.0;

#[cfg(test)]
mod tests {
    /// Every other file of the editor, as compiled: none of them may name a colour.
    const OTHER_FILES: &[(&str, &str)] = &[
        ("canvas/mod.rs", include_str!("canvas/mod.rs")),
        (
            "canvas/interaction.rs",
            include_str!("canvas/interaction.rs"),
        ),
        ("canvas/overlays.rs", include_str!("canvas/overlays.rs")),
        ("command_handling.rs", include_str!("command_handling.rs")),
        ("commands.rs", include_str!("commands.rs")),
        ("dialogs.rs", include_str!("dialogs.rs")),
        ("file_flow.rs", include_str!("file_flow.rs")),
        ("files.rs", include_str!("files.rs")),
        ("find.rs", include_str!("find.rs")),
        ("findings_panel.rs", include_str!("findings_panel.rs")),
        ("legend.rs", include_str!("legend.rs")),
        ("inspector.rs", include_str!("inspector.rs")),
        ("menus.rs", include_str!("menus.rs")),
        ("mod.rs", include_str!("mod.rs")),
        ("rename.rs", include_str!("rename.rs")),
        ("shapes.rs", include_str!("shapes.rs")),
    ];

    #[test]
    fn colours_are_named_only_in_the_theme() {
        for (file, text) in OTHER_FILES {
            for (n, line) in text.lines().enumerate() {
                let names_colour = [
                    "Color32::from_",
                    "Color32::WHITE",
                    "Color32::BLACK",
                    "Color32::RED",
                ]
                .iter()
                .any(|c| line.contains(c));
                assert!(
                    !names_colour,
                    "{file}:{}: a colour outside theme.rs: {line}",
                    n + 1
                );
            }
        }
    }

    #[test]
    fn both_themes_show_errors_in_a_colour_of_their_own() {
        for p in [&super::LIGHT, &super::DARK] {
            assert_ne!(p.error_text, p.canvas_background);
            assert_ne!(p.error_text, p.step_text);
        }
    }
}
