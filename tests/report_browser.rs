//! The client report in a real browser: headless Chromium reads the HTML report of the
//! order-to-cash as-is with its to-be, and the test checks what the browser made of it: the
//! DOM (`--dump-dom`: every section, the headline numbers equal to the analysis, every
//! finding, no script), the printed PDF (`--print-to-pdf`: A4, a sensible page count) and a
//! screenshot (`--screenshot`: the window's size, not blank).
//!
//! Chromium is found as `$VALUEFLOW_CHROMIUM`, else `chromium`, `chromium-browser`,
//! `google-chrome` on the PATH; `.ci/run` installs Debian's `chromium` when it is missing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a failed unwrap is a clear test failure"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use valueflow::analysis::analyze;
use valueflow::deliver::{headline, html};
use valueflow::samples;

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("VALUEFLOW_CHROMIUM") {
        return PathBuf::from(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ] {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the report tests need headless Chromium: install it (Debian: apt-get install chromium) \
         or set VALUEFLOW_CHROMIUM to its path"
    );
}

/// Runs Chromium headless on `page` with `args`; its standard output. Killed after two
/// minutes, so a hung browser fails the test instead of hanging it.
fn run_chromium(page: &Path, profile: &Path, args: &[String]) -> String {
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).map(|_| s)
    });
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium {args:?} failed: {status}");
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium {args:?} did not finish in two minutes");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().unwrap().unwrap()
}

/// The number of pages of a PDF: its `/Type /Page` objects (not `/Pages`, the tree nodes).
fn pdf_pages(pdf: &[u8]) -> usize {
    let mut n = 0;
    for key in [&b"/Type /Page"[..], &b"/Type/Page"[..]] {
        n += pdf
            .windows(key.len() + 1)
            .filter(|w| w.starts_with(key) && !w[key.len()].is_ascii_alphanumeric())
            .count();
    }
    n
}

/// The width and height of every `/MediaBox [x0 y0 x1 y1]` of a PDF, in points.
fn media_boxes(pdf: &[u8]) -> Vec<(f64, f64)> {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/MediaBox")
        .filter_map(|(i, key)| {
            let rest = text[i + key.len()..].trim_start().strip_prefix('[')?;
            let nums: Vec<f64> = rest
                .split(']')
                .next()?
                .split_whitespace()
                .filter_map(|n| n.parse().ok())
                .collect();
            (nums.len() == 4).then(|| (nums[2] - nums[0], nums[3] - nums[1]))
        })
        .collect()
}

#[test]
fn pdf_pages_counts_page_objects_not_page_trees() {
    let pdf = b"1 0 obj <</Type /Pages /Count 2>> 2 0 obj <</Type /Page /Parent 1 0 R>> \
                3 0 obj <</Type/Page>> 4 0 obj <</Type /PageLabel>>";
    assert_eq!(pdf_pages(pdf), 2);
    assert_eq!(
        media_boxes(b"/MediaBox [0 0 594.95996 841.91998] /MediaBox[0 0 612 792]"),
        [(594.95996, 841.91998), (612.0, 792.0)]
    );
}

#[test]
fn chromium_reads_prints_and_shows_the_report() {
    let as_is = samples::default_map().unwrap();
    let to_be = samples::load("order-to-cash-to-be.vfmap.json")
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, html::report(&as_is, Some(&to_be), "2026-12-01")).unwrap();
    let profile = dir.path().join("profile");

    // The DOM as the browser built it.
    let dom = run_chromium(&page, &profile, &["--dump-dom".into()]);
    for id in [
        "summary",
        "map",
        "charts",
        "findings",
        "scorecard",
        "comparison",
    ] {
        assert!(
            dom.contains(&format!("<section id=\"{id}\"")) || dom.contains(&format!("id=\"{id}\"")),
            "section {id} missing from the DOM"
        );
    }
    assert!(!dom.contains("<script"), "the report runs no script");
    let a = analyze(&as_is);
    for (name, value, _) in headline(&a) {
        let cell = format!("data-metric=\"{name}\">{name}<b>{value}</b>");
        assert!(dom.contains(&cell), "headline {name} = {value} missing");
    }
    assert_eq!(
        dom.matches("<tbody class=\"finding\" data-step=").count(),
        a.findings.len(),
        "one row group per finding"
    );
    for f in &a.findings {
        assert!(
            dom.contains(&format!("data-step=\"{}\"", f.step.as_str())),
            "the finding on {} is missing",
            f.step.as_str()
        );
    }
    // The to-be's numbers are in the comparison.
    let b = analyze(&to_be);
    let to_be_lead = valueflow::units::format_duration(b.metrics.lead_time_mins.unwrap());
    assert!(dom.contains(&to_be_lead), "to-be lead time {to_be_lead}");

    // Printed: A4 pages, one section or more per page, not one page per finding.
    let pdf_path = dir.path().join("report.pdf");
    run_chromium(
        &page,
        &profile,
        &[
            format!("--print-to-pdf={}", pdf_path.display()),
            "--no-pdf-header-footer".into(),
        ],
    );
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = pdf_pages(&pdf);
    assert!(
        (6..=a.findings.len()).contains(&pages),
        "{pages} pages: each of the 6 sections starts a page, and the findings share pages"
    );
    let boxes = media_boxes(&pdf);
    assert_eq!(boxes.len(), pages, "one media box per page");
    for (w, h) in boxes {
        // A4 is 595.3 × 841.9 pt; Chromium rounds it to its own units.
        assert!(
            (w - 595.3).abs() < 2.0 && (h - 841.9).abs() < 2.0,
            "a page of {w} × {h} pt is not A4 (the report's @page size)"
        );
    }

    // On screen: the window's size, and not one colour.
    let png_path = dir.path().join("report.png");
    run_chromium(
        &page,
        &profile,
        &[
            format!("--screenshot={}", png_path.display()),
            "--window-size=1200,1600".into(),
        ],
    );
    let png = resvg::tiny_skia::Pixmap::decode_png(&std::fs::read(&png_path).unwrap()).unwrap();
    assert_eq!((png.width(), png.height()), (1200, 1600));
    let first = png.pixels()[0];
    let differing = png.pixels().iter().filter(|p| **p != first).count();
    assert!(
        differing > png.pixels().len() / 50,
        "the screenshot is nearly blank ({differing} pixels differ)"
    );
}
