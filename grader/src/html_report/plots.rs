//! The plots, drawn with plotters' SVG backend: latency over time by op type with its quantile
//! lines, throughput by op type, and, where the level sets a budget, the figures against their
//! limits (msgs-per-op, stable latency) — Maelstrom's `latency-raw.png`, `latency-quantiles.png`
//! and `rate.png`, as inline SVG.

use std::collections::BTreeMap;

use plotters::prelude::*;

use crate::history::{History, OpType};
use crate::verdict::Verdict;

/// At most this many latency points per op type are drawn (evenly sampled): level 2 has 27,000.
const MAX_POINTS: usize = 1500;
/// Time buckets for the quantile and throughput lines.
const BUCKETS: f64 = 60.0;
const QUANTILES: [(f64, &str); 4] = [(0.5, "p50"), (0.95, "p95"), (0.99, "p99"), (1.0, "max")];
const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];

/// A plot failed to draw; the page shows the others.
#[derive(Debug, thiserror::Error)]
#[error("could not draw the {plot} plot: {message}")]
pub struct PlotError {
    plot: &'static str,
    message: String,
}

/// One drawn plot.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Plot {
    pub title: String,
    pub svg: String,
}

/// An op's completion: when (s), how long (ms), its function, whether it was ok.
struct Sample<'a> {
    at_s: f64,
    latency_ms: f64,
    f: &'a str,
    ok: bool,
}

fn samples(history: &History) -> Vec<Sample<'_>> {
    history
        .pairs()
        .into_iter()
        .filter_map(|(inv, done)| {
            let done = done?;
            Some(Sample {
                at_s: inv.time as f64 / 1e9,
                latency_ms: done.time.saturating_sub(inv.time) as f64 / 1e6,
                f: inv.f.as_str(),
                ok: done.kind == OpType::Ok,
            })
        })
        .collect()
}

fn fail(plot: &'static str) -> impl Fn(String) -> PlotError {
    move |message| PlotError { plot, message }
}

/// Every plot this run has data for.
pub fn all(history: &History, verdict: &Verdict) -> (Vec<Plot>, Vec<PlotError>) {
    let samples = samples(history);
    let mut plots = Vec::new();
    let mut errors = Vec::new();
    if !samples.is_empty() {
        for result in [
            latency_raw(&samples),
            latency_quantiles(&samples),
            throughput(&samples),
        ] {
            match result {
                Ok(p) => plots.push(p),
                Err(e) => errors.push(e),
            }
        }
    }
    // Only where the level limits stable latency (3d, 3e): the analysis behind it is the
    // report's costliest step.
    let limited = |label: &str| {
        verdict
            .figures()
            .any(|f| f.label == label && f.limit.is_some())
    };
    if limited(crate::checkers::labels::MEDIAN_LATENCY)
        || limited(crate::checkers::labels::MAX_LATENCY)
    {
        match stable_latency(history, verdict) {
            Ok(Some(p)) => plots.push(p),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    for figure in verdict.figures().filter(|f| f.limit.is_some()) {
        match budget(figure) {
            Ok(Some(p)) => plots.push(p),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    (plots, errors)
}

fn by_f<'a>(samples: &'a [Sample<'a>]) -> BTreeMap<&'a str, Vec<&'a Sample<'a>>> {
    let mut map: BTreeMap<&str, Vec<&Sample>> = BTreeMap::new();
    for s in samples {
        map.entry(s.f).or_default().push(s);
    }
    map
}

fn extent(samples: &[Sample<'_>]) -> (f64, f64) {
    let x = samples
        .iter()
        .map(|s| s.at_s)
        .fold(0.0, f64::max)
        .max(0.001);
    let y = samples
        .iter()
        .map(|s| s.latency_ms)
        .fold(0.0, f64::max)
        .max(1.0);
    (x, y)
}

fn latency_raw(samples: &[Sample<'_>]) -> Result<Plot, PlotError> {
    let (xmax, ymax) = extent(samples);
    let mut svg = String::new();
    draw(&mut svg, |root| {
        let mut chart = time_chart(&root, ("time (s)", xmax), ("latency (ms)", ymax * 1.05))?;
        for (i, (f, list)) in by_f(samples).into_iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let step = list.len().div_ceil(MAX_POINTS).max(1);
            let points = list.iter().step_by(step).map(|s| {
                let style = if s.ok { color.filled() } else { RED.filled() };
                Circle::new((s.at_s, s.latency_ms), if s.ok { 2 } else { 3 }, style)
            });
            chart
                .draw_series(points)?
                .label(f.to_owned())
                .legend(move |(x, y)| Circle::new((x, y), 3, color.filled()));
        }
        legend(&mut chart)?;
        Ok(())
    })
    .map_err(fail("latency"))?;
    Ok(Plot {
        title: "Latency of each op over time (red: failed or indeterminate)".into(),
        svg,
    })
}

/// Buckets samples over time; returns `(bucket start s, samples)`.
fn buckets<'a>(list: &[&'a Sample<'a>], xmax: f64) -> Vec<(f64, Vec<&'a Sample<'a>>)> {
    let width = (xmax / BUCKETS).max(0.1);
    let mut map: BTreeMap<usize, Vec<&Sample>> = BTreeMap::new();
    for s in list {
        map.entry((s.at_s / width) as usize).or_default().push(s);
    }
    map.into_iter()
        .map(|(k, v)| ((k as f64 + 0.5) * width, v))
        .collect()
}

fn latency_quantiles(samples: &[Sample<'_>]) -> Result<Plot, PlotError> {
    let (xmax, ymax) = extent(samples);
    let mut svg = String::new();
    draw(&mut svg, |root| {
        let mut chart = time_chart(&root, ("time (s)", xmax), ("latency (ms)", ymax * 1.05))?;
        for (i, (f, list)) in by_f(samples).into_iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let bucketed = buckets(&list, xmax);
            for (qi, (q, name)) in QUANTILES.iter().enumerate() {
                let line: Vec<(f64, f64)> = bucketed
                    .iter()
                    .map(|(x, items)| {
                        let mut l: Vec<f64> = items.iter().map(|s| s.latency_ms).collect();
                        l.sort_by(f64::total_cmp);
                        let at = ((l.len() as f64 * q) as usize).min(l.len() - 1);
                        (*x, l[at])
                    })
                    .collect();
                let style =
                    color
                        .mix(1.0 - qi as f64 * 0.22)
                        .stroke_width(if qi == 0 { 2 } else { 1 });
                chart
                    .draw_series(LineSeries::new(line, style))?
                    .label(format!("{f} {name}"))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], style));
            }
        }
        legend(&mut chart)?;
        Ok(())
    })
    .map_err(fail("latency quantiles"))?;
    Ok(Plot {
        title: "Latency quantiles over time, by op type".into(),
        svg,
    })
}

fn throughput(samples: &[Sample<'_>]) -> Result<Plot, PlotError> {
    let (xmax, _) = extent(samples);
    let width = (xmax / BUCKETS).max(0.1);
    let groups = by_f(samples);
    let rates: Vec<(&str, Vec<(f64, f64)>)> = groups
        .iter()
        .map(|(f, list)| {
            let counts: BTreeMap<usize, usize> = buckets(list, xmax)
                .into_iter()
                .map(|(x, items)| ((x / width) as usize, items.len()))
                .collect();
            // Every bucket, empty ones at zero: a stall shows as a drop, not a straight line.
            let last = (xmax / width) as usize;
            let line = (0..=last)
                .map(|b| {
                    let n = counts.get(&b).copied().unwrap_or(0);
                    ((b as f64 + 0.5) * width, n as f64 / width)
                })
                .collect();
            (*f, line)
        })
        .collect();
    let ymax = rates
        .iter()
        .flat_map(|(_, l)| l.iter().map(|p| p.1))
        .fold(1.0, f64::max);
    let mut svg = String::new();
    draw(&mut svg, |root| {
        let mut chart = time_chart(&root, ("time (s)", xmax), ("ops / s", ymax * 1.1))?;
        for (i, (f, line)) in rates.into_iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(line, color.stroke_width(2)))?
                .label(f.to_owned())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], color));
        }
        legend(&mut chart)?;
        Ok(())
    })
    .map_err(fail("throughput"))?;
    Ok(Plot {
        title: "Throughput by op type (ops invoked per second)".into(),
        svg,
    })
}

/// Each broadcast value's stable latency (how long until every read had it) by when it was
/// known, with the level's limits on the median and maximum as horizontal lines.
fn stable_latency(history: &History, verdict: &Verdict) -> Result<Option<Plot>, PlotError> {
    use crate::checkers::labels::{MAX_LATENCY, MEDIAN_LATENCY};
    let r = crate::checkers::set_full::analyze(history);
    let points: Vec<(f64, f64)> = r
        .elements
        .iter()
        .filter_map(|e| Some((e.known?.time as f64 / 1e9, e.stable_latency_ms? as f64)))
        .collect();
    if points.is_empty() {
        return Ok(None);
    }
    let limit = |label: &str| {
        verdict
            .figures()
            .find(|f| f.label == label && f.limit.is_some())
            .and_then(|f| f.limit.as_deref().and_then(first_number))
    };
    let limits: Vec<(&str, f64, RGBColor)> = [
        (
            "median limit",
            limit(MEDIAN_LATENCY),
            RGBColor(255, 127, 14),
        ),
        ("maximum limit", limit(MAX_LATENCY), RED),
    ]
    .into_iter()
    .filter_map(|(name, l, c)| Some((name, l?, c)))
    .collect();
    let xmax = points.iter().map(|p| p.0).fold(0.001, f64::max);
    let ymax = points
        .iter()
        .map(|p| p.1)
        .chain(limits.iter().map(|l| l.1))
        .fold(1.0, f64::max);
    let mut svg = String::new();
    draw(&mut svg, |root| {
        let mut chart = time_chart(
            &root,
            ("value known at (s)", xmax),
            ("stable latency (ms)", ymax * 1.1),
        )?;
        let color = PALETTE[0];
        let step = points.len().div_ceil(MAX_POINTS).max(1);
        chart
            .draw_series(
                points
                    .iter()
                    .step_by(step)
                    .map(|p| Circle::new(*p, 2, color.filled())),
            )?
            .label("a broadcast value")
            .legend(move |(x, y)| Circle::new((x, y), 3, color.filled()));
        for (name, y, c) in limits {
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, y), (xmax * 1.02, y)],
                    c.stroke_width(2),
                ))?
                .label(format!("{name} ({y} ms)"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], c));
        }
        legend(&mut chart)?;
        Ok(())
    })
    .map_err(fail("stable latency"))?;
    Ok(Some(Plot {
        title: "Stable latency of each broadcast value, against the level's limits".into(),
        svg,
    }))
}

/// The first number in a figure's text: `"312 ms"` → 312, `"< 30"` → 30.
fn first_number(text: &str) -> Option<f64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// A figure the level limits, as a bar beside its limit line.
fn budget(figure: &crate::verdict::Figure) -> Result<Option<Plot>, PlotError> {
    let (Some(value), Some(limit)) = (
        first_number(&figure.value),
        figure.limit.as_deref().and_then(first_number),
    ) else {
        return Ok(None);
    };
    let within = figure.within.unwrap_or(true);
    let xmax = value.max(limit) * 1.25;
    let mut svg = String::new();
    draw_sized(&mut svg, (560, 110), |root| {
        let mut chart = ChartBuilder::on(&root)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(10)
            .build_cartesian_2d(0.0..xmax, 0.0..1.0)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .x_desc(figure.label.clone())
            .draw()?;
        let color = if within { RGBColor(44, 160, 44) } else { RED };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.25), (value, 0.75)],
            color.filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            vec![(limit, 0.0), (limit, 1.0)],
            BLACK.stroke_width(3),
        ))?;
        Ok(())
    })
    .map_err(fail("budget"))?;
    Ok(Some(Plot {
        title: format!(
            "{}: {} against the limit {} (black line)",
            figure.label,
            figure.value,
            figure.limit.as_deref().unwrap_or_default()
        ),
        svg,
    }))
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// A chart with time (or another f64) across and an f64 up, both from zero.
type TimeChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The frame every plot over time shares: axes from zero, `xmax` plus a little room, labelled.
fn time_chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
    (x_desc, xmax): (&str, f64),
    (y_desc, ymax): (&str, f64),
) -> Result<TimeChart<'a, 'b>, Box<dyn std::error::Error>> {
    let mut chart = ChartBuilder::on(root)
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..xmax * 1.02, 0.0..ymax)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()?;
    Ok(chart)
}

/// The series' names in a box over the plot.
fn legend<'a, 'b: 'a>(chart: &mut TimeChart<'a, 'b>) -> DrawResult {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

fn draw(
    svg: &mut String,
    body: impl FnOnce(DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> DrawResult,
) -> Result<(), String> {
    draw_sized(svg, (900, 320), body)
}

fn draw_sized(
    svg: &mut String,
    size: (u32, u32),
    body: impl FnOnce(DrawingArea<SVGBackend<'_>, plotters::coord::Shift>) -> DrawResult,
) -> Result<(), String> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    body(root.clone()).map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkers::testkit::history;
    use crate::history::OpType::*;
    use crate::value::Value;
    use crate::verdict::{Check, EngineName, Figure};

    #[test]
    fn draws_latency_throughput_and_budget_plots() {
        let h = history(&[
            (0, Invoke, 0, "read", Value::Nil),
            (5, Ok, 0, "read", Value::Nil),
            (10, Invoke, 1, "broadcast", Value::Int(1)),
            (30, Info, 1, "broadcast", Value::Int(1)),
        ]);
        let v = Verdict::new(
            "3d",
            EngineName::Builtin,
            vec![Check::invalid("budget", "over").with_figure(
                Figure::new("msgs-per-op (servers)", "41.2").with_limit("< 30", false),
            )],
        );
        let (plots, errors) = all(&h, &v);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(plots.len(), 4);
        assert!(plots.iter().all(|p| p.svg.starts_with("<svg")));
        assert!(plots[3].title.contains("msgs-per-op"));
    }

    #[test]
    fn reads_numbers_out_of_figures() {
        assert_eq!(first_number("312 ms"), Some(312.0));
        assert_eq!(first_number("< 29.5"), Some(29.5));
        assert_eq!(first_number("none"), None);
    }
}
