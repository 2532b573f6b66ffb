//! The client report: one self-contained HTML file (inline CSS and SVG, no scripts, nothing
//! from the network) with the headline numbers, the map and the customer view, the timeline
//! ladder and the Paretos of delay, the findings with each step's challenge, the scorecard,
//! and (with a to-be) the comparison. Everything from the map is escaped.

use super::picture::{PictureOptions, hex, svg as map_svg};
use crate::analysis::{Analysis, Finding, analyze};
use crate::charts::{self, Bar, Ladder};
use crate::compare::compare;
use crate::model::{Map, ScoreParam};
use crate::text::escape_markup as esc;
use crate::units::format_duration;
use crate::view::palette as theme;
use std::fmt::Write;

const CSS: &str = "
body{font-family:system-ui,'Segoe UI',Ubuntu,sans-serif;color:#1c1f24;margin:0;background:#fff}
main{max-width:1100px;margin:0 auto;padding:24px 32px}
h1{font-size:28px;margin:0 0 4px} h2{font-size:20px;margin:28px 0 10px;border-bottom:2px solid #dde1e8;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
.meta{color:#555b66;font-size:13px} .desc{max-width:80ch;line-height:1.45}
.numbers{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:10px;margin:14px 0}
.number{border:1px solid #dde1e8;border-radius:8px;padding:10px 12px}
.number b{display:block;font-size:22px;margin-top:2px}
.number span{font-size:12px;color:#555b66}
figure{margin:10px 0 18px} figure svg{display:block;box-sizing:border-box;width:100%;height:auto;border:1px solid #dde1e8;border-radius:6px}
figcaption{font-size:12px;color:#555b66;margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 14px}
th,td{border:1px solid #dde1e8;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f4f5f7} tr,tbody.finding{page-break-inside:avoid;break-inside:avoid}
tbody.finding td{border-top:2px solid #c9ced6} tr.challenge td{border-top:none;background:#fafbfc}
.answers{display:grid;grid-template-columns:1fr 1fr;gap:4px 18px;font-size:12px}
h2,h3{break-after:avoid;page-break-after:avoid} figure{break-inside:avoid}
.sev-high{color:#d62828;font-weight:600} .sev-medium{color:#e87d00;font-weight:600}
.sev-low{color:#b89c00;font-weight:600} .sev-info{color:#3a7bd5;font-weight:600}
.score{display:grid;grid-template-columns:repeat(3,1fr);gap:10px}
.score div{border-radius:8px;padding:10px 12px;color:#fff}
.score small{display:block;opacity:.9;margin-top:4px}
.q{font-style:italic;color:#555b66;font-size:12px}
@media print{main{max-width:none;padding:0} section{page-break-before:always} section.first{page-break-before:auto}
figure,.numbers,.score{page-break-inside:avoid} a{color:inherit}}
@page{size:A4;margin:14mm}
";

/// The report of `map` (and, with `to_be`, the comparison) as one HTML page. `date` is
/// printed on the title page (`YYYY-MM-DD`).
pub fn report(map: &Map, to_be: Option<&Map>, date: &str) -> String {
    let a = analyze(map);
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body><main>\n",
        esc(&map.name)
    );
    // Title page facts and the headline numbers.
    let _ = write!(
        out,
        "<section class=\"first\" id=\"summary\"><h1>{}</h1><p class=\"meta\">Process analysis · {}</p>",
        esc(&map.name),
        esc(date)
    );
    for para in map
        .description
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
    {
        let _ = write!(out, "<p class=\"desc\">{}</p>", esc(para.trim()));
    }
    numbers(&mut out, &a);
    out.push_str("</section>\n");
    // Pictures.
    out.push_str("<section id=\"map\"><h2>The process</h2><figure>");
    out.push_str(&map_svg(map, &a, &PictureOptions::default()));
    out.push_str("<figcaption>Steps in their lanes; blue steps are customer-facing; badges count a step's findings; the outlined step is the bottleneck; dashed lines are information flows.</figcaption></figure>");
    out.push_str("<h3>The process as the customer lives it</h3><figure>");
    out.push_str(&map_svg(
        map,
        &a,
        &PictureOptions {
            customer_view: true,
            ..PictureOptions::default()
        },
    ));
    out.push_str("<figcaption>The customer's steps on top; below the line of interaction, what the company does in front of the customer; below the line of visibility, the internal work.</figcaption></figure></section>\n");
    // Charts.
    out.push_str(
        "<section id=\"charts\"><h2>Where the time goes</h2><h3>Timeline ladder</h3><figure>",
    );
    out.push_str(&ladder_svg(&charts::ladder(map, &a)));
    out.push_str("<figcaption>Along the most likely path: waiting above the line (red where it gives the customer nothing), work below (blue where the customer values it).</figcaption></figure>");
    out.push_str("<h3>Delay by step</h3><figure>");
    out.push_str(&pareto_svg(&charts::pareto_by_step(map)));
    out.push_str("</figure><h3>Delay by lane</h3><figure>");
    out.push_str(&pareto_svg(&charts::pareto_by_lane(map)));
    out.push_str("<figcaption>The share of all waiting, largest first; the line is the running total.</figcaption></figure></section>\n");
    findings(&mut out, map, &a);
    scorecard(&mut out, map);
    if let Some(to_be) = to_be {
        comparison(&mut out, map, &a, to_be);
    }
    out.push_str("</main></body></html>\n");
    out
}

fn numbers(out: &mut String, a: &Analysis) {
    let cells = super::headline(a);
    out.push_str("<div class=\"numbers\">");
    for (name, value, note) in cells {
        let _ = write!(
            out,
            "<div class=\"number\" data-metric=\"{}\">{}<b>{}</b><span>{}</span></div>",
            esc(name),
            esc(name),
            esc(&value),
            esc(note)
        );
    }
    out.push_str("</div>");
}

fn findings(out: &mut String, map: &Map, a: &Analysis) {
    out.push_str("<section id=\"findings\"><h2>Findings and the challenge of each step</h2>");
    if let Some(q) = a.findings.iter().find_map(|f| f.question) {
        let _ = write!(out, "<p class=\"q\">Asked of every delay: {}</p>", esc(q));
    }
    for (severity, group) in a.findings_by_severity() {
        let _ = write!(
            out,
            "<h3 class=\"sev-{s}\">{} ({})</h3><table><thead><tr><th>Finding</th><th>Step</th>\
             <th>Lane</th><th>Delay</th><th>Disposition</th></tr></thead>",
            severity.as_str().to_uppercase(),
            group.len(),
            s = severity.as_str()
        );
        for f in group {
            finding_row(out, map, f);
        }
        out.push_str("</table>");
    }
    if a.findings.is_empty() {
        out.push_str("<p>No findings.</p>");
    }
    out.push_str("</section>\n");
}

fn finding_row(out: &mut String, map: &Map, f: &Finding) {
    let facts = super::finding_facts(map, f);
    let mut challenge = String::new();
    for (q, answer) in &facts.answers {
        let _ = write!(
            challenge,
            "<div><span class=\"q\">{}</span> {}</div>",
            esc(q),
            esc(answer)
        );
    }
    let disposition = if facts.disposition.is_empty() {
        String::new()
    } else if facts.rationale.is_empty() {
        format!("<b>{}</b>", esc(&capitalized(&facts.disposition)))
    } else {
        format!(
            "<b>{}</b><br>{}",
            esc(&capitalized(&facts.disposition)),
            esc(facts.rationale)
        )
    };
    let (lane, delay) = (facts.lane, facts.delay);
    // One <tbody> per finding: its facts, then its challenge across the whole width (two
    // columns of questions and answers), kept together on a printed page.
    let _ = write!(
        out,
        "<tbody class=\"finding\" data-step=\"{}\"><tr><td>{}<br><small>{}</small></td><td>{}</td><td>{}</td><td>{}</td><td>{disposition}</td></tr>",
        esc(f.step.as_str()),
        esc(f.title()),
        esc(&f.message),
        esc(&f.step_name),
        esc(lane),
        esc(&delay)
    );
    if !challenge.is_empty() {
        let _ = write!(
            out,
            "<tr class=\"challenge\"><td colspan=\"5\"><div class=\"answers\">{challenge}</div></td></tr>"
        );
    }
    out.push_str("</tbody>");
}

fn scorecard(out: &mut String, map: &Map) {
    out.push_str(
        "<section id=\"scorecard\"><h2>Customer-alignment scorecard</h2><div class=\"score\">",
    );
    for &param in ScoreParam::ALL {
        let e = map.scorecard.get(param);
        let _ = write!(
            out,
            "<div style=\"background:{}\" data-param=\"{}\"><b>{}</b><br>{}<small>{}</small></div>",
            hex(theme::rating_color(e.rating)),
            param.as_str(),
            esc(param.label()),
            esc(e.rating.map_or("Not rated", |r| r.label())),
            esc(&e.notes)
        );
    }
    out.push_str("</div></section>\n");
}

fn comparison(out: &mut String, as_is: &Map, before: &Analysis, to_be: &Map) {
    let after = analyze(to_be);
    let c = compare(as_is, before, to_be, &after);
    let _ = write!(
        out,
        "<section id=\"comparison\"><h2>As-is and to-be: {} → {}</h2><table><thead><tr>\
         <th>Metric</th><th>As-is</th><th>To-be</th><th>Change</th></tr></thead><tbody>",
        esc(&as_is.name),
        esc(&to_be.name)
    );
    for r in c.rows() {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&r[0]),
            esc(&r[1]),
            esc(&r[2]),
            esc(&r[3])
        );
    }
    out.push_str("</tbody></table>");
    let s = &c.steps;
    let ids = |v: &[crate::model::StepId]| {
        v.iter()
            .map(|id| esc(id.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = write!(
        out,
        "<p>Steps removed ({}): {}</p><p>Steps added ({}): {}</p><p>Steps changed: {}; unchanged: {}.</p>",
        s.removed.len(),
        ids(&s.removed),
        s.added.len(),
        ids(&s.added),
        s.changed.len(),
        s.unchanged
    );
    out.push_str("<h3>The to-be</h3><figure>");
    out.push_str(&map_svg(to_be, &after, &PictureOptions::default()));
    out.push_str("</figure></section>\n");
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// A chart label: at most `n` characters, cut with "…".
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n - 1).collect();
        out.push('…');
        out
    }
}

/// The ladder as an SVG bar chart: waits up (their length on top), work down, each rung
/// named under it, the totals at the foot.
fn ladder_svg(l: &Ladder) -> String {
    let n = l.rungs.len().max(1);
    let (w, h, top, base, depth) = (1000.0f64, 350.0f64, 20.0f64, 160.0f64, 40.0f64);
    let max_wait = l.rungs.iter().map(|r| r.wait_mins).fold(1.0, f64::max);
    let max_work = l.rungs.iter().map(|r| r.work_mins).fold(1.0, f64::max);
    let left = 70.0;
    let step = (w - left - 10.0) / n as f64;
    let p = &theme::LIGHT;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" role=\"img\">"
    );
    let _ = write!(
        out,
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" stroke=\"#555b66\"/>\
         <text x=\"4\" y=\"{}\" font-size=\"12\" fill=\"#555b66\">waiting</text>\
         <text x=\"4\" y=\"{}\" font-size=\"12\" fill=\"#555b66\">work</text>",
        w - 10.0,
        base - 8.0,
        base + 18.0
    );
    for (k, r) in l.rungs.iter().enumerate() {
        let x = left + k as f64 * step + step * 0.15;
        let bw = step * 0.7;
        let mid = x + bw / 2.0;
        let up = r.wait_mins / max_wait * (base - top);
        let down = r.work_mins / max_work * depth;
        let wait_color = if r.no_value_wait {
            hex(p.wait_text)
        } else {
            hex(p.lane_border)
        };
        let work_color = if r.value_added {
            hex(p.customer_facing_stroke)
        } else {
            hex(p.internal_stroke)
        };
        let _ = write!(
            out,
            "<g class=\"rung\" data-step=\"{}\"><title>{}: waits {}, works {}</title>\
             <rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{up:.1}\" fill=\"{wait_color}\"/>\
             <rect x=\"{x:.1}\" y=\"{base}\" width=\"{bw:.1}\" height=\"{down:.1}\" fill=\"{work_color}\"/>",
            esc(r.step.as_str()),
            esc(&r.name),
            format_duration(r.wait_mins),
            format_duration(r.work_mins),
            base - up
        );
        if r.wait_mins > 0.0 {
            let _ = write!(
                out,
                "<text x=\"{mid:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#1c1f24\">{}</text>",
                base - up - 4.0,
                esc(&format_duration(r.wait_mins))
            );
        }
        let ly = base + depth + 14.0;
        let _ = write!(
            out,
            "<text x=\"{mid:.1}\" y=\"{ly:.1}\" font-size=\"10.5\" text-anchor=\"end\" transform=\"rotate(-40 {mid:.1} {ly:.1})\">{}</text></g>",
            esc(&short(&r.name, 24))
        );
    }
    let _ = write!(
        out,
        "<text x=\"{left}\" y=\"{}\" font-size=\"13\" font-weight=\"600\">{}</text></svg>",
        h - 10.0,
        esc(&l.totals())
    );
    out
}

/// A Pareto chart as SVG: bars largest first with their delay on top, the running share as
/// a line against a percentage scale at the right, the 80% mark dashed, names under the bars.
fn pareto_svg(bars: &[Bar]) -> String {
    if bars.is_empty() {
        return "<p>No step waits.</p>".to_owned();
    }
    let shown = &bars[..bars.len().min(20)];
    let (w, h, top, base) = (1000.0f64, 310.0f64, 24.0f64, 180.0f64);
    let (left, right) = (120.0, 50.0);
    let max = shown[0].delay_mins.max(1.0);
    let step = (w - left - right) / shown.len() as f64;
    let p = &theme::LIGHT;
    let share_y = |s: f64| base - s * (base - top);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" role=\"img\">"
    );
    let _ = write!(
        out,
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{:.1}\" y2=\"{base}\" stroke=\"#555b66\"/>",
        w - right
    );
    for s in [0.0, 0.5, 0.8, 1.0] {
        let y = share_y(s);
        if s == 0.8 {
            let _ = write!(
                out,
                "<line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\" stroke=\"#9aa0a8\" stroke-dasharray=\"4 4\"/>",
                w - right
            );
        }
        let _ = write!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" fill=\"#555b66\">{:.0}%</text>",
            w - right + 6.0,
            y + 3.5,
            s * 100.0
        );
    }
    let mut line = String::new();
    for (k, b) in shown.iter().enumerate() {
        let x = left + k as f64 * step;
        let mid = x + step / 2.0;
        let bh = b.delay_mins / max * (base - top);
        let ly = base + 14.0;
        let _ = write!(
            out,
            "<g class=\"bar\" data-key=\"{}\"><title>{}: {} ({:.0}% of all delay so far)</title>\
             <rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{}\"/>\
             <text x=\"{mid:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{}</text>\
             <text x=\"{mid:.1}\" y=\"{ly:.1}\" font-size=\"10.5\" text-anchor=\"end\" transform=\"rotate(-40 {mid:.1} {ly:.1})\">{}</text></g>",
            esc(&b.key),
            esc(&b.label),
            format_duration(b.delay_mins),
            b.cumulative_share * 100.0,
            x + step * 0.15,
            base - bh,
            step * 0.7,
            hex(p.wait_text),
            base - bh - 4.0,
            esc(&format_duration(b.delay_mins)),
            esc(&short(&b.label, 24))
        );
        let _ = write!(
            line,
            "{}{mid:.1},{:.1}",
            if k == 0 { "" } else { " " },
            share_y(b.cumulative_share)
        );
    }
    let _ = write!(
        out,
        "<polyline points=\"{line}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/></svg>",
        hex(p.blueprint_line)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_has_every_section_and_the_analysis_numbers() {
        let as_is = crate::samples::default_map().unwrap();
        let to_be = crate::samples::load("order-to-cash-to-be.vfmap.json")
            .unwrap()
            .unwrap();
        let html = report(&as_is, Some(&to_be), "2026-12-01");
        for id in [
            "summary",
            "map",
            "charts",
            "findings",
            "scorecard",
            "comparison",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
        }
        assert!(html.contains("<b>26d 5h 58m</b>"));
        assert!(html.contains("<b>0.4%</b>"));
        // Every finding has its row; the challenge and disposition are shown.
        let a = analyze(&as_is);
        assert_eq!(
            html.matches("<tbody class=\"finding\" data-step=").count(),
            a.findings.len()
        );
        assert!(html.contains("One order, one system: the split disappears"));
        assert!(html.contains("Putting us at risk with customers"));
        assert!(html.contains("2026-12-01"));
        // Self-contained: no scripts, nothing loaded.
        assert!(!html.contains("<script"));
        // The only address is the SVG namespace (a name, not a download).
        assert_eq!(
            html.matches("http").count(),
            html.matches("http://www.w3.org/2000/svg").count()
        );
    }

    #[test]
    fn names_from_the_file_are_text() {
        let mut m = crate::samples::default_map().unwrap();
        m.name = "<script>alert('x')</script>".into();
        m.set_step_field(
            &"split-order".into(),
            crate::model::StepField::Name("<img src=x onerror=alert(1)>".into()),
        )
        .unwrap();
        let html = report(&m, None, "2026-12-01");
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    }
}
