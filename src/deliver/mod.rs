//! What a consultant hands over: pictures of the map (SVG, PNG), the client report (HTML,
//! Markdown) and the headline numbers they share. egui-free apart from the palette's colour
//! type; the CLI (`export`, `report`) and the editor (File → Export picture…, Export
//! report…) both call [`export_picture`] and [`write_report`].

pub mod html;
pub mod markdown;
pub mod picture;

pub use picture::PictureOptions;

use crate::analysis::{Analysis, analyze};
use crate::model::Map;
use crate::units::format_duration;
use std::path::Path;

/// The headline numbers of a report: (name, value, what it means), in reading order.
pub fn headline(a: &Analysis) -> Vec<(&'static str, String, &'static str)> {
    let m = &a.metrics;
    vec![
        (
            "Lead time",
            crate::report::duration_or_na(m.lead_time_mins),
            "from order to cash, per case",
        ),
        (
            "Value-added time",
            crate::report::duration_or_na(m.value_added_mins),
            "work the customer values",
        ),
        (
            "Process cycle efficiency",
            crate::report::percent(m.pce),
            "value-added ÷ lead time",
        ),
        (
            "Waiting with no customer value",
            crate::report::duration_or_na(m.no_value_wait_mins),
            "the delay to remove first",
        ),
        (
            "Hand-offs between lanes",
            m.handoffs.to_string(),
            "work changing hands",
        ),
        (
            "Parts of the company the customer deals with",
            m.customer_contact_lanes.to_string(),
            "lanes in contact with the customer",
        ),
        (
            "Customer touchpoints",
            m.customer_touchpoints.to_string(),
            "customer-facing steps",
        ),
    ]
}

/// What both reports say of one finding beside its title and message.
pub struct FindingFacts<'a> {
    /// The name of the step's lane ("" when it has none).
    pub lane: &'a str,
    /// The answers given to the five questions, with each question, in their order.
    pub answers: Vec<(&'static str, &'a str)>,
    /// The disposition in words (`merge into Check order`, `keep`, ...).
    pub disposition: String,
    pub rationale: &'a str,
    /// The delay, or "" for a finding that is not about waiting.
    pub delay: String,
}

/// The facts of finding `f` of `map`.
pub fn finding_facts<'a>(map: &'a Map, f: &crate::analysis::Finding) -> FindingFacts<'a> {
    let step = map.step(&f.step);
    let review = step.and_then(|s| s.review.as_deref());
    FindingFacts {
        lane: step
            .and_then(|s| s.lane.as_ref())
            .and_then(|l| map.lane(l))
            .map_or("", |l| l.name.as_str()),
        answers: review.map_or_else(Vec::new, |r| {
            crate::model::REVIEW_QUESTIONS
                .iter()
                .zip(&r.answers)
                .filter(|(_, a)| !a.is_empty())
                .map(|((_, q), a)| (*q, a.as_str()))
                .collect()
        }),
        disposition: step.map_or_else(String::new, |s| map.disposition_text(s)),
        rationale: review.map_or("", |r| r.rationale.trim()),
        delay: if f.delay_mins > 0.0 {
            format_duration(f.delay_mins)
        } else {
            String::new()
        },
    }
}

/// Writes the client report: HTML, or Markdown with its pictures as SVG files beside it.
pub fn write_report(map: &Map, to_be: Option<&Map>, output: &Path) -> Result<(), String> {
    let ext = output
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let write = |path: &Path, bytes: &[u8]| {
        crate::format::write_atomic(path, bytes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    match ext.as_str() {
        "html" | "htm" => write(output, html::report(map, to_be, &today()).as_bytes()),
        "md" => {
            let stem = output
                .file_stem()
                .map_or_else(|| "report".to_owned(), |s| s.to_string_lossy().into_owned());
            let (text, pictures) = markdown::report(map, to_be, &today(), &stem);
            // The pictures first, so the report never links to a picture that is not there.
            for (name, svg) in &pictures {
                write(&output.with_file_name(name), svg.as_bytes())?;
            }
            write(output, text.as_bytes())
        }
        _ => Err(format!(
            "{}: a report is an .html or an .md file; choose a name ending in one",
            output.display()
        )),
    }
}

/// Which picture a file name asks for: `svg` or `png` (by its extension, any case).
pub fn picture_kind(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "svg" => Some("svg"),
        "png" => Some("png"),
        _ => None,
    }
}

/// Writes a picture of the map (SVG text, or PNG at `scale`), atomically.
pub fn export_picture(
    map: &Map,
    output: &Path,
    kind: &str,
    scale: f32,
    options: &PictureOptions,
) -> Result<(), String> {
    if !(scale.is_finite() && scale > 0.0 && scale <= 8.0) {
        return Err(format!(
            "--scale must be a number above 0 and at most 8 (got {scale})"
        ));
    }
    let analysis = analyze(map);
    let svg = picture::svg(map, &analysis, options);
    let bytes = if kind == "png" {
        picture::png(&svg, scale)?
    } else {
        svg.into_bytes()
    };
    crate::format::write_atomic(output, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", output.display()))
}

/// Today's date as `YYYY-MM-DD` (UTC), for the title page.
pub fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_a_date() {
        let d = today();
        assert_eq!(d.len(), 10);
        assert!(d.starts_with("20"));
    }
}
