//! Charts over virtual time, as the management UI draws them: a queue's
//! depth and rates, a consumer's deliveries, unacked against prefetch and
//! utilisation, the broker's totals, a sparkline on each queue node.
//!
//! Plain SVG from integer coordinates (the whole run across, at least 5 s),
//! so that no float is formatted per point. Each chart follows the
//! timeline: a cursor at the moment shown, whose figures the
//! legend gives; a tick where each lesson step began. Each chart's text
//! alternative (its `<title>` and `aria-label`) says the same figures.
//! Nothing moves on its own, so reduced motion has nothing to stop.

use std::fmt::Write as _;
use std::rc::Rc;

use warren_core::stats::{ConsumerBucket, QueueBucket, Stats};
use warren_core::{ChannelId, SimTime};
use yew::prelude::*;

/// Chart width.
const W: u64 = 240;
/// The fewest buckets a chart spans (5 s at first): a young run does not
/// fill the width with a few fat buckets.
const MIN_SPAN: u64 = 20;
/// Chart height (the SVG's literal viewBox and paths say the same).
const H: u64 = 60;

/// The figures, compared by identity: a new sample is a new `Rc`, and a
/// deep comparison would cost code and time for nothing.
#[derive(Clone, Debug)]
pub struct Figures(pub Rc<Stats>);

impl PartialEq for Figures {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// What every chart needs: the figures, the moment shown, and when each
/// lesson step began.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartCtx {
    /// Figures up to the latest moment reached.
    pub stats: Figures,
    /// The moment shown (the timeline's cursor).
    pub now: SimTime,
    /// When each lesson step began.
    pub marks: Rc<Vec<SimTime>>,
}

impl ChartCtx {
    /// The bucket whose figures the legend shows: the one holding the
    /// moment, or the last complete one while the moment is in the open one.
    fn shown(&self) -> usize {
        let i = self.stats.0.index_at(self.now);
        if i + 1 >= self.stats.0.len() {
            i.saturating_sub(1)
        } else {
            i
        }
    }

    /// Buckets across a chart: all there are, at least `MIN_SPAN`.
    fn span(&self) -> u64 {
        (self.stats.0.len() as u64).max(MIN_SPAN)
    }

    /// Where time `t` sits across a chart.
    fn x(&self, t: SimTime) -> u64 {
        let s = &self.stats.0;
        let dt = t.ms().saturating_sub(s.origin().ms());
        (dt * W / (s.width_ms() * self.span())).min(W)
    }
}

/// One line of a chart: its class (colour and dash), its name, its value
/// per bucket, and the figure the legend shows.
struct Line {
    class: &'static str,
    label: &'static str,
    values: Vec<u32>,
    figure: String,
}

/// A line's class, name, and index in its bucket's `figures()`.
type Pick = (&'static str, &'static str, usize);

const DEPTH: [Pick; 2] = [("c-ready", "ready", 7), ("c-unacked", "unacked", 8)];
/// The management UI's message rates, by its names.
const RATES: [Pick; 7] = [
    ("c-publish", "publish", 0),
    ("c-deliver", "deliver", 1),
    ("c-noack", "deliver (no ack)", 2),
    ("c-get", "get", 3),
    ("c-ack", "ack", 4),
    ("c-redeliver", "redeliver", 5),
    ("c-dl", "dead-lettered", 6),
];
/// The Overview's: publish, deliver, ack.
const TOTAL_RATES: [Pick; 3] = [RATES[0], RATES[1], RATES[4]];
const MOVES: [Pick; 4] = [
    ("c-deliver", "delivered", 0),
    ("c-ack", "acked", 2),
    ("c-dl", "nacked", 3),
    ("c-redeliver", "redelivered", 1),
];
const HELD: [Pick; 2] = [("c-unacked", "unacked", 4), ("c-prefetch", "prefetch", 5)];
const UTILISATION: [Pick; 1] = [("c-util", "utilisation %", 6)];

/// The lines `picks` names, from each bucket's figures, with the figures
/// of bucket `i` (rates if `per_sec`, else counts).
fn lines<const N: usize>(
    figures: &[[u32; N]],
    picks: &[Pick],
    ctx: &ChartCtx,
    per_sec: bool,
) -> Vec<Line> {
    let (i, w) = (ctx.shown(), ctx.stats.0.width_ms());
    picks
        .iter()
        .map(|&(class, label, k)| {
            let values: Vec<u32> = figures.iter().map(|f| f[k]).collect();
            let v = values.get(i).copied().unwrap_or(0);
            let figure = if per_sec { rate(v, w) } else { v.to_string() };
            Line {
                class,
                label,
                values,
                figure,
            }
        })
        .collect()
}

/// Rates: a count per bucket shown as a rate, tenths by integer division.
fn rate(count: u32, width_ms: u64) -> String {
    let tenths = u64::from(count) * 10_000 / width_ms;
    format!("{}.{}/s", tenths / 10, tenths % 10)
}

/// The smallest of 1, 2, 5, 10, 20, 50, … at or above `v`.
fn nice(v: u32) -> u32 {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if step * m >= v {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// `x,y x,y …` of one line across `span` buckets, scaled so that `top`
/// is the chart's top.
fn points(out: &mut String, values: &[u32], span: u64, top: u32) {
    for (i, v) in values.iter().enumerate() {
        let y = H - u64::from(*v).min(u64::from(top)) * H / u64::from(top);
        let _ = write!(out, "{},{} ", i as u64 * W / span, y);
    }
}

/// One chart, appended to `out` as markup: its lines, cursor, step ticks
/// and scale, then its legend with the figures at the cursor.
///
/// Markup rather than `html!`: Yew's virtual DOM costs code per element
/// and attribute in the wasm, and the browser parses a string as well.
/// Only static words and numbers go into it, never a name someone typed,
/// so nothing needs escaping.
fn chart(out: &mut String, ctx: &ChartCtx, id: &str, title: &str, lines: &[Line], per_sec: bool) {
    let peak = lines
        .iter()
        .flat_map(|l| &l.values)
        .copied()
        .max()
        .unwrap_or(0);
    let top = nice(peak.max(1));
    let scale = if per_sec {
        rate(top, ctx.stats.0.width_ms())
    } else {
        top.to_string()
    };
    let ms = ctx.now.ms();
    let mut alt = format!("{title} at {}.{} s:", ms / 1000, ms % 1000 / 100);
    for l in lines {
        let _ = write!(alt, " {} {},", l.label, l.figure);
    }
    alt.pop();
    let _ = write!(
        out,
        "<figure class=\"chart\" id=\"{id}\"><figcaption>{title}</figcaption>\
         <svg viewBox=\"-1 -8 242 70\" role=\"img\" aria-label=\"{alt}\"><title>{alt}</title>\
         <path class=\"axis\" d=\"M0 60H240\"/><text x=\"2\" y=\"-1\">{scale}</text><path class=\"step\" d=\""
    );
    for t in ctx.marks.iter() {
        let _ = write!(out, "M{} 54V62", ctx.x(*t));
    }
    out.push_str("\"/>");
    for l in lines.iter().filter(|l| l.values.iter().any(|v| *v > 0)) {
        let _ = write!(out, "<polyline class=\"{}\" points=\"", l.class);
        points(out, &l.values, ctx.span(), top);
        out.push_str("\"/>");
    }
    let _ = write!(
        out,
        "<path class=\"cursor\" d=\"M{} 0V60\"/></svg><ul>",
        ctx.x(ctx.now)
    );
    for l in lines {
        let _ = write!(
            out,
            "<li class=\"{}\"><span></span>{} <b>{}</b></li>",
            l.class, l.label, l.figure
        );
    }
    out.push_str("</ul></figure>");
}

/// A queue's (or the broker's) depth and rates charts.
fn depth_and_rates(
    out: &mut String,
    ctx: &ChartCtx,
    ids: [&str; 2],
    series: &[QueueBucket],
    rates: &[Pick],
) {
    let figures: Vec<[u32; 9]> = series.iter().map(QueueBucket::figures).collect();
    let depth = lines(&figures, &DEPTH, ctx, false);
    chart(out, ctx, ids[0], "Queued messages", &depth, false);
    let rates = lines(&figures, rates, ctx, true);
    chart(out, ctx, ids[1], "Message rates", &rates, true);
}

/// Markup made here, as nodes.
fn raw(out: String) -> Html {
    Html::from_html_unchecked(AttrValue::from(out))
}

/// A queue's depth and rates.
pub fn queue_charts(ctx: &ChartCtx, queue: &str) -> Html {
    let Some(series) = ctx.stats.0.queue(queue) else {
        return Html::default();
    };
    let mut out = String::from("<section class=\"charts\" aria-label=\"Charts\">");
    depth_and_rates(
        &mut out,
        ctx,
        ["chart-depth", "chart-rates"],
        series,
        &RATES,
    );
    out.push_str("</section>");
    raw(out)
}

/// A consumer's deliveries, its unacked against its prefetch, and its
/// utilisation.
pub fn consumer_charts(ctx: &ChartCtx, channel: ChannelId, tag: &str) -> Html {
    let Some(series) = ctx.stats.0.consumer(channel, tag) else {
        return Html::default();
    };
    let figures: Vec<[u32; 7]> = series.iter().map(ConsumerBucket::figures).collect();
    let mut out = String::from("<section class=\"charts\" aria-label=\"Charts\">");
    let moves = lines(&figures, &MOVES, ctx, true);
    chart(
        &mut out,
        ctx,
        "chart-consumer-rates",
        "Deliveries",
        &moves,
        true,
    );
    let held = lines(&figures, &HELD, ctx, false);
    chart(
        &mut out,
        ctx,
        "chart-consumer-held",
        "Unacked and prefetch",
        &held,
        false,
    );
    let mut util = lines(&figures, &UTILISATION, ctx, false);
    if series
        .get(ctx.shown())
        .and_then(ConsumerBucket::utilisation_permille)
        .is_none()
    {
        // Not registered then: no utilisation, rather than 0 %.
        util[0].figure = "–".into();
    }
    chart(
        &mut out,
        ctx,
        "chart-consumer-util",
        "Utilisation",
        &util,
        false,
    );
    out.push_str("</section>");
    raw(out)
}

/// The broker's totals, collapsible: queued messages and the publish,
/// deliver and ack rates.
pub fn overview(ctx: &ChartCtx) -> Html {
    let totals = ctx.stats.0.totals();
    let mut out = String::new();
    let ids = ["chart-total-depth", "chart-total-rates"];
    depth_and_rates(&mut out, ctx, ids, totals, &TOTAL_RATES);
    html! {
        <details class="overview" id="overview">
            <summary>{ "Overview" }</summary>
            { raw(out) }
        </details>
    }
}

/// Buckets a sparkline shows: the latest ones.
const SPARK: usize = 40;

/// `x,y …` of a queue's ready messages over its latest buckets, 4 px a
/// bucket and `h` px high; empty when it never held one.
pub fn sparkline(stats: &Stats, queue: &str, h: u32) -> String {
    let Some(series) = stats.queue(queue) else {
        return String::new();
    };
    let tail = &series[series.len().saturating_sub(SPARK)..];
    let top = tail.iter().map(|b| b.ready).max().unwrap_or(0);
    if top == 0 {
        return String::new();
    }
    let mut out = String::new();
    for (i, b) in tail.iter().enumerate() {
        let _ = write!(out, "{},{} ", i * 4, h - b.ready * h / top);
    }
    out
}
