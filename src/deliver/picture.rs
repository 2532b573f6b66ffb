//! Pictures of a map for slides and reports: SVG (text stays text, searchable) and PNG
//! (the SVG rasterised by resvg with the editor's own bundled font). Drawn from the same
//! egui-free description as the canvas (`view::build`: step boxes, flow curves, lane bands)
//! and the canvas' palette (`theme`), so a picture looks like the editor.

use crate::analysis::Analysis;
use crate::layout::{STEP_HEIGHT, STEP_WIDTH};
use crate::model::{FlowKind, IdSet, Map, StepId, StepKind};
use crate::text::escape_markup as esc;
use crate::view::palette::{self as theme, Palette};
use crate::view::{self, ViewMode, blueprint};
use egui::Color32;
use std::fmt::Write;

/// What a picture shows.
#[derive(Debug, Clone, Default)]
pub struct PictureOptions {
    pub dark: bool,
    /// Only these steps (and the flows among them); `None`: the whole map.
    pub only: Option<IdSet<StepId>>,
    /// The customer view (service blueprint) instead of the map's lanes.
    pub customer_view: bool,
}

/// The width of the lane-name column at the left of a picture (canvas units).
const HEADER: f32 = 150.0;
const MARGIN: f32 = 20.0;

/// A colour as SVG and CSS write it (`#rrggbb`).
pub fn hex(c: Color32) -> String {
    format!("#{:02x}{:02x}{:02x}", c.r(), c.g(), c.b())
}

/// `fill="…"` with the colour's opacity where it is not opaque.
fn paint(attr: &str, c: Color32) -> String {
    let [r, g, b, a] = c.to_srgba_unmultiplied();
    if a == 255 {
        format!("{attr}=\"#{r:02x}{g:02x}{b:02x}\"")
    } else {
        format!(
            "{attr}=\"#{r:02x}{g:02x}{b:02x}\" {attr}-opacity=\"{:.3}\"",
            f32::from(a) / 255.0
        )
    }
}

/// A name broken into lines of about `width` characters (at most `rows`, the last cut with
/// "…"): SVG text does not wrap by itself.
fn lines(name: &str, width: usize, rows: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in name.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    if out.len() > rows {
        out.truncate(rows);
        if let Some(last) = out.last_mut() {
            let keep: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{}…", keep.trim_end());
        }
    }
    out
}

/// The SVG picture of a map.
pub fn svg(map: &Map, analysis: &Analysis, opts: &PictureOptions) -> String {
    let bp;
    let (shown, dimmed, lines_y) = if opts.customer_view {
        bp = blueprint::customer_view(map);
        (
            &bp.map,
            bp.backstage.clone(),
            Some((bp.interaction_y, bp.visibility_y)),
        )
    } else {
        (map, IdSet::default(), None)
    };
    let v = view::build(shown, analysis, ViewMode::Findings);
    let p: &Palette = theme::palette(opts.dark);
    let keep = |id: &StepId| opts.only.as_ref().is_none_or(|o| o.contains(id));
    // Bounds of what is drawn (canvas units).
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for s in v.steps.iter().filter(|s| keep(&s.id)) {
        x0 = x0.min(s.pos[0] - STEP_WIDTH / 2.0);
        x1 = x1.max(s.pos[0] + STEP_WIDTH / 2.0);
        y0 = y0.min(s.pos[1] - STEP_HEIGHT / 2.0 - 18.0);
        y1 = y1.max(s.pos[1] + STEP_HEIGHT / 2.0);
    }
    if x0 > x1 {
        (x0, y0, x1, y1) = (0.0, 0.0, 400.0, 140.0);
    }
    // Whole lane bands where they are in view.
    let bands: Vec<_> = v
        .lanes
        .iter()
        .filter(|b| b.bottom > y0 && b.top < y1)
        .collect();
    if opts.only.is_none()
        && let (Some(first), Some(last)) = (bands.first(), bands.last())
    {
        y0 = y0.min(first.top);
        y1 = y1.max(last.bottom);
    }
    let left = x0 - MARGIN - HEADER;
    let (width, height) = (x1 - left + MARGIN, y1 - y0 + 2.0 * MARGIN);
    let top = y0 - MARGIN;
    let mut out = String::with_capacity(2048 + v.steps.len() * 600);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" \
         viewBox=\"{left:.1} {top:.1} {width:.1} {height:.1}\" \
         font-family=\"Ubuntu, 'Ubuntu Light', sans-serif\">\n<title>{}</title>\n",
        esc(&map.name)
    );
    let _ = writeln!(
        out,
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" \
         markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" \
         fill=\"context-stroke\"/></marker></defs>"
    );
    let _ = writeln!(
        out,
        "<rect x=\"{left:.1}\" y=\"{top:.1}\" width=\"{width:.1}\" height=\"{height:.1}\" {}/>",
        paint("fill", p.canvas_background)
    );
    // Lanes: bands, borders and names.
    out.push_str("<g class=\"lanes\">\n");
    for (k, b) in bands.iter().enumerate() {
        let (bt, bb) = (b.top.max(top), b.bottom.min(top + height));
        let fill = if k % 2 == 0 {
            p.lane_band_even
        } else {
            p.lane_band_odd
        };
        let _ = writeln!(
            out,
            "<rect x=\"{left:.1}\" y=\"{bt:.1}\" width=\"{width:.1}\" height=\"{:.1}\" {}/>\
             <line x1=\"{left:.1}\" y1=\"{bb:.1}\" x2=\"{:.1}\" y2=\"{bb:.1}\" stroke=\"{}\"/>\
             <rect x=\"{left:.1}\" y=\"{bt:.1}\" width=\"{HEADER}\" height=\"{:.1}\" {}/>",
            bb - bt,
            paint("fill", fill),
            left + width,
            hex(p.lane_border),
            bb - bt,
            paint("fill", p.lane_header_fill),
        );
        for (r, l) in lines(&b.name, 20, 3).iter().enumerate() {
            let _ = writeln!(
                out,
                "<text class=\"lane-name\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"13\" fill=\"{}\">{}</text>",
                left + 8.0,
                (bt + bb) / 2.0 - 6.0 + r as f32 * 16.0,
                hex(p.lane_header_text),
                esc(l)
            );
        }
    }
    out.push_str("</g>\n");
    if let Some((interaction, visibility)) = lines_y {
        for (y, name) in [
            (interaction, "line of interaction"),
            (visibility, "line of visibility"),
        ] {
            let Some(y) = y else { continue };
            let _ = writeln!(
                out,
                "<line class=\"blueprint-line\" x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" \
                 stroke=\"{c}\" stroke-width=\"2\" stroke-dasharray=\"10 6\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"end\" fill=\"{c}\">{name}</text>",
                left + HEADER,
                left + width,
                left + width - 8.0,
                y - 4.0,
                c = hex(p.blueprint_line)
            );
        }
    }
    // Flows, under the steps.
    out.push_str("<g class=\"flows\">\n");
    for f in &v.flows {
        let (a, b) = (&v.steps[f.from], &v.steps[f.to]);
        if !(keep(&a.id) && keep(&b.id)) {
            continue;
        }
        let c = f.curve;
        let color = match (f.kind, f.in_loop) {
            (FlowKind::Information, _) => p.information_flow,
            (FlowKind::Work, true) => p.loop_flow,
            (FlowKind::Work, false) => p.work_flow,
        };
        let dash = if f.kind == FlowKind::Information {
            " stroke-dasharray=\"7 4\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<g class=\"flow\" data-from=\"{}\" data-to=\"{}\" data-kind=\"{}\"><path d=\"M{:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" \
             fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{dash} marker-end=\"url(#arrow)\"/>",
            esc(a.id.as_str()),
            esc(b.id.as_str()),
            f.kind.as_str(),
            c[0][0],
            c[0][1],
            c[1][0],
            c[1][1],
            c[2][0],
            c[2][1],
            c[3][0],
            c[3][1],
            hex(color),
            if f.in_loop { 2.0 } else { 1.4 },
        );
        if !f.label.is_empty() {
            let [mx, my] = view::bezier(&c, 0.5);
            let w = f.label.chars().count() as f32 * 5.6 + 8.0;
            let _ = write!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"15\" rx=\"3\" {}/>\
                 <text x=\"{mx:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
                mx - w / 2.0,
                my - 8.0,
                paint("fill", p.flow_label_fill),
                my + 3.5,
                hex(p.flow_label_text),
                esc(&f.label)
            );
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n<g class=\"steps\">\n");
    for s in v.steps.iter().filter(|s| keep(&s.id)) {
        step_svg(&mut out, s, p, dimmed.contains(&s.id));
    }
    out.push_str("</g>\n</svg>\n");
    out
}

fn step_svg(out: &mut String, s: &view::StepBox, p: &Palette, dimmed: bool) {
    let [cx, cy] = s.pos;
    let (hw, hh) = (STEP_WIDTH / 2.0, STEP_HEIGHT / 2.0);
    let (fill, stroke) = if s.is_customer_facing() {
        (p.customer_facing_fill, p.customer_facing_stroke)
    } else {
        (p.internal_fill, p.internal_stroke)
    };
    let (stroke, width) = if s.bottleneck {
        (p.bottleneck_stroke, 2.5)
    } else if s.kind == StepKind::End {
        (stroke, 2.7)
    } else {
        (stroke, 1.2)
    };
    let style = format!(
        "fill=\"{}\" stroke=\"{}\" stroke-width=\"{width}\"",
        hex(fill),
        hex(stroke)
    );
    let opacity = if dimmed { " opacity=\"0.4\"" } else { "" };
    let _ = write!(
        out,
        "<g class=\"step\" data-id=\"{}\" data-kind=\"{}\"{opacity}>",
        esc(s.id.as_str()),
        s.kind.as_str()
    );
    let _ = match s.kind {
        StepKind::Decision => write!(
            out,
            "<polygon points=\"{cx:.1},{:.1} {:.1},{cy:.1} {cx:.1},{:.1} {:.1},{cy:.1}\" {style}/>",
            cy - hh,
            cx + hw,
            cy + hh,
            cx - hw
        ),
        StepKind::Wait => write!(
            out,
            "<polygon points=\"{cx:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\" {style}/>",
            cy - hh,
            cx + hw,
            cy + hh,
            cx - hw,
            cy + hh
        ),
        StepKind::Start | StepKind::End => write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{STEP_WIDTH}\" height=\"{STEP_HEIGHT}\" rx=\"{hh}\" {style}/>",
            cx - hw,
            cy - hh
        ),
        StepKind::Activity => write!(
            out,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{STEP_WIDTH}\" height=\"{STEP_HEIGHT}\" rx=\"8\" {style}/>",
            cx - hw,
            cy - hh
        ),
    };
    if s.is_customer_facing() {
        let [dx, dy] = view::person_marker_offset(s.kind, [hw, hh]);
        let (head, r, shoulders) =
            view::person_marker([cx + dx, cy + dy], view::PERSON_MARKER_SIZE);
        let points: Vec<String> = shoulders
            .iter()
            .map(|[x, y]| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            out,
            "<g class=\"customer-marker\" fill=\"{}\"><circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r:.1}\"/><polygon points=\"{}\"/></g>",
            hex(p.customer_facing_stroke),
            head[0],
            head[1],
            points.join(" ")
        );
    }
    // The name, in lines that fit the shape.
    let (chars, rows, dy) = match s.kind {
        StepKind::Decision => (12, 2, 0.0),
        StepKind::Wait => (12, 2, hh * 0.35),
        _ => (19, 3, 0.0),
    };
    // Room for the customer marker at the left, as on the canvas.
    let (chars, tx) = if s.is_customer_facing() && s.kind != StepKind::Decision {
        (chars - 2, cx + 8.0)
    } else {
        (chars, cx)
    };
    let name = lines(&s.name, chars, rows);
    let first = cy + dy - (name.len() as f32 - 1.0) * 7.5 + 4.0;
    let _ = write!(
        out,
        "<text class=\"name\" font-size=\"12\" text-anchor=\"middle\" fill=\"{}\">",
        hex(p.step_text)
    );
    for (k, l) in name.iter().enumerate() {
        let _ = write!(
            out,
            "<tspan x=\"{tx:.1}\" y=\"{:.1}\">{}</tspan>",
            first + k as f32 * 15.0,
            esc(l)
        );
    }
    out.push_str("</text>");
    if !s.work.is_empty() {
        let _ = write!(
            out,
            "<text class=\"work\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\" fill=\"{}\">{}</text>",
            cx + hw - 6.0,
            cy + hh - 5.0,
            hex(p.step_detail_text),
            esc(&s.work)
        );
    }
    if !s.wait.is_empty() {
        let _ = write!(
            out,
            "<text class=\"wait\" x=\"{:.1}\" y=\"{:.1}\" font-size=\"10.5\" fill=\"{}\">wait {}</text>",
            cx - hw,
            cy - hh - 4.0,
            hex(p.wait_text),
            esc(&s.wait)
        );
    }
    if let Some(b) = s.badge {
        let _ = write!(
            out,
            "<circle class=\"badge\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"9\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10.5\" text-anchor=\"middle\" fill=\"{}\">{}</text>",
            cx + hw,
            cy - hh,
            hex(theme::severity_color(b.severity)),
            cx + hw,
            cy - hh + 3.8,
            hex(p.badge_text),
            b.findings
        );
    }
    out.push_str("</g>\n");
}

/// The picture as PNG, `scale` pixels per canvas unit, text in the editor's bundled font.
pub fn png(svg_text: &str, scale: f32) -> Result<Vec<u8>, String> {
    let mut fonts = resvg::usvg::fontdb::Database::new();
    fonts.load_font_data(epaint_default_fonts::UBUNTU_LIGHT.to_vec());
    fonts.load_font_data(epaint_default_fonts::NOTO_EMOJI_REGULAR.to_vec());
    let family = fonts
        .faces()
        .next()
        .and_then(|f| f.families.first())
        .map(|(name, _)| name.clone());
    if let Some(family) = family {
        fonts.set_sans_serif_family(family);
    }
    let options = resvg::usvg::Options {
        fontdb: std::sync::Arc::new(fonts),
        ..resvg::usvg::Options::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg_text, &options)
        .map_err(|e| format!("cannot read the picture: {e}"))?;
    let size =
        tree.size().to_int_size().scale_by(scale).ok_or_else(|| {
            format!("a picture at scale {scale} has no size; use a scale above 0")
        })?;
    if u64::from(size.width()) * u64::from(size.height()) > 400_000_000 {
        return Err(format!(
            "a {}×{} pixel picture is too large; use a smaller --scale or export SVG",
            size.width(),
            size.height()
        ));
    }
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "cannot make a picture of that size".to_owned())?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("cannot encode the PNG: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;

    fn sample() -> Map {
        crate::samples::default_map().unwrap()
    }

    #[test]
    fn the_svg_is_xml_with_an_element_per_step_and_flow_and_text_as_text() {
        let mut m = sample();
        m.set_step_field(
            &"split-order".into(),
            crate::model::StepField::Name("<script>alert(1)</script> & split".into()),
        )
        .unwrap();
        let a = analyze(&m);
        let text = svg(&m, &a, &PictureOptions::default());
        let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
        let class = |c: &str| {
            doc.descendants()
                .filter(|n| n.attribute("class") == Some(c))
                .count()
        };
        assert_eq!(class("step"), m.step_count());
        assert_eq!(class("flow"), m.flow_count());
        assert!(class("lane-name") >= m.lanes().len());
        // Every customer-facing step carries the canvas' person marker, inside its group.
        let facing = m.steps().filter(|s| s.is_customer_facing()).count();
        assert!(facing > 0);
        assert_eq!(class("customer-marker"), facing);
        assert!(
            doc.descendants()
                .filter(|n| n.attribute("class") == Some("customer-marker"))
                .all(|g| {
                    let id = g.parent().and_then(|s| s.attribute("data-id")).unwrap();
                    m.step(&id.into()).unwrap().is_customer_facing()
                })
        );
        // Names are text (searchable), the hostile one escaped, not markup.
        let all_text: String = doc
            .descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect::<Vec<_>>()
            .join(" ");
        assert!(all_text.contains("Reconcile customer"), "{all_text}");
        assert!(all_text.contains("<script>alert(1)</script>"));
        assert!(!doc.descendants().any(|n| n.tag_name().name() == "script"));
        // Badges, work and wait labels, the bottleneck outline.
        assert!(class("badge") > 0);
        assert!(all_text.contains("wait 5d"));
        let bottleneck = doc
            .descendants()
            .find(|n| n.attribute("data-id") == Some("reconcile-account"))
            .unwrap();
        let shape = bottleneck.first_element_child().unwrap();
        assert_eq!(
            shape.attribute("stroke"),
            Some(hex(theme::LIGHT.bottleneck_stroke).as_str())
        );
        // Information flows are dashed, work flows solid.
        let dashed = |kind: &str| {
            doc.descendants()
                .filter(|n| n.attribute("data-kind") == Some(kind))
                .all(|g| {
                    g.first_element_child()
                        .is_some_and(|p| p.attribute("stroke-dasharray").is_some())
                })
        };
        assert!(dashed("information"));
        assert!(!dashed("work"));
    }

    #[test]
    fn a_selection_and_the_customer_view_draw_what_they_show() {
        let m = sample();
        let a = analyze(&m);
        let only: IdSet<StepId> = ["place-order", "enter-order"]
            .into_iter()
            .map(StepId::from)
            .collect();
        let text = svg(
            &m,
            &a,
            &PictureOptions {
                only: Some(only),
                ..PictureOptions::default()
            },
        );
        let doc = roxmltree::Document::parse(&text).unwrap();
        let count = |c: &str| {
            doc.descendants()
                .filter(|n| n.attribute("class") == Some(c))
                .count()
        };
        assert_eq!(count("step"), 2);
        // The flows between them: one work flow and one information flow.
        assert_eq!(count("flow"), 2);
        let text = svg(
            &m,
            &a,
            &PictureOptions {
                customer_view: true,
                dark: true,
                ..PictureOptions::default()
            },
        );
        let doc = roxmltree::Document::parse(&text).unwrap();
        assert_eq!(count_in(&doc, "blueprint-line"), 2);
        assert!(text.contains(">Backstage (internal<"));
        assert!(text.contains(&hex(theme::DARK.canvas_background)));
    }

    fn count_in(doc: &roxmltree::Document, c: &str) -> usize {
        doc.descendants()
            .filter(|n| n.attribute("class") == Some(c))
            .count()
    }

    #[test]
    fn the_png_has_the_size_of_the_svg_at_its_scale_and_is_not_blank() {
        let m = sample();
        let a = analyze(&m);
        let text = svg(&m, &a, &PictureOptions::default());
        let doc = roxmltree::Document::parse(&text).unwrap();
        let width: f32 = doc
            .root_element()
            .attribute("width")
            .unwrap()
            .parse()
            .unwrap();
        let height: f32 = doc
            .root_element()
            .attribute("height")
            .unwrap()
            .parse()
            .unwrap();
        let bytes = png(&text, 0.5).unwrap();
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&bytes).unwrap();
        assert_eq!(pixmap.width(), (width * 0.5).round() as u32);
        assert_eq!(pixmap.height(), (height * 0.5).round() as u32);
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png(&text, 1.0).unwrap()).unwrap();
        // Not one colour: lanes, steps and text are drawn.
        let first = pixmap.pixels()[0];
        let different = pixmap.pixels().iter().filter(|p| **p != first).count();
        assert!(different > pixmap.pixels().len() / 20, "{different}");
        // Text and lines are drawn: pixels far darker than every fill (the lightest of
        // them, the lane borders, sum to about 600).
        let dark = pixmap
            .pixels()
            .iter()
            .filter(|p| u16::from(p.red()) + u16::from(p.green()) + u16::from(p.blue()) < 300)
            .count();
        assert!(dark > 100, "{dark}");
        assert!(png(&text, 0.0).is_err());
        // The bundled font is found: text alone draws pixels.
        let only_text = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"120\" height=\"30\" \
             font-family=\"Ubuntu, sans-serif\"><text x=\"4\" y=\"20\" font-size=\"16\">Order</text></svg>";
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png(only_text, 1.0).unwrap()).unwrap();
        let inked = pixmap.pixels().iter().filter(|p| p.alpha() > 0).count();
        assert!(inked > 50, "text drew {inked} pixels");
    }
}
