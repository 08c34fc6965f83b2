//! A flowing A4 layout: text and rules placed top to bottom, a new page when the next block
//! would not fit, a footer on every page; then written out as PDF with krilla. Nothing in the
//! output depends on the time or on chance: the same content gives the same bytes.

use std::sync::LazyLock;

use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use super::text::{self, FONT_BYTES, FONT_INDEX};

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
/// The margin on every side.
pub const MARGIN: f32 = 48.0;
/// The width between the margins.
pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Room kept at the bottom of each page for its footer.
const FOOTER_ROOM: f32 = 28.0;
const FOOTER_SIZE: f32 = 8.0;

static FONT: LazyLock<Option<Font>> = LazyLock::new(|| Font::new(FONT_BYTES.into(), FONT_INDEX));

/// Where text sits relative to its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Starts at x.
    Left,
    /// Ends at x.
    Right,
}

#[derive(Debug, Clone, PartialEq)]
enum Op {
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        gray: u8,
        text: String,
    },
    Rule {
        y: f32,
        x1: f32,
        x2: f32,
        width: f32,
    },
}

/// A document being laid out.
#[derive(Debug, Clone)]
pub struct Layout {
    pages: Vec<Vec<Op>>,
    /// The top of the next block on the current page.
    y: f32,
}

impl Default for Layout {
    fn default() -> Self {
        Self::new()
    }
}

impl Layout {
    /// An empty document of one page.
    pub fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: MARGIN,
        }
    }

    /// Starts a new page unless `height` more points fit on this one.
    pub fn keep(&mut self, height: f32) {
        if self.y + height > PAGE_HEIGHT - MARGIN - FOOTER_ROOM && self.y > MARGIN {
            self.pages.push(Vec::new());
            self.y = MARGIN;
        }
    }

    /// Moves down by `dy` points.
    pub fn skip(&mut self, dy: f32) {
        self.y += dy;
    }

    /// One line of text in the block starting at the current y, `size` points high, cut with
    /// an ellipsis to `max_width`. Does not move down: [`Layout::skip`] does.
    pub fn text(&mut self, x: f32, size: f32, align: Align, max_width: f32, content: &str) {
        self.text_in_gray(x, size, align, max_width, content, 0);
    }

    /// Like [`Layout::text`], in a shade of gray (0 black, 255 white).
    pub fn text_in_gray(
        &mut self,
        x: f32,
        size: f32,
        align: Align,
        max_width: f32,
        content: &str,
        gray: u8,
    ) {
        let line = text::fit(&text::one_line(content), size, max_width);
        if line.is_empty() {
            return;
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - text::width(&line, size),
        };
        let baseline = self.y + size;
        self.current().push(Op::Text {
            x,
            baseline,
            size,
            gray,
            text: line,
        });
    }

    /// A horizontal rule across the content width at the current y.
    pub fn rule(&mut self, width: f32) {
        let y = self.y;
        self.current().push(Op::Rule {
            y,
            x1: MARGIN,
            x2: PAGE_WIDTH - MARGIN,
            width,
        });
    }

    /// `content` wrapped to `max_width` at `size` from x, a line every `leading` points, moving
    /// on to new pages as needed.
    pub fn paragraph(&mut self, x: f32, size: f32, leading: f32, max_width: f32, content: &str) {
        for line in text::wrap(content, size, max_width) {
            self.keep(leading);
            self.text(x, size, Align::Left, max_width, &line);
            self.skip(leading);
        }
    }

    fn current(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// The number of pages so far.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The PDF: every page with `footer` and "page / pages" at its foot, titled `title`, with
    /// a document id fixed by `document_id`. `None` if the PDF could not be written.
    pub fn finish(self, title: &str, document_id: &str, footer: &str) -> Option<Vec<u8>> {
        let font = FONT.as_ref()?.clone();
        let mut document = Document::new();
        document.set_metadata(
            Metadata::new()
                .title(title.to_owned())
                .document_id(document_id.to_owned())
                .creator("Salesgraph".to_owned()),
        );
        let count = self.pages.len();
        for (index, ops) in self.pages.into_iter().enumerate() {
            let mut page =
                document.start_page_with(PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)?);
            let mut surface = page.surface();
            for op in ops.iter().chain(&footer_ops(footer, index + 1, count)) {
                match op {
                    Op::Text {
                        x,
                        baseline,
                        size,
                        gray,
                        text,
                    } => {
                        surface.set_fill(Some(Fill {
                            paint: luma::Color::new(*gray).into(),
                            ..Fill::default()
                        }));
                        surface.draw_text(
                            Point::from_xy(*x, *baseline),
                            font.clone(),
                            *size,
                            text,
                            false,
                            TextDirection::Auto,
                        );
                    }
                    Op::Rule { y, x1, x2, width } => {
                        let mut path = PathBuilder::new();
                        path.move_to(*x1, *y);
                        path.line_to(*x2, *y);
                        let path = path.finish()?;
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            width: *width,
                            paint: luma::Color::new(120).into(),
                            ..Stroke::default()
                        }));
                        surface.draw_path(&path);
                        surface.set_stroke(None);
                    }
                }
            }
            surface.finish();
            page.finish();
        }
        document.finish().ok()
    }
}

fn footer_ops(footer: &str, page: usize, pages: usize) -> Vec<Op> {
    let baseline = PAGE_HEIGHT - MARGIN + FOOTER_SIZE;
    let numbers = format!("{page} / {pages}");
    let numbers_width = text::width(&numbers, FOOTER_SIZE);
    vec![
        Op::Text {
            x: MARGIN,
            baseline,
            size: FOOTER_SIZE,
            gray: 100,
            text: text::fit(footer, FOOTER_SIZE, CONTENT_WIDTH - numbers_width - 12.0),
        },
        Op::Text {
            x: PAGE_WIDTH - MARGIN - numbers_width,
            baseline,
            size: FOOTER_SIZE,
            gray: 100,
            text: numbers,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(lines: usize) -> Layout {
        let mut layout = Layout::new();
        layout.text(MARGIN, 18.0, Align::Left, CONTENT_WIDTH, "报价单 Quotation");
        layout.skip(24.0);
        for i in 0..lines {
            layout.keep(14.0);
            layout.text(
                MARGIN,
                10.0,
                Align::Left,
                200.0,
                &format!("第{i}行 line {i}"),
            );
            layout.text(PAGE_WIDTH - MARGIN, 10.0, Align::Right, 100.0, "1,234.50");
            layout.skip(14.0);
        }
        layout
    }

    #[test]
    fn the_same_content_gives_the_same_bytes() {
        let first = sample(5).finish("Q-1", "id-1", "footer").unwrap();
        let second = sample(5).finish("Q-1", "id-1", "footer").unwrap();
        assert!(first.starts_with(b"%PDF-"));
        assert_eq!(first, second);
        let other = sample(6).finish("Q-1", "id-1", "footer").unwrap();
        assert_ne!(first, other);
    }

    #[test]
    fn long_content_flows_onto_more_pages() {
        assert_eq!(sample(5).page_count(), 1);
        let long = sample(150);
        assert!(long.page_count() >= 3, "{} pages", long.page_count());
        let count = long.page_count();
        let pdf = long.finish("Q-1", "id-1", "footer").unwrap();
        let pages = pdf
            .windows(b"/Type/Page".len() + 1)
            .filter(|w| w.starts_with(b"/Type/Page") && w[w.len() - 1] != b's')
            .count();
        assert_eq!(pages, count);
    }

    #[test]
    fn a_paragraph_breaks_across_pages() {
        let mut layout = Layout::new();
        layout.paragraph(
            MARGIN,
            10.0,
            14.0,
            CONTENT_WIDTH,
            &"条款 terms ".repeat(2000),
        );
        assert!(layout.page_count() > 1);
    }
}
