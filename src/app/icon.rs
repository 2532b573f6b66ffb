//! The application icon: the PNGs in `assets/icons/` (drawn from `valueflow.svg`), decoded
//! for the window; the launcher and the desktop's icon theme use the same files.

/// The window icon's PNG. One size is enough for the window: the window manager scales it,
/// and the icon theme (installed by `scripts/install-desktop.sh`) has every size.
pub const WINDOW_ICON_PNG: &[u8] = include_bytes!("../../assets/icons/valueflow-256.png");

/// The decoded window icon; `None` (the desktop's default icon) if the PNG cannot be read,
/// which the test below rules out for the shipped file.
pub fn window_icon() -> Option<egui::IconData> {
    eframe::icon_data::from_png_bytes(WINDOW_ICON_PNG).ok()
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "a failed unwrap is a clear test failure"
    )]
    use super::*;

    const DESKTOP: &str = include_str!("../../assets/valueflow.desktop");

    #[test]
    fn the_window_icon_decodes_at_its_size() {
        let icon = window_icon().unwrap();
        assert_eq!((icon.width, icon.height), (256, 256));
        assert_eq!(icon.rgba.len(), 256 * 256 * 4);
        // Not blank: the corners are transparent, the centre is drawn.
        assert_eq!(icon.rgba[3], 0);
        let centre = (128 * 256 + 128) * 4;
        assert_eq!(icon.rgba[centre + 3], 255);
    }

    #[test]
    fn the_launcher_names_the_app_id_and_an_icon_that_exists() {
        let key = |k: &str| {
            DESKTOP
                .lines()
                .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix('=')))
                .unwrap_or_else(|| panic!("valueflow.desktop has no {k}"))
        };
        assert_eq!(DESKTOP.lines().next(), Some("[Desktop Entry]"));
        assert_eq!(key("Type"), "Application");
        // The window manager matches the window to its launcher by the app id.
        assert_eq!(key("StartupWMClass"), super::super::APP_ID);
        assert_eq!(key("Icon"), "valueflow");
        assert!(key("Exec").starts_with("valueflow "));
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/icons");
        for size in [16, 24, 32, 48, 64, 128, 256, 512] {
            let png = std::fs::read(format!("{dir}/valueflow-{size}.png")).unwrap();
            let icon = eframe::icon_data::from_png_bytes(&png).unwrap();
            assert_eq!((icon.width, icon.height), (size, size));
        }
    }
}
