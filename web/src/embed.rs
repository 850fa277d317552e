//! Embed mode: the same page with `?embed` in its query shows the canvas
//! and the play controls only, for an `<iframe>` in a tutorial page
//! (docs/embedding.md).
//!
//! The options are read from the query here, in one place, so that the
//! Share dialog writes exactly what the embed reads ([`EmbedOptions::query`]
//! is [`EmbedOptions::parse`]'s inverse). Unknown options are ignored
//! (a page built for a later Warren still opens), values out of range fall
//! back to the default.

/// The colour theme of an embed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Theme {
    /// The playground's own (light) colours.
    #[default]
    Light,
    /// Dark colours, for dark tutorial pages.
    Dark,
}

/// What `?embed&...` asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmbedOptions {
    /// Whether the page is an embed at all (`embed` is in the query).
    pub embed: bool,
    /// `readonly`: the reader can play, pause, step and scrub, but not
    /// move nodes, publish, stop or kill (the host page still can).
    pub readonly: bool,
    /// `autoplay`: virtual time runs from the start (an embed otherwise
    /// waits for Play, so a page with several embeds is calm).
    pub autoplay: bool,
    /// `hidelog`: no event log under the canvas.
    pub hide_log: bool,
    /// `theme=light|dark`.
    pub theme: Theme,
    /// `step=N`: the lesson step to start at (1-based). Read here for the
    /// lessons (issue 14), which apply it.
    pub step: Option<u32>,
    /// `origin=https://host.example` (repeatable): host pages whose
    /// messages the embed obeys besides its own parent's origin
    /// (src/host_api.rs). `origin=*` accepts any.
    pub origins: Vec<String>,
}

impl EmbedOptions {
    /// Reads a query string (`?embed&readonly&theme=dark`, with or
    /// without the `?`).
    pub fn parse(query: &str) -> Self {
        let mut o = Self::default();
        let query = query.strip_prefix('?').unwrap_or(query);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let on = !matches!(value, "0" | "false" | "no");
            match key {
                "embed" => o.embed = on,
                "readonly" => o.readonly = on,
                "autoplay" => o.autoplay = on,
                "hidelog" => o.hide_log = on,
                "theme" => {
                    o.theme = match value {
                        "dark" => Theme::Dark,
                        _ => Theme::Light,
                    }
                }
                "step" => o.step = value.parse().ok().filter(|n| *n >= 1),
                "origin" => {
                    let v = percent_decode(value);
                    if v == "*" || v.starts_with("https://") || v.starts_with("http://") {
                        o.origins.push(v.trim_end_matches('/').to_owned());
                    }
                }
                _ => {}
            }
        }
        o
    }

    /// The query that [`parse`](Self::parse) reads back as these options
    /// (starting with `?embed`).
    pub fn query(&self) -> String {
        let mut q = String::from("?embed");
        for (on, key) in [
            (self.readonly, "readonly"),
            (self.autoplay, "autoplay"),
            (self.hide_log, "hidelog"),
        ] {
            if on {
                q.push('&');
                q.push_str(key);
            }
        }
        if self.theme == Theme::Dark {
            q.push_str("&theme=dark");
        }
        if let Some(n) = self.step {
            q.push_str(&format!("&step={n}"));
        }
        for o in &self.origins {
            q.push_str("&origin=");
            q.push_str(&percent_encode_origin(o));
        }
        q
    }

    /// The query of the page this runs in.
    pub fn of_page() -> Self {
        if cfg!(not(target_arch = "wasm32")) {
            return Self::default();
        }
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        Self::parse(&search)
    }
}

/// `%3A` and `%2F` (what `URLSearchParams` writes for `:` and `/`) back to
/// characters; other escapes are left as they are (an origin has none).
fn percent_decode(v: &str) -> String {
    v.replace("%3A", ":")
        .replace("%3a", ":")
        .replace("%2F", "/")
        .replace("%2f", "/")
}

fn percent_encode_origin(v: &str) -> String {
    v.replace(':', "%3A").replace('/', "%2F")
}

/// The `<iframe>` line for an embed of `src` (a URL built by the Share
/// dialog), `width` by `height` CSS px. The URL is escaped for an HTML
/// attribute: a scene's name never reaches it (it is in the compressed
/// fragment), but the page's own address could hold `"` or `&`.
pub fn iframe_line(src: &str, width: u32, height: u32) -> String {
    format!(
        r#"<iframe src="{}" width="{width}" height="{height}" title="Warren: a RabbitMQ playground" style="border:0;max-width:100%" loading="lazy"></iframe>"#,
        escape_attr(src)
    )
}

fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_back_what_they_write() {
        let o = EmbedOptions {
            embed: true,
            readonly: true,
            autoplay: true,
            hide_log: true,
            theme: Theme::Dark,
            step: Some(3),
            origins: vec!["https://docs.example".into()],
        };
        assert_eq!(
            o.query(),
            "?embed&readonly&autoplay&hidelog&theme=dark&step=3&origin=https%3A%2F%2Fdocs.example"
        );
        assert_eq!(EmbedOptions::parse(&o.query()), o);
        let plain = EmbedOptions::parse("?embed");
        assert!(plain.embed && !plain.readonly && !plain.autoplay && plain.step.is_none());
        assert_eq!(plain.query(), "?embed");
    }

    #[test]
    fn odd_queries_fall_back_to_defaults() {
        assert!(!EmbedOptions::parse("").embed);
        assert!(!EmbedOptions::parse("?embed=0").embed);
        let o = EmbedOptions::parse("?embed&step=0&step=x&theme=neon&origin=javascript:x&zzz=1");
        assert!(o.embed);
        assert_eq!(o.step, None);
        assert_eq!(o.theme, Theme::Light);
        assert!(o.origins.is_empty());
        assert_eq!(EmbedOptions::parse("embed&step=2").step, Some(2));
    }

    #[test]
    fn the_iframe_line_escapes_its_address() {
        let line = iframe_line(r#"https://x/?embed&a"b#w1.AA"#, 600, 400);
        assert!(
            line.contains(r#"src="https://x/?embed&amp;a&quot;b#w1.AA""#),
            "{line}"
        );
        assert!(line.contains(r#"width="600" height="400""#));
    }
}
