//! The one table of UI commands: name, shortcuts, menu. Menus, keyboard shortcuts, the
//! toolbar and the help overlay are all generated from it, so they never disagree.

use egui::{Key, KeyboardShortcut, Modifiers};

/// Something the user can ask for from a menu, a key or a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UiCommand {
    New,
    Open,
    Save,
    SaveAs,
    Import,
    Export,
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
    FitView,
    ZoomIn,
    ZoomOut,
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
const fn cmd_shift(k: Key) -> KeyboardShortcut {
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), k)
}

/// Every command. Order matters for shortcuts: a more specific chord (Ctrl+Shift+Z) is
/// listed before the one it extends (Ctrl+Z), because egui matches Shift loosely.
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
        command: UiCommand::SaveAs,
        label: "Save as…",
        shortcuts: &[cmd_shift(Key::S)],
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
        command: UiCommand::Import,
        label: "Import BPMN or CSV…",
        shortcuts: &[cmd(Key::I)],
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
        command: UiCommand::Quit,
        label: "Quit",
        shortcuts: &[cmd(Key::Q)],
        menu: MenuName::File,
        while_typing: true,
    },
    CommandSpec {
        command: UiCommand::Redo,
        label: "Redo",
        shortcuts: &[cmd_shift(Key::Z), cmd(Key::Y)],
        menu: MenuName::Edit,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::Undo,
        label: "Undo",
        shortcuts: &[cmd(Key::Z)],
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
        command: UiCommand::FitView,
        label: "Fit to view",
        shortcuts: &[key(Key::F)],
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
        shortcuts: &[],
        menu: MenuName::View,
        while_typing: false,
    },
    CommandSpec {
        command: UiCommand::ToggleInspector,
        label: "Inspector panel",
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

/// The commands whose shortcut was pressed this frame (consuming the keys).
pub fn pressed(ctx: &egui::Context, text_focused: bool) -> Vec<UiCommand> {
    let mut out = Vec::new();
    ctx.input_mut(|i| {
        for s in COMMANDS {
            if text_focused && !s.while_typing {
                continue;
            }
            if s.shortcuts.iter().any(|sc| i.consume_shortcut(sc)) {
                out.push(s.command);
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

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
}
