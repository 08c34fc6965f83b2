//! The embedded font, text measured in it, and text broken into lines that fit a width: Latin
//! at spaces and hyphens, CJK between any two ideographs (the Unicode line-breaking rules), and
//! a word wider than the line between characters.

use std::sync::LazyLock;

use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, GlyphId, MetadataProvider};

/// WenQuanYi Micro Hei: Latin, CJK ideographs, kana and hangul in one face (see `fonts/`).
pub static FONT_BYTES: &[u8] = include_bytes!("fonts/wqy-microhei.ttc");
/// The face of the collection used: the proportional one.
pub const FONT_INDEX: u32 = 0;

/// What measuring needs from the font: its character map and advances at size 1.
struct Metrics {
    charmap: Charmap<'static>,
    advances: GlyphMetrics<'static>,
}

static METRICS: LazyLock<Option<Metrics>> = LazyLock::new(|| {
    let font = FontRef::from_index(FONT_BYTES, FONT_INDEX).ok()?;
    Some(Metrics {
        charmap: font.charmap(),
        advances: font.glyph_metrics(Size::new(1.0), LocationRef::default()),
    })
});

/// Whether the embedded font could be read (it is compiled in, so always, unless damaged).
pub fn font_is_usable() -> bool {
    METRICS.is_some()
}

/// The width of `text` set at `size` points, in points.
pub fn width(text: &str, size: f32) -> f32 {
    let Some(metrics) = METRICS.as_ref() else {
        return 0.0;
    };
    text.chars()
        .map(|ch| {
            let glyph = metrics.charmap.map(ch).unwrap_or(GlyphId::NOTDEF);
            metrics.advances.advance_width(glyph).unwrap_or(0.0)
        })
        .sum::<f32>()
        * size
}

/// `text` on one line: control characters and runs of white space become one space.
pub fn one_line(text: &str) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` cut to fit `max_width` at `size`, ending in an ellipsis when cut.
pub fn fit(text: &str, size: f32, max_width: f32) -> String {
    if width(text, size) <= max_width {
        return text.to_owned();
    }
    let room = max_width - width(ELLIPSIS, size);
    let mut used = 0.0;
    let mut out = String::new();
    for ch in text.chars() {
        let w = width(ch.encode_utf8(&mut [0; 4]), size);
        if used + w > room {
            break;
        }
        used += w;
        out.push(ch);
    }
    out.truncate(out.trim_end().len());
    out.push_str(ELLIPSIS);
    out
}

const ELLIPSIS: &str = "…";

/// The lines `text` takes at `size` within `max_width`. A line break in `text` starts a new
/// line; an empty paragraph is an empty line.
pub fn wrap(text: &str, size: f32, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph = one_line(paragraph);
        if paragraph.is_empty() {
            lines.push(String::new());
            continue;
        }
        wrap_paragraph(&paragraph, size, max_width, &mut lines);
    }
    lines
}

/// Greedy filling: each segment between break opportunities goes on the current line if it
/// fits, else starts the next; a segment wider than a whole line is split between characters.
fn wrap_paragraph(text: &str, size: f32, max_width: f32, lines: &mut Vec<String>) {
    let mut line = String::new();
    let mut start = 0;
    for (end, _) in unicode_linebreak::linebreaks(text) {
        let segment = &text[start..end];
        start = end;
        let candidate = format!("{line}{segment}");
        if width(candidate.trim_end(), size) <= max_width {
            line = candidate;
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_owned());
        }
        line = String::new();
        for ch in segment.chars() {
            let candidate = format!("{line}{ch}");
            if !line.is_empty() && width(candidate.trim_end(), size) > max_width {
                lines.push(line.trim_end().to_owned());
                line = ch.to_string();
            } else {
                line = candidate;
            }
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_covers_latin_digits_and_chinese() {
        assert!(font_is_usable());
        let metrics = METRICS.as_ref().unwrap();
        for ch in "Quote 报价单 123,456.78 ¥ 华东区"
            .chars()
            .filter(|c| !c.is_whitespace())
        {
            assert!(metrics.charmap.map(ch).is_some(), "no glyph for {ch:?}");
        }
    }

    #[test]
    fn wider_text_measures_wider_and_scales_with_size() {
        let one = width("报价", 10.0);
        assert!(one > 0.0);
        assert!(width("报价单", 10.0) > one);
        assert!((width("报价", 20.0) - 2.0 * one).abs() < 0.01);
    }

    #[test]
    fn lines_never_exceed_the_width_and_keep_every_character() {
        let text = "上海华东精密仪器有限公司 orders 1,200 units of the Model-X flow meter, \
                    delivered in three batches 分三批交货，每批验收后付款。";
        for max in [60.0_f32, 120.0, 300.0] {
            let lines = wrap(text, 10.0, max);
            for line in &lines {
                assert!(
                    width(line, 10.0) <= max + 0.01,
                    "{line:?} is wider than {max}"
                );
            }
            let joined: String = lines.concat().split_whitespace().collect();
            let original: String = text.split_whitespace().collect();
            assert_eq!(joined, original);
        }
    }

    #[test]
    fn latin_breaks_between_words_and_a_long_word_between_characters() {
        let lines = wrap("alpha beta gamma", 10.0, width("alpha beta", 10.0) + 0.1);
        assert_eq!(lines, vec!["alpha beta", "gamma"]);
        let long = "x".repeat(200);
        let lines = wrap(&long, 10.0, 50.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), long);
    }

    #[test]
    fn line_breaks_in_the_text_start_new_lines() {
        assert_eq!(wrap("a\n\nb", 10.0, 100.0), vec!["a", "", "b"]);
    }

    #[test]
    fn fitting_cuts_with_an_ellipsis_only_when_needed() {
        assert_eq!(fit("短", 10.0, 100.0), "短");
        let cut = fit("上海华东精密仪器有限公司", 10.0, 40.0);
        assert!(cut.ends_with('…'));
        assert!(width(&cut, 10.0) <= 40.0);
    }

    #[test]
    fn one_line_flattens_control_characters() {
        assert_eq!(one_line(" a\tb\r\n c\u{0} "), "a b c");
    }
}
