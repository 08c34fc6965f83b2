//! Documents for customers: a flowing A4 layout written as PDF with the embedded CJK-capable
//! font (each file carries only the glyphs it uses), and signed short-lived links to them.
//! Output is byte-stable: the same content always gives the same file.

pub mod layout;
pub mod links;
pub mod text;
