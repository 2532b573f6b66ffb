//! The client report as Markdown, for wikis and documents built from text: the same sections
//! as the HTML report (numbers, pictures, where the time goes, findings with each step's
//! challenge, the scorecard, the comparison), with tables instead of charts and the
//! pictures as SVG files beside the report. Everything from the map is escaped.

use super::picture::{self, PictureOptions};
use crate::analysis::{Analysis, analyze};
use crate::charts::{self, Bar};
use crate::compare::compare;
use crate::model::{Map, ScoreParam};
use crate::report::{duration_or_na, percent};
use crate::text::escape_control;
use crate::units::format_duration;
use std::fmt::Write;

/// Text from the map for Markdown: control characters made visible, line breaks as spaces
/// (a table row is one line) and every character Markdown or inline HTML could read as
/// markup escaped with a backslash (CommonMark allows it before any ASCII punctuation), so
/// a step named `<script>` or `**x**` shows as written.
pub fn md(s: &str) -> String {
    let s = s.replace(['\n', '\r', '\t'], " ");
    let s = escape_control(&s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '#'
                | '|'
                | '!'
                | '&'
                | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The report of `map` (with `to_be`, the comparison) and its pictures: (Markdown text,
/// [(file name, SVG)]). The pictures are named after `stem` (the report's file stem) and
/// linked from the text by those names.
pub fn report(
    map: &Map,
    to_be: Option<&Map>,
    date: &str,
    stem: &str,
) -> (String, Vec<(String, String)>) {
    let a = analyze(map);
    let mut out = String::with_capacity(16 * 1024);
    let mut pictures = Vec::new();
    let _ = writeln!(out, "# {}\n\nProcess analysis · {date}\n", md(&map.name));
    for para in map
        .description
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
    {
        let _ = writeln!(out, "{}\n", md(para.trim()));
    }
    out.push_str("## Headline numbers\n\n| | Value | Meaning |\n|---|---|---|\n");
    for (name, value, note) in super::headline(&a) {
        let _ = writeln!(out, "| {name} | **{}** | {note} |", md(&value));
    }

    out.push_str("\n## The process\n\n");
    let name = format!("{stem}-map.svg");
    let _ = writeln!(
        out,
        "![The process]({name})\n\nSteps in their lanes; blue steps are customer-facing; badges count a step's findings; the outlined step is the bottleneck; dashed lines are information flows.\n"
    );
    pictures.push((name, picture::svg(map, &a, &PictureOptions::default())));
    let name = format!("{stem}-customer-view.svg");
    let _ = writeln!(
        out,
        "### The process as the customer lives it\n\n![The customer view]({name})\n\nThe customer's steps on top; below the line of interaction, what the company does in front of the customer; below the line of visibility, the internal work.\n"
    );
    pictures.push((
        name,
        picture::svg(
            map,
            &a,
            &PictureOptions {
                customer_view: true,
                ..PictureOptions::default()
            },
        ),
    ));

    time_section(&mut out, map, &a);
    findings(&mut out, map, &a);
    scorecard(&mut out, map);
    if let Some(to_be) = to_be {
        let after = analyze(to_be);
        let c = compare(map, &a, to_be, &after);
        let _ = writeln!(
            out,
            "\n## As-is and to-be: {} → {}\n\n| Metric | As-is | To-be | Change |\n|---|---|---|---|",
            md(&map.name),
            md(&to_be.name)
        );
        for r in c.rows() {
            let _ = writeln!(out, "| {} | {} | {} | {} |", r[0], r[1], r[2], r[3]);
        }
        let ids = |v: &[crate::model::StepId]| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.iter()
                    .map(|id| format!("`{}`", id.as_str().replace('`', "'")))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        let s = &c.steps;
        let _ = writeln!(
            out,
            "\nSteps removed ({}): {}\n\nSteps added ({}): {}\n\nSteps changed: {}; unchanged: {}.\n",
            s.removed.len(),
            ids(&s.removed),
            s.added.len(),
            ids(&s.added),
            s.changed.len(),
            s.unchanged
        );
        let name = format!("{stem}-to-be.svg");
        let _ = writeln!(out, "### The to-be\n\n![The to-be]({name})");
        pictures.push((
            name,
            picture::svg(to_be, &after, &PictureOptions::default()),
        ));
    }
    (out, pictures)
}

fn time_section(out: &mut String, map: &Map, a: &Analysis) {
    let l = charts::ladder(map, a);
    out.push_str("## Where the time goes\n\n### Timeline ladder (the most likely path)\n\n| Step | Waiting before it | Work | |\n|---|---|---|---|\n");
    for r in &l.rungs {
        let mut marks = Vec::new();
        if r.no_value_wait {
            marks.push("waiting with no customer value");
        }
        if r.value_added {
            marks.push("value-added work");
        }
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            md(&r.name),
            format_duration(r.wait_mins),
            format_duration(r.work_mins),
            marks.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\nLead time {}, value-added {}, process cycle efficiency {}, waiting with no customer value {}.\n",
        duration_or_na(l.lead_time_mins),
        duration_or_na(l.value_added_mins),
        percent(l.pce),
        duration_or_na(l.no_value_wait_mins)
    );
    pareto_table(out, "Delay by step", "Step", &charts::pareto_by_step(map));
    pareto_table(out, "Delay by lane", "Lane", &charts::pareto_by_lane(map));
}

fn pareto_table(out: &mut String, title: &str, what: &str, bars: &[Bar]) {
    let _ = writeln!(
        out,
        "### {title}\n\n| {what} | Delay | Share | Running total |\n|---|---|---|---|"
    );
    let total: f64 = bars.iter().map(|b| b.delay_mins).sum();
    for b in bars {
        let share = if total > 0.0 {
            b.delay_mins / total
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "| {} | {} | {:.0}% | {:.0}% |",
            md(&b.label),
            format_duration(b.delay_mins),
            share * 100.0,
            b.cumulative_share * 100.0
        );
    }
    if bars.is_empty() {
        out.push_str("| no waiting | | | |\n");
    }
    out.push('\n');
}

fn findings(out: &mut String, map: &Map, a: &Analysis) {
    out.push_str("## Findings and the challenge of each step\n\n");
    if a.findings.is_empty() {
        out.push_str("No findings.\n\n");
        return;
    }
    if let Some(q) = a.findings.iter().find_map(|f| f.question) {
        let _ = writeln!(out, "*Asked of every delay: {}*\n", md(q));
    }
    for (severity, group) in a.findings_by_severity() {
        let _ = writeln!(
            out,
            "### {} ({})\n\n| Finding | Step | Lane | Delay | Challenge | Disposition |\n|---|---|---|---|---|---|",
            severity.as_str().to_uppercase(),
            group.len()
        );
        for f in group {
            let facts = super::finding_facts(map, f);
            let challenge = facts
                .answers
                .iter()
                .map(|(q, answer)| format!("*{}* {}", md(q), md(answer)))
                .collect::<Vec<_>>()
                .join("<br>");
            let disposition = match (facts.disposition.is_empty(), facts.rationale.is_empty()) {
                (true, _) => String::new(),
                (false, true) => format!("**{}**", md(&facts.disposition)),
                (false, false) => {
                    format!("**{}**<br>{}", md(&facts.disposition), md(facts.rationale))
                }
            };
            let (lane, delay) = (facts.lane, facts.delay);
            let _ = writeln!(
                out,
                "| **{}**<br>{} | {} | {} | {delay} | {challenge} | {disposition} |",
                md(f.title()),
                md(&f.message),
                md(&f.step_name),
                md(lane),
            );
        }
        out.push('\n');
    }
}

fn scorecard(out: &mut String, map: &Map) {
    out.push_str(
        "## Customer-alignment scorecard\n\n| Parameter | Rating | Notes |\n|---|---|---|\n",
    );
    for &param in ScoreParam::ALL {
        let e = map.scorecard.get(param);
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            param.label(),
            e.rating.map_or("Not rated", |r| r.label()),
            md(&e.notes)
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_markdown_report_has_the_sections_and_links_its_pictures() {
        let as_is = crate::samples::default_map().unwrap();
        let to_be = crate::samples::load("order-to-cash-to-be.vfmap.json")
            .unwrap()
            .unwrap();
        let (text, pictures) = report(&as_is, Some(&to_be), "2026-12-01", "r");
        for heading in [
            "## Headline numbers",
            "## The process",
            "### The process as the customer lives it",
            "## Where the time goes",
            "### Timeline ladder",
            "### Delay by step",
            "### Delay by lane",
            "## Findings and the challenge of each step",
            "## Customer-alignment scorecard",
            "## As-is and to-be",
            "### The to-be",
        ] {
            assert!(text.contains(heading), "missing {heading}");
        }
        let names: Vec<&str> = pictures.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["r-map.svg", "r-customer-view.svg", "r-to-be.svg"]);
        for n in names {
            assert!(text.contains(&format!("]({n})")), "{n} not linked");
        }
        // The numbers are the analysis', and every finding is in a table row.
        let a = analyze(&as_is);
        let lead = format_duration(a.metrics.lead_time_mins.unwrap());
        assert!(text.contains(&format!("| Lead time | **{lead}** |")));
        for f in &a.findings {
            assert!(text.contains(&md(&f.step_name)), "{} missing", f.step_name);
        }
        // The challenge answers and the dispositions of the sample's reviews are there.
        let reviewed = as_is.steps().find(|s| s.review.is_some()).unwrap();
        let r = reviewed.review.as_deref().unwrap();
        assert!(text.contains(&md(&r.answers[0])));
        assert!(text.contains(&format!("**{}**", md(&as_is.disposition_text(reviewed)))));
        // One row per scorecard parameter.
        for &p in ScoreParam::ALL {
            assert!(text.contains(&format!("| {} |", p.label())));
        }
    }

    #[test]
    fn markup_in_names_stays_text() {
        assert_eq!(
            md("<script>alert(1)</script>"),
            "\\<script\\>alert(1)\\</script\\>"
        );
        assert_eq!(md("a|b *c* [d](e)"), "a\\|b \\*c\\* \\[d\\](e)");
        assert_eq!(md("two\nlines"), "two lines");
        let mut m = crate::samples::default_map().unwrap();
        m.set_step_field(
            &"split-order".into(),
            crate::model::StepField::Name("<img src=x onerror=alert(1)>".into()),
        )
        .unwrap();
        let (text, _) = report(&m, None, "2026-12-01", "r");
        // Every `<img` is escaped (a Markdown renderer shows `\<` as `<`).
        assert!(
            text.match_indices("<img")
                .all(|(i, _)| text[..i].ends_with('\\'))
        );
        assert!(text.contains("\\<img src=x onerror=alert(1)\\>"));
    }
}
