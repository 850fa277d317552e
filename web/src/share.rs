//! Share links: the whole scene in the URL fragment.
//!
//! A link is `<page>#w1.<data>`: `w1.` is the format (so that links made
//! today keep opening when the format changes: a later `w2.` gets a reader
//! of its own and `w1.` keeps this one), `<data>` is the scene file
//! (`docs/scenario.md`, the text the playground autosaves) compressed with
//! raw DEFLATE by the browser's own `CompressionStream("deflate-raw")` and
//! written in base64url without padding. The browser does the compression,
//! so it costs the wasm nothing but the bindings below; the base64url
//! codec is a few lines here, tested natively.
//!
//! A fragment never reaches a server: the scene travels in the link but is
//! not sent to whoever serves the page.
//!
//! Links are untrusted input: [`decode_fragment`] refuses anything that is
//! not the format with a reason, and [`inflate`] stops at
//! [`MAX_SCENE_BYTES`] of text however well the data compresses.

use std::fmt;

/// The prefix of a share fragment (after `#`): format version 1.
pub const PREFIX: &str = "w1.";

/// Longest fragment the Share dialog offers as a link, in characters.
/// Browsers take longer URLs, but chat programs, mail clients and
/// Markdown renderers cut or refuse long ones; past this the dialog says
/// so and offers the scene file instead.
pub const MAX_LINK_FRAGMENT: usize = 8 * 1024;

/// Longest fragment a page opens, in characters (links made elsewhere, or
/// by hand, may be longer than the dialog makes them; not unbounded).
pub const MAX_OPEN_FRAGMENT: usize = 64 * 1024;

/// Most scene text a link may inflate to, in bytes (a DEFLATE stream can
/// expand about a thousandfold; reading stops here).
pub const MAX_SCENE_BYTES: usize = 1024 * 1024;

/// Why a link's fragment is not a scene.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// `#w<n>.` with a version this page does not know.
    UnknownVersion(String),
    /// Longer than [`MAX_OPEN_FRAGMENT`].
    TooLong(usize),
    /// A character that is not base64url, at this offset of the data.
    NotBase64(usize),
    /// The compressed data is cut short or damaged.
    Corrupt,
    /// More than [`MAX_SCENE_BYTES`] once inflated.
    TooBig,
    /// The inflated text is not UTF-8.
    NotText,
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownVersion(v) => write!(
                f,
                "the link is in format {v:?}, which this version of Warren does not read"
            ),
            Self::TooLong(n) => write!(
                f,
                "the link's scene is {n} characters long; at most {MAX_OPEN_FRAGMENT} are read"
            ),
            Self::NotBase64(i) => write!(
                f,
                "the link is damaged: character {i} of its data is not base64url"
            ),
            Self::Corrupt => write!(f, "the link is cut short or damaged"),
            Self::TooBig => write!(
                f,
                "the link's scene is over {} KB once unpacked",
                MAX_SCENE_BYTES / 1024
            ),
            Self::NotText => write!(f, "the link's scene is not text"),
        }
    }
}

impl std::error::Error for LinkError {}

/// The compressed scene in a fragment (without its `#`), `Ok(None)` if the
/// fragment is not a share link at all (an ordinary `#canvas` anchor).
///
/// # Errors
/// A share fragment of an unknown version, too long, or not base64url.
pub fn decode_fragment(fragment: &str) -> Result<Option<Vec<u8>>, LinkError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let Some(data) = fragment.strip_prefix(PREFIX) else {
        return match version_of(fragment) {
            Some(v) => Err(LinkError::UnknownVersion(v.to_owned())),
            None => Ok(None),
        };
    };
    if fragment.len() > MAX_OPEN_FRAGMENT {
        return Err(LinkError::TooLong(fragment.len()));
    }
    let (data, _) = data.split_once('&').unwrap_or((data, ""));
    base64url_decode(data).map(Some)
}

/// What follows the scene in a share fragment, after `&` (`step=3`, read
/// with [`crate::embed::EmbedOptions::parse`]): room for where in the scene
/// a link starts (a lesson's step), outside the compressed scene so that
/// one scene's links to each step differ only there. Empty if none.
pub fn fragment_params(fragment: &str) -> &str {
    fragment.split_once('&').map_or("", |(_, p)| p)
}

/// `w<digits>.` at the start of a fragment: the format version of a link
/// from some other version of Warren.
fn version_of(fragment: &str) -> Option<&str> {
    let rest = fragment.strip_prefix('w')?;
    let dot = rest.find('.')?;
    let digits = &rest[..dot];
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| &fragment[..=dot + 1])
}

/// The fragment (without `#`) for compressed scene bytes.
pub fn encode_fragment(deflated: &[u8]) -> String {
    let mut s = String::from(PREFIX);
    s.push_str(&base64url_encode(deflated));
    s
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url (RFC 4648 §5) without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Reads base64url, with or without `=` padding.
///
/// # Errors
/// The offset of the first character outside the alphabet, or of a lone
/// last character (no whole byte).
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, LinkError> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for (i, c) in text.bytes().enumerate() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err(LinkError::NotBase64(i)),
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if text.len() % 4 == 1 {
        return Err(LinkError::NotBase64(text.len() - 1));
    }
    Ok(out)
}

#[cfg(target_arch = "wasm32")]
pub use browser::{deflate, inflate, link_for};

/// The browser's side: compression streams, the location.
#[cfg(target_arch = "wasm32")]
mod browser {
    use js_sys::{Array, Reflect, Uint8Array};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen_futures::JsFuture;

    use super::{encode_fragment, LinkError, MAX_SCENE_BYTES};

    // Declared here rather than through web-sys, where the compression
    // streams are still behind `--cfg=web_sys_unstable_apis` (a build flag
    // for the whole crate graph).
    #[wasm_bindgen]
    extern "C" {
        type CompressionStream;
        #[wasm_bindgen(constructor, catch)]
        fn new(format: &str) -> Result<CompressionStream, JsValue>;

        type DecompressionStream;
        #[wasm_bindgen(constructor, catch, js_class = "DecompressionStream")]
        fn new_decompression(format: &str) -> Result<DecompressionStream, JsValue>;

        type Stream;
        #[wasm_bindgen(method, js_name = pipeThrough)]
        fn pipe_through(this: &Stream, pair: &JsValue) -> Stream;
        #[wasm_bindgen(method, js_name = getReader)]
        fn get_reader(this: &Stream) -> Reader;

        type Reader;
        #[wasm_bindgen(method)]
        fn read(this: &Reader) -> js_sys::Promise;
        #[wasm_bindgen(method)]
        fn cancel(this: &Reader) -> js_sys::Promise;
    }

    /// A stream of `bytes` through `transform`.
    fn piped(bytes: &[u8], transform: &JsValue) -> Result<Stream, JsValue> {
        let parts = Array::of1(&Uint8Array::from(bytes));
        let blob = web_sys::Blob::new_with_u8_array_sequence(&parts)?;
        let stream: Stream = blob.stream().unchecked_into();
        Ok(stream.pipe_through(transform))
    }

    /// Reads a stream to its end, stopping with [`LinkError::TooBig`]
    /// past `limit` bytes and [`LinkError::Corrupt`] on a stream error.
    async fn read_all(stream: Stream, limit: usize) -> Result<Vec<u8>, LinkError> {
        let reader = stream.get_reader();
        let mut out = Vec::new();
        loop {
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|_| LinkError::Corrupt)?;
            let done = Reflect::get(&chunk, &"done".into()).map_err(|_| LinkError::Corrupt)?;
            if done.is_truthy() {
                return Ok(out);
            }
            let value = Reflect::get(&chunk, &"value".into()).map_err(|_| LinkError::Corrupt)?;
            let bytes: Uint8Array = value.dyn_into().map_err(|_| LinkError::Corrupt)?;
            if out.len() + bytes.length() as usize > limit {
                let _ = reader.cancel();
                return Err(LinkError::TooBig);
            }
            out.extend(bytes.to_vec());
        }
    }

    /// `text` compressed with raw DEFLATE.
    ///
    /// # Errors
    /// The browser has no `CompressionStream` (or refused the format).
    pub async fn deflate(text: &str) -> Result<Vec<u8>, String> {
        let cs = CompressionStream::new("deflate-raw")
            .map_err(|_| "this browser cannot compress (no CompressionStream)".to_owned())?;
        let stream = piped(text.as_bytes(), &cs).map_err(|e| format!("{e:?}"))?;
        read_all(stream, usize::MAX)
            .await
            .map_err(|e| e.to_string())
    }

    /// The text in raw DEFLATE `bytes`.
    ///
    /// # Errors
    /// Cut short or damaged data, more than [`MAX_SCENE_BYTES`], not UTF-8.
    pub async fn inflate(bytes: &[u8]) -> Result<String, LinkError> {
        let ds = DecompressionStream::new_decompression("deflate-raw")
            .map_err(|_| LinkError::Corrupt)?;
        let stream = piped(bytes, &ds).map_err(|_| LinkError::Corrupt)?;
        let out = read_all(stream, MAX_SCENE_BYTES).await?;
        String::from_utf8(out).map_err(|_| LinkError::NotText)
    }

    /// The share link of `scene_text`: this page's address (query kept,
    /// old fragment dropped) with the scene in the fragment.
    ///
    /// # Errors
    /// As [`deflate`].
    pub async fn link_for(scene_text: &str) -> Result<String, String> {
        let fragment = encode_fragment(&deflate(scene_text).await?);
        let href = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        let base = href.split('#').next().unwrap_or_default();
        Ok(format!("{base}#{fragment}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).collect();
        for n in 0..40 {
            let enc = base64url_encode(&data[..n]);
            assert!(!enc.contains(['+', '/', '=']), "{enc}");
            assert_eq!(base64url_decode(&enc).unwrap(), &data[..n]);
        }
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64url_decode("-_8=").unwrap(), b"\xfb\xff");
    }

    #[test]
    fn fragments_say_what_is_wrong() {
        assert_eq!(decode_fragment("#canvas"), Ok(None));
        assert_eq!(decode_fragment(""), Ok(None));
        assert_eq!(decode_fragment("#w1.AAE"), Ok(Some(vec![0, 1])));
        assert_eq!(decode_fragment("#w1.AAE&step=3"), Ok(Some(vec![0, 1])));
        assert_eq!(fragment_params("#w1.AAE&step=3"), "step=3");
        assert_eq!(fragment_params("#w1.AAE"), "");
        assert_eq!(
            decode_fragment("w2.xyz"),
            Err(LinkError::UnknownVersion("w2.".into()))
        );
        assert_eq!(decode_fragment("#w1.ab<c"), Err(LinkError::NotBase64(2)));
        assert_eq!(decode_fragment("#w1.abcde"), Err(LinkError::NotBase64(4)));
        let long = format!("w1.{}", "A".repeat(MAX_OPEN_FRAGMENT));
        assert!(matches!(decode_fragment(&long), Err(LinkError::TooLong(_))));
        assert_eq!(encode_fragment(&[0, 1]), "w1.AAE");
        for e in [LinkError::Corrupt, LinkError::TooBig, LinkError::NotText] {
            assert!(!e.to_string().is_empty());
        }
    }
}
