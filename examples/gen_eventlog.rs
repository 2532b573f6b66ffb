//! A synthetic order-to-cash event log for the calibrate benchmark: CASES cases (default
//! 100,000, about 10 activity instances each) written as an interval CSV and as a lifecycle
//! XES, from a fixed seed (the same files every run). Two parallel blocks, a rework loop,
//! and rare noise (an extra call, a skipped archive step).
//!
//! `cargo run --release --example gen_eventlog -- OUT_DIR [CASES]` writes OUT_DIR/o2c.csv
//! and OUT_DIR/o2c.xes. Write them under /tmp, not into the repository.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};

/// SplitMix64: small, fast and deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Minutes in [lo, hi), as milliseconds.
    fn mins(&mut self, lo: f64, hi: f64) -> i64 {
        ((lo + (hi - lo) * self.unit()) * 60_000.0) as i64
    }
}

struct Instance {
    activity: &'static str,
    role: &'static str,
    resource: u32,
    start: i64,
    end: i64,
}

/// Runs one activity after `ready`: a wait, then the work.
fn run(
    rng: &mut Rng,
    out: &mut Vec<Instance>,
    activity: &'static str,
    role: &'static str,
    ready: i64,
    wait: (f64, f64),
    work: (f64, f64),
) -> i64 {
    let start = ready + rng.mins(wait.0, wait.1);
    let end = start + rng.mins(work.0, work.1);
    let resource = (rng.next() % 40) as u32 + 1;
    out.push(Instance {
        activity,
        role,
        resource,
        start,
        end,
    });
    end
}

/// One case of the order-to-cash process.
fn case(rng: &mut Rng, arrival: i64, out: &mut Vec<Instance>) {
    out.clear();
    let mut t = run(
        rng,
        out,
        "Receive order",
        "Sales",
        arrival,
        (0.0, 0.0),
        (5.0, 15.0),
    );
    if rng.unit() < 0.005 {
        t = run(
            rng,
            out,
            "Call customer",
            "Sales",
            t,
            (1.0, 30.0),
            (2.0, 10.0),
        );
    }
    // Parallel: credit and stock checks.
    let a = run(
        rng,
        out,
        "Check credit",
        "Finance",
        t,
        (5.0, 120.0),
        (10.0, 30.0),
    );
    let b = run(
        rng,
        out,
        "Check stock",
        "Warehouse",
        t,
        (1.0, 60.0),
        (5.0, 20.0),
    );
    t = a.max(b);
    // Rework loop: an order that fails confirmation is corrected and confirmed again.
    loop {
        t = run(
            rng,
            out,
            "Confirm order",
            "Sales",
            t,
            (10.0, 90.0),
            (5.0, 10.0),
        );
        if rng.unit() >= 0.15 {
            break;
        }
        t = run(
            rng,
            out,
            "Correct order",
            "Sales",
            t,
            (30.0, 240.0),
            (10.0, 40.0),
        );
    }
    // Parallel: picking and invoicing.
    let a = run(
        rng,
        out,
        "Pick goods",
        "Warehouse",
        t,
        (30.0, 600.0),
        (15.0, 45.0),
    );
    let b = run(
        rng,
        out,
        "Prepare invoice",
        "Finance",
        t,
        (10.0, 300.0),
        (5.0, 15.0),
    );
    let shipped = run(
        rng,
        out,
        "Ship goods",
        "Warehouse",
        a,
        (60.0, 1440.0),
        (10.0, 20.0),
    );
    let sent = run(
        rng,
        out,
        "Send invoice",
        "Finance",
        b.max(shipped),
        (5.0, 120.0),
        (2.0, 5.0),
    );
    t = run(
        rng,
        out,
        "Receive payment",
        "Finance",
        sent,
        (1440.0, 43200.0),
        (2.0, 8.0),
    );
    if rng.unit() >= 0.003 {
        run(
            rng,
            out,
            "Archive order",
            "Sales",
            t,
            (60.0, 2880.0),
            (1.0, 3.0),
        );
    }
}

/// Appends `ms` as RFC 3339 UTC with milliseconds (`offset`: "Z" or "+00:00").
fn timestamp(buf: &mut String, ms: i64, offset: &str) {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let _ = write!(
        buf,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}{offset}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        ms.rem_euclid(1000)
    );
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| "/tmp/vf-eventlog".into()));
    let cases: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    std::fs::create_dir_all(&dir)?;
    let mut csv = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("o2c.csv"))?);
    let mut xes = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("o2c.xes"))?);
    writeln!(csv, "case_id,activity,start_time,end_time,resource,role")?;
    xes.write_all(
        br#"<?xml version="1.0" encoding="UTF-8" ?>
<log xes.version="1.0" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
	<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
	<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
	<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
	<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
	<global scope="event">
		<string key="concept:name" value="__INVALID__"/>
		<string key="lifecycle:transition" value="complete"/>
	</global>
	<string key="concept:name" value="Synthetic order to cash"/>
"#,
    )?;
    let mut rng = Rng(0x0005_EED0_F02C);
    let mut instances = Vec::new();
    let mut events: Vec<(i64, usize, bool)> = Vec::new();
    let mut line = String::with_capacity(1 << 12);
    let mut total = 0u64;
    let mut arrival = 1_704_096_000_000i64; // 2024-01-01T08:00:00Z
    let mut instance_id = 0u64;
    for c in 0..cases {
        arrival += rng.mins(0.5, 5.5);
        case(&mut rng, arrival, &mut instances);
        total += instances.len() as u64;
        line.clear();
        for i in &instances {
            let _ = write!(line, "{c},{},", i.activity);
            timestamp(&mut line, i.start, "");
            line.push(',');
            timestamp(&mut line, i.end, "");
            let _ = writeln!(line, ",{}-{:06},{}", i.role, i.resource, i.role);
        }
        csv.write_all(line.as_bytes())?;
        // XES: the instance's start and complete events, in time order.
        events.clear();
        for (n, i) in instances.iter().enumerate() {
            events.push((i.start, n, false));
            events.push((i.end, n, true));
        }
        events.sort_by_key(|&(t, n, complete)| (t, complete, n));
        line.clear();
        let _ = writeln!(
            line,
            "\t<trace>\n\t\t<string key=\"concept:name\" value=\"{c}\"/>"
        );
        for &(t, n, complete) in &events {
            let i = &instances[n];
            let _ = write!(
                line,
                "\t\t<event>\n\t\t\t<string key=\"concept:name\" value=\"{}\"/>\n\t\t\t<string key=\"lifecycle:transition\" value=\"{}\"/>\n\t\t\t<date key=\"time:timestamp\" value=\"",
                i.activity,
                if complete { "complete" } else { "start" }
            );
            timestamp(&mut line, t, "+00:00");
            let _ = write!(
                line,
                "\"/>\n\t\t\t<string key=\"org:resource\" value=\"{}-{:06}\"/>\n\t\t\t<string key=\"org:role\" value=\"{}\"/>\n\t\t\t<string key=\"concept:instance\" value=\"{}\"/>\n\t\t</event>\n",
                i.role,
                i.resource,
                i.role,
                instance_id + n as u64
            );
        }
        line.push_str("\t</trace>\n");
        xes.write_all(line.as_bytes())?;
        instance_id += instances.len() as u64;
    }
    xes.write_all(b"</log>\n")?;
    csv.flush()?;
    xes.flush()?;
    println!(
        "{cases} cases, {total} activity instances → {} and {}",
        dir.join("o2c.csv").display(),
        dir.join("o2c.xes").display()
    );
    Ok(())
}
