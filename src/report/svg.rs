//! Figures, drawn with plotters' SVG backend.
//!
//! The file is long because every figure shares the same axis, label and escaping helpers.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::stats::Estimate;
use crate::sweep::Sweep;

/// The colours of matplotlib's "tab10" cycle the figures draw their series in.
pub(crate) mod tab {
    use plotters::style::RGBColor;

    pub const BLUE: RGBColor = RGBColor(31, 119, 180);
    pub const ORANGE: RGBColor = RGBColor(255, 127, 14);
    pub const GREEN: RGBColor = RGBColor(44, 160, 44);
    pub const RED: RGBColor = RGBColor(214, 39, 40);
    pub const PURPLE: RGBColor = RGBColor(148, 103, 189);
    pub const BROWN: RGBColor = RGBColor(140, 86, 75);
    pub const PINK: RGBColor = RGBColor(227, 119, 194);
    pub const GREY: RGBColor = RGBColor(127, 127, 127);
}

/// A figure plotters could not draw, with the backend's own description of why.
#[derive(Debug, thiserror::Error)]
#[error("drawing the figure failed: {0}")]
pub struct DrawError(String);

pub(crate) type Result<T> = std::result::Result<T, DrawError>;

/// Wraps any of plotters' drawing errors (they differ in type by backend and call).
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> DrawError {
    DrawError(format!("{e:?}"))
}

/// An SVG figure of `size` pixels on white: `draw` draws on its whole area.
pub(crate) fn figure(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<String> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// The charts of the figures: SVG, both axes linear in `f64`.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart on `root`: its caption in `font_size` points, a 12-pixel margin, label areas of
/// `labels` (x, y) pixels, and the axes' ranges.
fn chart<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: impl AsRef<str>,
    font_size: u32,
    labels: (u32, u32),
    x: Range<f64>,
    y: Range<f64>,
) -> Result<Chart<'a, 'b>> {
    ChartBuilder::on(root)
        .caption(caption, ("sans-serif", font_size))
        .margin(12)
        .x_label_area_size(labels.0)
        .y_label_area_size(labels.1)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

/// The series legend every figure draws, in a light box at `at`.
pub(crate) fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    at: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(at)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(err)
}

/// The chart's grid and axes: each axis described and its labels formatted, no light lines.
fn axes(
    chart: &mut Chart<'_, '_>,
    x_desc: &str,
    y_desc: &str,
    x_label: &dyn Fn(&f64) -> String,
    y_label: &dyn Fn(&f64) -> String,
) -> Result<()> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_label)
        .y_label_formatter(y_label)
        .light_line_style(WHITE)
        .draw()
        .map_err(err)
}

/// An unlabelled grey guide through `points` (the zero line, the diagonal).
fn guide(chart: &mut Chart<'_, '_>, points: Vec<(f64, f64)>) -> Result<()> {
    chart
        .draw_series(std::iter::once(PathElement::new(points, BLACK.mix(0.4))))
        .map_err(err)?;
    Ok(())
}

/// A labelled line through `points` in `style`, a short line of that style in the legend.
fn labelled_line(
    chart: &mut Chart<'_, '_>,
    points: Vec<(f64, f64)>,
    style: ShapeStyle,
    label: impl Into<String>,
) -> Result<()> {
    chart
        .draw_series(LineSeries::new(points, style))
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
    Ok(())
}

/// A labelled line through `pts` (2 pixels wide) with a dot of `radius` pixels at each point.
fn line_with_dots(
    chart: &mut Chart<'_, '_>,
    pts: Vec<(f64, f64)>,
    color: RGBColor,
    radius: u32,
    label: impl Into<String>,
) -> Result<()> {
    labelled_line(chart, pts.clone(), color.stroke_width(2), label)?;
    chart
        .draw_series(
            pts.into_iter()
                .map(|p| Circle::new(p, radius, color.filled())),
        )
        .map_err(err)?;
    Ok(())
}

/// Terms against prior strength with 95 % interval bands; the analytic crossover as a vertical
/// line, the empirical one as a vertical band.
///
/// Stays whole: it draws one figure with plotters; the data, scales and the drawing area built
/// at its top are used by every series, mark and label after them.
pub fn sweep_figure(s: &Sweep) -> Result<String> {
    let xs: Vec<f64> = s.levels.iter().map(|l| l.prior).collect();
    type Pick = fn(&crate::decompose::Terms) -> Estimate;
    let series: [(&str, Pick, RGBColor); 4] = [
        ("Δ_total", |t| t.total, RGBColor(40, 40, 40)),
        ("Δ_null", |t| t.null, RGBColor(150, 150, 150)),
        ("Δ_elicit", |t| t.elicit, tab::BLUE),
        ("Δ_rd", |t| t.rd, tab::RED),
    ];
    let bound = |e: &Estimate, lo: bool| {
        if lo {
            e.lo.unwrap_or(e.mean)
        } else {
            e.hi.unwrap_or(e.mean)
        }
    };
    let (mut y0, mut y1) = (0.0f64, 0.0f64);
    for l in &s.levels {
        for (_, pick, _) in &series {
            let e = pick(&l.decomposition.terms);
            y0 = y0.min(bound(&e, true));
            y1 = y1.max(bound(&e, false));
        }
    }
    let pad = 0.08 * (y1 - y0).max(1e-3);
    let (x0, x1) = (
        xs[0].min(s.crossover.analytic) - 0.03,
        xs[xs.len() - 1].max(s.crossover.analytic) + 0.03,
    );

    figure((860, 520), |root| {
        let mut chart = chart(
            root,
            "Decomposition terms vs prior strength (95% bands)",
            20,
            (44, 64),
            x0..x1,
            (y0 - pad)..(y1 + pad),
        )?;
        axes(
            &mut chart,
            "prior strength p_s",
            "change in expected accuracy",
            &|v| format!("{v:.2}"),
            &|v| format!("{:.2}", if v.abs() < 1e-9 { 0.0 } else { *v }),
        )?;
        guide(&mut chart, vec![(x0, 0.0), (x1, 0.0)])?;
        if let Some(e) = &s.crossover.empirical {
            if let (Some(lo), Some(hi)) = (e.lo, e.hi) {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(lo, y0 - pad), (hi, y1 + pad)],
                        tab::PURPLE.mix(0.15).filled(),
                    )))
                    .map_err(err)?;
            }
            labelled_line(
                &mut chart,
                vec![(e.mean, y0 - pad), (e.mean, y1 + pad)],
                tab::PURPLE.into(),
                format!("empirical crossover {:.3}", e.mean),
            )?;
        }
        let a = s.crossover.analytic;
        labelled_line(
            &mut chart,
            vec![(a, y0 - pad), (a, y1 + pad)],
            tab::GREEN.into(),
            format!("analytic crossover {a:.3}"),
        )?;
        for (name, pick, color) in series {
            let est: Vec<Estimate> = s
                .levels
                .iter()
                .map(|l| pick(&l.decomposition.terms))
                .collect();
            let mut band: Vec<(f64, f64)> = xs
                .iter()
                .zip(&est)
                .map(|(&x, e)| (x, bound(e, true)))
                .collect();
            band.extend(
                xs.iter()
                    .zip(&est)
                    .rev()
                    .map(|(&x, e)| (x, bound(e, false))),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(band, color.mix(0.18))))
                .map_err(err)?;
            let pts: Vec<(f64, f64)> = xs.iter().zip(&est).map(|(&x, e)| (x, e.mean)).collect();
            line_with_dots(&mut chart, pts, color, 3, name)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
}

/// Interaction plot: the outcome against the first factor, one line per combination of the
/// others, with 95 % t intervals as error bars.
///
/// Stays whole: it draws one figure with plotters; the data, scales and the drawing area built
/// at its top are used by every series, mark and label after them.
pub fn factorial_figure(r: &crate::factorial::FactorialResult) -> Result<String> {
    let a = &r.analysis;
    let lo = a
        .cell_means
        .iter()
        .map(|e| e.lo.unwrap_or(e.mean))
        .fold(f64::INFINITY, f64::min);
    let hi = a
        .cell_means
        .iter()
        .map(|e| e.hi.unwrap_or(e.mean))
        .fold(f64::NEG_INFINITY, f64::max);
    let pad = 0.08 * (hi - lo).max(1e-3);
    let f0 = &r.factors[0];
    let palette = [
        tab::BLUE,
        tab::RED,
        tab::GREEN,
        tab::PURPLE,
        tab::ORANGE,
        tab::BROWN,
        tab::PINK,
        tab::GREY,
    ];
    figure((760, 480), |root| {
        let mut chart = chart(
            root,
            format!("{}: {:?} by {}", r.title, r.outcome, f0.label),
            18,
            (44, 64),
            -1.4f64..1.4f64,
            (lo - pad)..(hi + pad),
        )?;
        let (low, high) = (super::level(&f0.low), super::level(&f0.high));
        chart
            .configure_mesh()
            .x_labels(3)
            .x_label_formatter(&|x| {
                if *x < -0.5 {
                    format!("{} = {low}", "−1")
                } else if *x > 0.5 {
                    format!("+1 = {high}")
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| format!("{v:.3}"))
            .x_desc(format!("{} ({})", f0.name, f0.label))
            .y_desc(format!("{:?}", r.outcome))
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        // Cells come in standard order (first factor fastest): pairs (2i, 2i+1) share the rest.
        for (line, pair) in r.cells.chunks(2).enumerate() {
            let color = palette[line % palette.len()];
            let label = super::cell_levels(&r.factors, &pair[0].coding, 1, ", ");
            let pts: Vec<(f64, f64)> = (0..2)
                .map(|j| {
                    (
                        if j == 0 { -1.0 } else { 1.0 },
                        a.cell_means[2 * line + j].mean,
                    )
                })
                .collect();
            for (j, p) in pts.iter().enumerate() {
                let e = &a.cell_means[2 * line + j];
                if let (Some(l), Some(h)) = (e.lo, e.hi) {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(p.0, l), (p.0, h)],
                            color,
                        )))
                        .map_err(err)?;
                }
            }
            line_with_dots(&mut chart, pts, color, 4, label)?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
}

/// Waterfall of one reading of one target: base, then the steps the known arms identify (null,
/// elicitation and reward design; or label-free and reward design without a random arm; or the
/// total alone), ending at the target (accuracy in %). Imputed steps are drawn hatched-grey.
///
/// Stays whole: it draws one figure with plotters; the data, scales and the drawing area built
/// at its top are used by every series, mark and label after them.
pub fn waterfall(id: &str, target: &str, j: &crate::audit::judge::Judgement) -> Result<String> {
    use crate::decompose::Term;
    let base = j.arms["base"].0.mean * 100.0;
    let term = |t: Term| {
        j.terms
            .get(t)
            .map(|v| (v.estimate.mean * 100.0, v.model_based))
    };
    let steps: Vec<(&str, (f64, bool))> =
        match (term(Term::Null), term(Term::Elicit), term(Term::Rd)) {
            (Some(n), Some(e), Some(r)) => {
                vec![("null", n), ("elicitation", e), ("reward design", r)]
            }
            _ => match (term(Term::LabelFree), term(Term::Rd)) {
                (Some(l), Some(r)) => vec![("label-free", l), ("reward design", r)],
                _ => vec![(
                    "total",
                    term(Term::Total).expect("base and target are known"),
                )],
            },
        };
    let mut levels = vec![base];
    for (_, (d, _)) in &steps {
        levels.push(levels[levels.len() - 1] + d);
    }
    let lo = levels
        .iter()
        .copied()
        .fold(f64::INFINITY, f64::min)
        .min(0.0);
    let hi = levels.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut names: Vec<String> = vec!["base".into()];
    names.extend(steps.iter().map(|(n, (_, m))| {
        if *m {
            format!("+ {n} (model)")
        } else {
            format!("+ {n}")
        }
    }));
    names.push(target.to_string());
    let last = names.len() - 1;
    figure((720, 440), |root| {
        let title = format!(
            "{id} ({}{})",
            j.reading,
            if j.three_way.verdict == crate::audit::judge::Attribution::Bounded {
                ", BOUNDED: point values are midpoints"
            } else {
                ""
            }
        );
        let mut chart = chart(
            root,
            title,
            15,
            (40, 56),
            -0.5f64..(last as f64 + 0.5),
            lo..(hi + 0.08 * (hi - lo).max(1.0)),
        )?;
        chart
            .configure_mesh()
            .x_labels(last + 1)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && (0.0..=last as f64).contains(&i) {
                    names[i as usize].to_string()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|v| format!("{v:.0}"))
            .y_desc("accuracy (%)")
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        let grey = RGBColor(120, 120, 120);
        let bar = |x: f64, a: f64, b: f64, c: RGBColor| {
            Rectangle::new([(x - 0.35, a.min(b)), (x + 0.35, a.max(b))], c.filled())
        };
        chart
            .draw_series(std::iter::once(bar(0.0, 0.0, base, grey)))
            .map_err(err)?;
        let colors = [RGBColor(150, 150, 150), tab::BLUE, tab::RED];
        for (i, (_, (d, model))) in steps.iter().enumerate() {
            let start = levels[i];
            let c = if *model {
                RGBColor(200, 200, 200)
            } else if *d >= 0.0 {
                colors[(i + 3 - steps.len()).min(2)]
            } else {
                tab::ORANGE
            };
            chart
                .draw_series(std::iter::once(bar(i as f64 + 1.0, start, start + d, c)))
                .map_err(err)?;
        }
        chart
            .draw_series(std::iter::once(bar(
                last as f64,
                0.0,
                levels[last - 1],
                RGBColor(40, 40, 40),
            )))
            .map_err(err)?;
        Ok(())
    })
}

/// Accuracy against entropy per arm and prior, with the fitted law as a dashed curve.
pub fn entropy_law(r: &crate::entropy::EntropyReport) -> Result<String> {
    let (mut h1, mut a0, mut a1) = (0.0f64, 1.0f64, 0.0f64);
    for l in &r.laws {
        for &(h, a) in &l.trajectory {
            h1 = h1.max(h);
            a0 = a0.min(a);
            a1 = a1.max(a);
        }
    }
    let palette = [tab::BLUE, tab::RED, tab::GREEN, tab::GREY];
    figure((820, 500), |root| {
        let mut chart = chart(
            root,
            "Accuracy vs entropy per step; dashed: fitted −a·e^H + b",
            18,
            (44, 60),
            0.0..(h1 * 1.05).max(0.1),
            (a0 - 0.02).max(0.0)..(a1 + 0.02).min(1.0),
        )?;
        axes(
            &mut chart,
            "mean policy entropy H (nats)",
            "expected accuracy",
            &|v| format!("{v:.2}"),
            &|v| format!("{v:.2}"),
        )?;
        for (i, l) in r.laws.iter().enumerate() {
            let color = palette[i % palette.len()];
            let style = if l.prior < 0.5 {
                color.stroke_width(1)
            } else {
                color.stroke_width(3)
            };
            labelled_line(
                &mut chart,
                l.trajectory.clone(),
                style,
                format!("{} (p_s = {})", l.arm, l.prior),
            )?;
            if let Some(f) = l.fit {
                let (lo, hi) = l
                    .trajectory
                    .iter()
                    .fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
                        (lo.min(p.0), hi.max(p.0))
                    });
                let pts: Vec<(f64, f64)> = (0..=40)
                    .map(|k| lo + (hi - lo) * k as f64 / 40.0)
                    .map(|h| (h, f.b - f.a * h.exp()))
                    .collect();
                chart
                    .draw_series(DashedLineSeries::new(
                        pts,
                        4,
                        4,
                        color.mix(0.6).stroke_width(1),
                    ))
                    .map_err(err)?;
            }
        }
        legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
        Ok(())
    })
}

/// Predicted against actual entropy change for each learning rate (a sample of updates).
pub fn entropy_dynamics(r: &crate::entropy::EntropyReport) -> Result<String> {
    let m = r
        .agreement
        .iter()
        .flat_map(|a| a.sample.iter().flat_map(|p| [p.0.abs(), p.1.abs()]))
        .fold(1e-9f64, f64::max);
    let palette = [tab::BLUE, tab::GREEN, tab::ORANGE, tab::PURPLE, tab::RED];
    figure((640, 600), |root| {
        let mut chart = chart(
            root,
            "Entropy change per update: covariance prediction vs actual",
            17,
            (44, 64),
            -m..m,
            -m..m,
        )?;
        axes(
            &mut chart,
            "predicted ΔH = −Cov(log π, Δθ)",
            "actual ΔH",
            &|v| format!("{v:.3}"),
            &|v| format!("{v:.3}"),
        )?;
        guide(&mut chart, vec![(-m, -m), (m, m)])?;
        for (i, a) in r.agreement.iter().enumerate() {
            let color = palette[i % palette.len()];
            chart
                .draw_series(
                    a.sample
                        .iter()
                        .map(|&p| Circle::new(p, 2, color.mix(0.6).filled())),
                )
                .map_err(err)?
                .label(format!("η = {}", a.lr))
                .legend(move |(x, y)| Circle::new((x + 10, y), 3, color.filled()));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        Ok(())
    })
}
