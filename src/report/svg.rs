//! Figures, drawn with plotters' SVG backend.
//!
//! The file is long because every figure shares the same axis, label and escaping helpers.

use plotters::prelude::*;

use crate::stats::Estimate;
use crate::sweep::Sweep;

/// A figure plotters could not draw, with the backend's own description of why.
#[derive(Debug, thiserror::Error)]
#[error("drawing the figure failed: {0}")]
pub struct DrawError(String);

pub(crate) type Result<T> = std::result::Result<T, DrawError>;

/// Wraps any of plotters' drawing errors (they differ in type by backend and call).
pub(crate) fn err<E: std::fmt::Debug>(e: E) -> DrawError {
    DrawError(format!("{e:?}"))
}

/// The series legend every figure draws, in a light box at `at`.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
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
        ("Δ_elicit", |t| t.elicit, RGBColor(31, 119, 180)),
        ("Δ_rd", |t| t.rd, RGBColor(214, 39, 40)),
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

    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (860, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Decomposition terms vs prior strength (95% bands)",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x0..x1, (y0 - pad)..(y1 + pad))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("prior strength p_s")
            .y_desc("change in expected accuracy")
            .light_line_style(WHITE)
            .y_label_formatter(&|v| format!("{:.2}", if v.abs() < 1e-9 { 0.0 } else { *v }))
            .x_label_formatter(&|v| format!("{v:.2}"))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                BLACK.mix(0.4),
            )))
            .map_err(err)?;
        if let Some(e) = &s.crossover.empirical {
            if let (Some(lo), Some(hi)) = (e.lo, e.hi) {
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(lo, y0 - pad), (hi, y1 + pad)],
                        RGBColor(148, 103, 189).mix(0.15).filled(),
                    )))
                    .map_err(err)?;
            }
            let purple = RGBColor(148, 103, 189);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(e.mean, y0 - pad), (e.mean, y1 + pad)],
                    purple,
                )))
                .map_err(err)?
                .label(format!("empirical crossover {:.3}", e.mean))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], purple));
        }
        let green = RGBColor(44, 160, 44);
        let a = s.crossover.analytic;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(a, y0 - pad), (a, y1 + pad)],
                green,
            )))
            .map_err(err)?
            .label(format!("analytic crossover {a:.3}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], green));
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
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, color.filled())))
                .map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        root.present().map_err(err)?;
    }
    Ok(out)
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
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (760, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{}: {:?} by {}", r.title, r.outcome, f0.label),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-1.4f64..1.4f64, (lo - pad)..(hi + pad))
            .map_err(err)?;
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
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart
                .draw_series(pts.into_iter().map(|p| Circle::new(p, 4, color.filled())))
                .map_err(err)?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        root.present().map_err(err)?;
    }
    Ok(out)
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
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (720, 440)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let title = format!(
            "{id} ({}{})",
            j.reading,
            if j.three_way.verdict == crate::audit::judge::Attribution::Bounded {
                ", BOUNDED: point values are midpoints"
            } else {
                ""
            }
        );
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 15))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(
                -0.5f64..(last as f64 + 0.5),
                lo..(hi + 0.08 * (hi - lo).max(1.0)),
            )
            .map_err(err)?;
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
        let colors = [
            RGBColor(150, 150, 150),
            RGBColor(31, 119, 180),
            RGBColor(214, 39, 40),
        ];
        for (i, (_, (d, model))) in steps.iter().enumerate() {
            let start = levels[i];
            let c = if *model {
                RGBColor(200, 200, 200)
            } else if *d >= 0.0 {
                colors[(i + 3 - steps.len()).min(2)]
            } else {
                RGBColor(255, 127, 14)
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
        root.present().map_err(err)?;
    }
    Ok(out)
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
    let palette = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(127, 127, 127),
    ];
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (820, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Accuracy vs entropy per step; dashed: fitted −a·e^H + b",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(
                0.0..(h1 * 1.05).max(0.1),
                (a0 - 0.02).max(0.0)..(a1 + 0.02).min(1.0),
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("mean policy entropy H (nats)")
            .y_desc("expected accuracy")
            .x_label_formatter(&|v| format!("{v:.2}"))
            .y_label_formatter(&|v| format!("{v:.2}"))
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        for (i, l) in r.laws.iter().enumerate() {
            let color = palette[i % palette.len()];
            let style = if l.prior < 0.5 {
                color.stroke_width(1)
            } else {
                color.stroke_width(3)
            };
            chart
                .draw_series(LineSeries::new(l.trajectory.clone(), style))
                .map_err(err)?
                .label(format!("{} (p_s = {})", l.arm, l.prior))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
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
        root.present().map_err(err)?;
    }
    Ok(out)
}

/// Predicted against actual entropy change for each learning rate (a sample of updates).
pub fn entropy_dynamics(r: &crate::entropy::EntropyReport) -> Result<String> {
    let m = r
        .agreement
        .iter()
        .flat_map(|a| a.sample.iter().flat_map(|p| [p.0.abs(), p.1.abs()]))
        .fold(1e-9f64, f64::max);
    let palette = [
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
        RGBColor(255, 127, 14),
        RGBColor(148, 103, 189),
        RGBColor(214, 39, 40),
    ];
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (640, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Entropy change per update: covariance prediction vs actual",
                ("sans-serif", 17),
            )
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(-m..m, -m..m)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("predicted ΔH = −Cov(log π, Δθ)")
            .y_desc("actual ΔH")
            .x_label_formatter(&|v| format!("{v:.3}"))
            .y_label_formatter(&|v| format!("{v:.3}"))
            .light_line_style(WHITE)
            .draw()
            .map_err(err)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(-m, -m), (m, m)],
                BLACK.mix(0.4),
            )))
            .map_err(err)?;
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
        root.present().map_err(err)?;
    }
    Ok(out)
}
