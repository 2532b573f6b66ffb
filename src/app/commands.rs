//! The one table of UI commands: name, shortcuts, menu. Menus, keyboard shortcuts, the
//! toolbar and the help overlay are all generated from it, so they never disagree.

use super::canvas::Selection;
use egui::{Key, KeyboardShortcut, Modifiers};

/// Something the user can ask for from a menu, a key or a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UiCommand {
    New,
    Open,
    Save,
    SaveAs,
    Import,
    ImportEventLog,
    Export,
    ExportPicture,
    ExportReport,
    CompareWith,
    Quit,
    Undo,
    Redo,
    Copy,
    Paste,
    Duplicate,
    Delete,
    SelectAll,
    Find,
    Rename,
    AddStep,
    ConnectWork,
    ConnectInformation,
    ToggleCustomerFacing,
    AutoArrange,
    AddLane,
    CreateToBe,
    Scorecard,
    Worksheet,
    CustomerView,
    Charts,
    FitView,
    ZoomToSelection,
    ZoomActual,
    ZoomIn,
    ZoomOut,
    Legend,
    ToggleTheme,
    ToggleMinimap,
    ToggleFindings,
    ToggleInspector,
    Help,
}

/// Which menu a command is listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuName {
    File,
    Edit,
    Map,
    View,
    Help,
}

/// One row of the table.
pub struct CommandSpec {
    pub command: UiCommand,
    /// Menu text; ends with `…` when it opens a dialog.
    pub label: &'static str,
    pub shortcuts: &'static [KeyboardShortcut],
    pub menu: MenuName,
    /// May fire while a text field has focus (file commands; the field is committed first).
    pub while_typing: bool,
}

const fn key(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::NONE, k)
}
const fn cmd(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND, k)
}
const fn shift(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::SHIFT, k)
}
const fn cmd_shift(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), k)
}

/// Every command, in menu order. (Shortcuts are matched most specific first, see `pressed`.)
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        command: UiCommand::New,
        label: "New",
        shortcuts: &[cmd(Key::N)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::Open,
        label: "Open…",
        shortcuts: &[cmd(Key::O)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::Save,
        label: "Save",
        shortcuts: &[cmd(Key::S)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::SaveAs,
        label: "Save as…",
        shortcuts: &[cmd_shift(Key::S)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::Import,
        label: "Import BPMN or CSV…",
        shortcuts: &[cmd(Key::I)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::ImportEventLog,
        label: "Import event log (XES or CSV)…",
        shortcuts: &[cmd_shift(Key::L)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::Export,
        label: "Export as BPMN or CSV…",
        shortcuts: &[cmd(Key::E)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::ExportPicture,
        label: "Export picture (SVG or PNG)…",
        shortcuts: &[cmd_shift(Key::E)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::ExportReport,
        label: "Export report (HTML or Markdown)…",
        shortcuts: &[cmd_shift(Key::R)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::CompareWith,
        label: "Compare with…",
        shortcuts: &[cmd_shift(Key::O)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::Quit,
        label: "Quit",
        shortcuts: &[cmd(Key::Q)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::Undo,
        label: "Undo",
        shortcuts: &[cmd(Key::Z)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Redo,
        label: "Redo",
        shortcuts: &[cmd_shift(Key::Z), cmd(Key::Y)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Copy,
        label: "Copy",
        shortcuts: &[cmd(Key::C)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Paste,
        label: "Paste",
        shortcuts: &[cmd(Key::V)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Duplicate,
        label: "Duplicate",
        shortcuts: &[cmd(Key::D)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Delete,
        label: "Delete",
        shortcuts: &[key(Key::Delete), key(Key::Backspace)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::SelectAll,
        label: "Select all",
        shortcuts: &[cmd(Key::A)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Find,
        label: "Find…",
        shortcuts: &[cmd(Key::F)],
        menu: MenuName::Edit,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::Rename,
        label: "Rename step",
        shortcuts: &[key(Key::F2)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::AddStep,
        label: "Add step",
        shortcuts: &[key(Key::N)],
        menu: MenuName::Map,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ConnectWork,
        label: "Connect selected (work flow)",
        shortcuts: &[key(Key::C)],
        menu: MenuName::Map,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ConnectInformation,
        label: "Connect selected (information flow)",
        shortcuts: &[key(Key::I)],
        menu: MenuName::Map,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ToggleCustomerFacing,
        label: "Toggle customer-facing",
        shortcuts: &[key(Key::T)],
        menu: MenuName::Map,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::AutoArrange,
        label: "Auto-arrange",
        shortcuts: &[key(Key::L)],
        menu: MenuName::Map,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::AddLane,
        label: "Add lane",
        shortcuts: &[],
        menu: MenuName::Map,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Worksheet,
        label: "Challenge worksheet",
        shortcuts: &[key(Key::W)],
        menu: MenuName::Map,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Scorecard,
        label: "Scorecard…",
        shortcuts: &[cmd_shift(Key::K)],
        menu: MenuName::Map,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::CreateToBe,
        label: "Create to-be from the dispositions",
        shortcuts: &[cmd_shift(Key::T)],
        menu: MenuName::Map,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::CustomerView,
        label: "Customer view (service blueprint)",
        shortcuts: &[key(Key::B)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Charts,
        label: "Charts (timeline ladder, Pareto of delay)",
        shortcuts: &[key(Key::G)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::FitView,
        label: "Fit to view",
        shortcuts: &[key(Key::F)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ZoomToSelection,
        label: "Zoom to selection",
        shortcuts: &[shift(Key::F)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ZoomActual,
        label: "Actual size (100%)",
        shortcuts: &[cmd(Key::Num0)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ZoomIn,
        label: "Zoom in",
        shortcuts: &[key(Key::Plus), key(Key::Equals)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ZoomOut,
        label: "Zoom out",
        shortcuts: &[key(Key::Minus)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ToggleTheme,
        label: "Dark theme",
        shortcuts: &[],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ToggleMinimap,
        label: "Minimap",
        shortcuts: &[],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ToggleFindings,
        label: "Findings panel",
        shortcuts: &[key(Key::F9)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ToggleInspector,
        label: "Inspector panel",
        shortcuts: &[key(Key::F10)],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Legend,
        label: "Legend…",
        shortcuts: &[],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Help,
        label: "Keyboard shortcuts…",
        shortcuts: &[key(Key::F1)],
        menu: MenuName::Help,
        while_typing: true,
    },
];

/// The table row of a command.
pub fn spec(command: UiCommand) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|s| s.command == command)
}

impl CommandSpec {
    /// Every shortcut as the platform writes it (e.g. "Ctrl+S" or "⌘S").
    pub fn shortcut_texts(&self, ctx: &egui::Context) -> Vec<String> {
        self.shortcuts
            .iter()
            .map(|k| ctx.format_shortcut(k))
            .collect()
    }

    /// The first shortcut's text, for a menu item; empty when there is none.
    pub fn shortcut_text(&self, ctx: &egui::Context) -> String {
        self.shortcuts
            .first()
            .map(|k| ctx.format_shortcut(k))
            .unwrap_or_default()
    }

    /// The label with its shortcuts, for a tooltip: "Undo (Ctrl+Z)".
    pub fn hint(&self, ctx: &egui::Context) -> String {
        hint_text(self.label, &self.shortcut_texts(ctx))
    }
}

fn hint_text(label: &str, keys: &[String]) -> String {
    if keys.is_empty() {
        label.to_owned()
    } else {
        format!("{label} ({})", keys.join(", "))
    }
}

/// What decides whether a command can run now: the selection, the history, the clipboard.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandState {
    pub steps_selected: usize,
    pub flow_selected: bool,
    pub can_undo: bool,
    pub can_redo: bool,
    pub has_clipboard: bool,
}

impl CommandState {
    /// The same state with another selection (the canvas changes it on right-click).
    pub fn with_selection(self, selection: &Selection) -> Self {
        Self {
            steps_selected: selection.steps.len(),
            flow_selected: selection.flow.is_some(),
            ..self
        }
    }

    /// Whether a command can run: the one rule for menus, toolbar and context menu.
    pub fn is_enabled(&self, command: UiCommand) -> bool {
        match command {
            UiCommand::Undo => self.can_undo,
            UiCommand::Redo => self.can_redo,
            UiCommand::Copy | UiCommand::Duplicate | UiCommand::ToggleCustomerFacing => {
                self.steps_selected > 0
            }
            UiCommand::Delete => self.steps_selected > 0 || self.flow_selected,
            UiCommand::Paste => self.has_clipboard,
            UiCommand::Rename => self.steps_selected == 1,
            UiCommand::ZoomToSelection => self.steps_selected > 0,
            UiCommand::ConnectWork | UiCommand::ConnectInformation => self.steps_selected >= 2,
            _ => true,
        }
    }

    /// The commands the canvas' context menu offers: those acting on the selected steps,
    /// Delete for a selected flow, else the commands for the empty canvas.
    pub fn context_menu(&self) -> &'static [UiCommand] {
        use UiCommand as C;
        if self.steps_selected > 0 {
            &[
                C::Rename,
                C::ToggleCustomerFacing,
                C::ConnectWork,
                C::ConnectInformation,
                C::Copy,
                C::Duplicate,
                C::Delete,
            ]
        } else if self.flow_selected {
            &[C::Delete]
        } else {
            &[C::AddStep, C::Paste, C::AutoArrange, C::FitView]
        }
    }
}

/// The commands whose shortcut was pressed this frame (consuming the keys).
pub fn pressed(ctx: &egui::Context, text_focused: bool) -> Vec<UiCommand> {
    let mut out = Vec::new();
    ctx.input_mut(|i| {
        for &(s, sc) in shortcuts_most_specific_first() {
            if text_focused && !s.while_typing {
                continue;
            }
            if i.consume_shortcut(sc) && !out.contains(&s.command) {
                out.push(s.command);
            }
        }
    });
    out
}

/// Every (command, shortcut), chords with more modifiers first: egui matches Shift loosely,
/// so Ctrl+Shift+Z must be tried before Ctrl+Z consumes it (and Shift+F before F). Sorted
/// once, not every frame.
fn shortcuts_most_specific_first() -> &'static [(&'static CommandSpec, &'static KeyboardShortcut)] {
    static ORDER: std::sync::LazyLock<Vec<(&CommandSpec, &KeyboardShortcut)>> =
        std::sync::LazyLock::new(|| {
            let mut all: Vec<_> = COMMANDS
                .iter()
                .flat_map(|s| s.shortcuts.iter().map(move |sc| (s, sc)))
                .collect();
            let count = |m: Modifiers| {
                [m.alt, m.command || m.ctrl, m.shift]
                    .iter()
                    .filter(|b| **b)
                    .count()
            };
            all.sort_by_key(|(_, sc)| std::cmp::Reverse(count(sc.modifiers)));
            all
        });
    &ORDER
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The window turns Ctrl+C, Ctrl+V and Ctrl+X (with or without Shift) into copy, paste
    /// and cut events and no key event (egui-winit), so no other command may use them.
    #[test]
    fn no_command_hides_behind_the_clipboard_keys() {
        for spec in COMMANDS {
            for sc in spec.shortcuts {
                if sc.modifiers.command && matches!(sc.logical_key, Key::C | Key::V | Key::X) {
                    assert!(
                        matches!(spec.command, UiCommand::Copy | UiCommand::Paste),
                        "{:?} uses a clipboard key",
                        spec.command
                    );
                }
            }
        }
    }

    #[test]
    fn every_command_is_listed_once_and_no_shortcut_is_shared() {
        let mut seen = HashSet::new();
        let mut keys = HashSet::new();
        for s in COMMANDS {
            assert!(seen.insert(s.command), "{:?} twice", s.command);
            for sc in s.shortcuts {
                assert!(
                    keys.insert((sc.modifiers.command, sc.modifiers.shift, sc.logical_key)),
                    "{:?} shared",
                    sc
                );
            }
        }
    }

    fn state(steps: usize, flow: bool) -> CommandState {
        CommandState {
            steps_selected: steps,
            flow_selected: flow,
            ..CommandState::default()
        }
    }

    #[test]
    fn enable_rules_follow_the_selection_history_and_clipboard() {
        let none = state(0, false);
        assert!(!none.is_enabled(UiCommand::Delete));
        assert!(!none.is_enabled(UiCommand::Copy));
        assert!(!none.is_enabled(UiCommand::Undo));
        assert!(!none.is_enabled(UiCommand::Paste));
        assert!(none.is_enabled(UiCommand::AddStep));
        assert!(state(0, true).is_enabled(UiCommand::Delete));
        assert!(!state(0, true).is_enabled(UiCommand::Copy));
        let one = state(1, false);
        assert!(one.is_enabled(UiCommand::Rename));
        assert!(!one.is_enabled(UiCommand::ConnectWork));
        let two = state(2, false);
        assert!(!two.is_enabled(UiCommand::Rename));
        assert!(two.is_enabled(UiCommand::ConnectInformation));
        let full = CommandState {
            can_undo: true,
            can_redo: true,
            has_clipboard: true,
            ..none
        };
        assert!(full.is_enabled(UiCommand::Undo) && full.is_enabled(UiCommand::Redo));
        assert!(full.is_enabled(UiCommand::Paste));
    }

    #[test]
    fn the_context_menu_offers_what_fits_the_selection() {
        assert_eq!(state(0, true).context_menu(), &[UiCommand::Delete]);
        assert!(
            state(2, false)
                .context_menu()
                .contains(&UiCommand::ConnectWork)
        );
        assert!(state(0, false).context_menu().contains(&UiCommand::Paste));
        let mut sel = Selection::default();
        sel.only("a".into());
        let s = state(0, false).with_selection(&sel);
        assert_eq!((s.steps_selected, s.flow_selected), (1, false));
        // Every item of every menu is in the command table.
        for s in [state(0, false), state(0, true), state(3, false)] {
            assert!(s.context_menu().iter().all(|c| spec(*c).is_some()));
        }
    }

    #[test]
    fn hints_name_the_shortcuts() {
        assert_eq!(hint_text("Fit", &[]), "Fit");
        assert_eq!(hint_text("Undo", &["Ctrl+Z".to_owned()]), "Undo (Ctrl+Z)");
        let ctx = egui::Context::default();
        let undo = spec(UiCommand::Undo).unwrap();
        assert!(undo.hint(&ctx).starts_with("Undo ("));
        assert_eq!(undo.shortcut_text(&ctx), undo.shortcut_texts(&ctx)[0]);
        assert_eq!(
            spec(UiCommand::ToggleTheme).unwrap().shortcut_text(&ctx),
            ""
        );
    }
}
