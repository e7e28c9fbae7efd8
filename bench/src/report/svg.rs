//! The chart: events per second for each target and scenario, the library's bar beside its
//! baseline's, on a logarithmic axis (the projections' lag rows, latencies, are not in it).
//! Hand-written SVG.

use std::fmt::Write as _;

use super::contents::Report;
use crate::format::si;
use crate::results::{Baseline, Scenario};

const WIDTH: f64 = 1000.0;
const LABEL_WIDTH: f64 = 250.0;
const PLOT_LEFT: f64 = 260.0;
const PLOT_RIGHT: f64 = 930.0;
const ROW_HEIGHT: f64 = 22.0;
const PANEL_TITLE: f64 = 28.0;
const TOP: f64 = 84.0;
const OURS_COLOUR: &str = "#2f6db5";
const RAW_COLOUR: &str = "#a9a9a9";
const PLAIN_COLOUR: &str = "#e0a040";

/// An axis label for a power of ten: `10`, `1k`, `10M`.
fn decade_label(decade: f64) -> String {
    let power = decade.round() as i32;
    let (base, suffix) = match power {
        p if p >= 6 => (p - 6, "M"),
        p if p >= 3 => (p - 3, "k"),
        p => (p, ""),
    };
    format!("{}{suffix}", 10_i64.pow(base.max(0) as u32))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The SVG document.
pub fn svg(report: &Report) -> String {
    let rows: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.scenario != Scenario::WriterScaling && r.latency.is_none())
        .collect();
    let mut targets: Vec<String> = Vec::new();
    for row in &rows {
        if !targets.contains(&row.target()) {
            targets.push(row.target());
        }
    }
    let values = rows
        .iter()
        .flat_map(|r| [r.ours.events_per_s, r.baseline.events_per_s])
        .filter(|v| *v > 0.0);
    let (low, high) = values.fold((f64::MAX, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let low = if low == f64::MAX {
        1.0
    } else {
        low.log10().floor()
    };
    let high = high.max(10.0).log10().ceil().max(low + 1.0);
    let x = |value: f64| {
        let decade = value.max(10f64.powf(low)).log10();
        PLOT_LEFT + (decade - low) / (high - low) * (PLOT_RIGHT - PLOT_LEFT)
    };
    let height = TOP + targets.len() as f64 * PANEL_TITLE + rows.len() as f64 * ROW_HEIGHT + 40.0;

    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(out, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        out,
        r#"<text x="20" y="24" font-size="16" font-weight="bold">eventsourcing-seaorm: events/s (log scale), ours beside the raw driver</text>"#
    );
    let _ = writeln!(
        out,
        r##"<text x="20" y="42" fill="#555">{} · {} · {} CPUs · {}</text>"##,
        escape(&report.date),
        escape(&report.kind()),
        report.machine.cpus,
        escape(&report.machine.kernel),
    );
    for (i, (colour, label)) in [
        (OURS_COLOUR, "ours (Application)"),
        (RAW_COLOUR, "raw sqlx, same statements"),
        (PLAIN_COLOUR, "ours without zlib+AES (scenario 6)"),
    ]
    .iter()
    .enumerate()
    {
        let lx = 20.0 + i as f64 * 250.0;
        let _ = writeln!(
            out,
            r#"<rect x="{lx}" y="52" width="12" height="10" fill="{colour}"/><text x="{}" y="61">{label}</text>"#,
            lx + 16.0
        );
    }
    let plot_bottom = height - 30.0;
    let mut decade = low;
    while decade <= high {
        let gx = x(10f64.powf(decade));
        let label = decade_label(decade);
        let _ = writeln!(
            out,
            r##"<line x1="{gx:.1}" y1="{TOP}" x2="{gx:.1}" y2="{plot_bottom}" stroke="#ddd"/><text x="{gx:.1}" y="{}" text-anchor="middle" fill="#555">{label}</text><text x="{gx:.1}" y="{}" text-anchor="middle" fill="#555">{label}</text>"##,
            TOP - 2.0,
            plot_bottom + 14.0,
        );
        decade += 1.0;
    }

    let mut y = TOP;
    for target in &targets {
        let _ = writeln!(
            out,
            r#"<text x="20" y="{}" font-size="13" font-weight="bold">{}</text>"#,
            y + 18.0,
            escape(target)
        );
        y += PANEL_TITLE;
        for row in rows.iter().filter(|r| &r.target() == target) {
            let _ = writeln!(
                out,
                r#"<text x="{LABEL_WIDTH}" y="{}" text-anchor="end">{}</text>"#,
                y + 14.0,
                escape(&row.scenario.short_label())
            );
            let baseline_colour = match row.scenario.baseline() {
                Baseline::Plain => PLAIN_COLOUR,
                _ => RAW_COLOUR,
            };
            for (offset, value, colour) in [
                (2.0, row.ours.events_per_s, OURS_COLOUR),
                (11.0, row.baseline.events_per_s, baseline_colour),
            ] {
                let end = x(value);
                let _ = writeln!(
                    out,
                    r##"<rect x="{PLOT_LEFT}" y="{:.1}" width="{:.1}" height="8" fill="{colour}"/><text x="{:.1}" y="{:.1}" font-size="9" fill="#333">{}</text>"##,
                    y + offset,
                    (end - PLOT_LEFT).max(0.5),
                    end + 3.0,
                    y + offset + 7.5,
                    si(value),
                );
            }
            y += ROW_HEIGHT;
        }
    }
    let _ = writeln!(out, "</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decades_are_labelled_with_si_prefixes() {
        let labels: Vec<String> = (1..=7).map(|d| decade_label(f64::from(d))).collect();
        assert_eq!(labels, ["10", "100", "1k", "10k", "100k", "1M", "10M"]);
    }
}
