//! What a file is, from its bytes: the type by magic bytes (never by its name), an image's
//! size from its header, and a photo's EXIF position and time. Pure functions over readers,
//! run off the async threads.

use std::io::{BufRead, Seek};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};

use crate::error::{AppError, AppResult, ErrorCode};

/// The largest side of an image, in pixels.
pub const MAX_IMAGE_SIDE: u64 = 20_000;
/// The most pixels an image may have (a small file that decodes to gigabytes is refused).
pub const MAX_IMAGE_PIXELS: u64 = 100_000_000;

/// A file type the service stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileType {
    pub content_type: &'static str,
    /// Names this type goes by (the first is its usual extension).
    pub extensions: &'static [&'static str],
    pub image: bool,
}

/// Every type accepted: photos, PDF and office documents.
pub const ACCEPTED: [FileType; 8] = [
    FileType {
        content_type: "image/jpeg",
        extensions: &["jpg", "jpeg", "jpe", "jfif"],
        image: true,
    },
    FileType {
        content_type: "image/png",
        extensions: &["png"],
        image: true,
    },
    FileType {
        content_type: "image/webp",
        extensions: &["webp"],
        image: true,
    },
    FileType {
        content_type: "image/heif",
        extensions: &["heic", "heif"],
        image: true,
    },
    FileType {
        content_type: "application/pdf",
        extensions: &["pdf"],
        image: false,
    },
    FileType {
        content_type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        extensions: &["docx"],
        image: false,
    },
    FileType {
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        extensions: &["xlsx"],
        image: false,
    },
    FileType {
        content_type: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        extensions: &["pptx"],
        image: false,
    },
];

/// The accepted type a file's name claims by its extension, if any.
fn claimed_type(file_name: &str) -> Option<&'static str> {
    let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    ACCEPTED
        .iter()
        .find(|t| t.extensions.contains(&extension.as_str()))
        .map(|t| t.content_type)
}

fn unsupported(message: impl Into<String>) -> AppError {
    AppError::new(ErrorCode::UnsupportedFileType, message).with_field("input.file")
}

/// The type of a file from its first bytes, checked against what its name claims. Errors:
/// `UNSUPPORTED_FILE_TYPE` on `input.file` (a type not accepted, or a name claiming another
/// accepted type: a `.jpg` that is a PDF).
pub fn file_type(head: &[u8], file_name: &str) -> AppResult<FileType> {
    let found = infer::get(head).and_then(|kind| {
        // HEIC photos (iPhones) are one flavour of HEIF.
        let mime = match kind.mime_type() {
            "image/heic" => "image/heif",
            other => other,
        };
        ACCEPTED.iter().find(|t| t.content_type == mime).copied()
    });
    let Some(found) = found else {
        return Err(unsupported(
            "Accepted files are JPEG, PNG, WebP and HEIC photos, PDF, and Word, Excel and \
             PowerPoint documents (checked by content, not by name)",
        ));
    };
    if let Some(claimed) = claimed_type(file_name)
        && claimed != found.content_type
    {
        return Err(unsupported(format!(
            "The file is named as {claimed} but its content is {}",
            found.content_type
        )));
    }
    Ok(found)
}

/// An image's width and height from its header, within [`MAX_IMAGE_SIDE`] and
/// [`MAX_IMAGE_PIXELS`]. Errors: `UNSUPPORTED_FILE_TYPE` (no readable header),
/// `FILE_TOO_LARGE` (too many pixels), both on `input.file`.
pub fn image_size<R: BufRead + Seek>(reader: &mut R) -> AppResult<(i32, i32)> {
    let size = imagesize::reader_size(reader)
        .map_err(|_| unsupported("The image's header cannot be read"))?;
    let (width, height) = (size.width as u64, size.height as u64);
    if width == 0 || height == 0 {
        return Err(unsupported("The image has no pixels"));
    }
    if width > MAX_IMAGE_SIDE
        || height > MAX_IMAGE_SIDE
        || width.saturating_mul(height) > MAX_IMAGE_PIXELS
    {
        return Err(AppError::new(
            ErrorCode::FileTooLarge,
            format!(
                "The image is {width}×{height} pixels; at most {MAX_IMAGE_SIDE} a side and \
                 {} megapixels",
                MAX_IMAGE_PIXELS / 1_000_000
            ),
        )
        .with_field("input.file"));
    }
    let side = |v: u64| i32::try_from(v).map_err(|_| AppError::internal());
    Ok((side(width)?, side(height)?))
}

/// What a photo's EXIF block says about where and when it was taken.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PhotoFacts {
    /// Latitude and longitude in degrees.
    pub position: Option<(f64, f64)>,
    pub taken_at: Option<DateTime<Utc>>,
}

/// The EXIF position and time of a photo, if it carries them and they make sense; a time
/// without an offset is read in `zone` (the uploader's). Never fails: a photo without EXIF, or
/// with a broken one, simply has none.
pub fn photo_facts<R: BufRead + Seek>(reader: &mut R, zone: chrono_tz::Tz) -> PhotoFacts {
    let Ok(exif) = exif::Reader::new().read_from_container(reader) else {
        return PhotoFacts::default();
    };
    PhotoFacts {
        position: position(&exif),
        taken_at: taken_at(&exif, zone),
    }
}

fn degrees(exif: &exif::Exif, tag: exif::Tag, reference: exif::Tag, negative: u8) -> Option<f64> {
    let field = exif.get_field(tag, exif::In::PRIMARY)?;
    let exif::Value::Rational(parts) = &field.value else {
        return None;
    };
    let part = |i: usize| {
        parts
            .get(i)
            .filter(|r| r.denom != 0)
            .map(exif::Rational::to_f64)
    };
    let value = part(0)? + part(1).unwrap_or(0.0) / 60.0 + part(2).unwrap_or(0.0) / 3600.0;
    let sign = match &exif.get_field(reference, exif::In::PRIMARY)?.value {
        exif::Value::Ascii(texts) => match texts.first().and_then(|t| t.first()) {
            Some(&c) if c.eq_ignore_ascii_case(&negative) => -1.0,
            Some(_) => 1.0,
            None => return None,
        },
        _ => return None,
    };
    value.is_finite().then_some(sign * value)
}

fn position(exif: &exif::Exif) -> Option<(f64, f64)> {
    let lat = degrees(
        exif,
        exif::Tag::GPSLatitude,
        exif::Tag::GPSLatitudeRef,
        b'S',
    )?;
    let lng = degrees(
        exif,
        exif::Tag::GPSLongitude,
        exif::Tag::GPSLongitudeRef,
        b'W',
    )?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng)).then_some((lat, lng))
}

fn ascii(exif: &exif::Exif, tag: exif::Tag) -> Option<Vec<u8>> {
    match &exif.get_field(tag, exif::In::PRIMARY)?.value {
        exif::Value::Ascii(texts) => texts.first().cloned(),
        _ => None,
    }
}

fn taken_at(exif: &exif::Exif, zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let text = ascii(exif, exif::Tag::DateTimeOriginal)?;
    let mut parsed = exif::DateTime::from_ascii(&text).ok()?;
    if let Some(offset) = ascii(exif, exif::Tag::OffsetTimeOriginal) {
        // A malformed offset leaves the time local.
        let _ = parsed.parse_offset(&offset);
    }
    let local = NaiveDate::from_ymd_opt(
        i32::from(parsed.year),
        u32::from(parsed.month),
        u32::from(parsed.day),
    )?
    .and_hms_opt(
        u32::from(parsed.hour),
        u32::from(parsed.minute),
        u32::from(parsed.second),
    )?;
    match parsed.offset {
        Some(minutes) => chrono::FixedOffset::east_opt(i32::from(minutes) * 60)?
            .from_local_datetime(&local)
            .single()
            .map(|t| t.with_timezone(&Utc)),
        None => zone
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc)),
    }
}

/// A file name safe to store and to send back in `Content-Disposition`: the last path
/// component, without control characters, at most 255 characters; `file` when nothing is left.
pub fn clean_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(255)
        .collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        "file".to_owned()
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n";
    const PNG_1X1: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0,
        0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
    ];

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = PNG_1X1.to_vec();
        bytes[16..20].copy_from_slice(&width.to_be_bytes());
        bytes[20..24].copy_from_slice(&height.to_be_bytes());
        bytes
    }

    #[test]
    fn the_type_comes_from_the_bytes_and_a_name_may_not_contradict_them() {
        assert_eq!(
            file_type(PDF, "contract.pdf").map(|t| t.content_type),
            Ok("application/pdf")
        );
        // No extension, or one of no accepted type: the bytes decide.
        assert_eq!(
            file_type(PDF, "scan").map(|t| t.content_type),
            Ok("application/pdf")
        );
        let disguised = file_type(PDF, "site.JPG").err();
        assert_eq!(
            disguised.as_ref().map(|e| e.code),
            Some(ErrorCode::UnsupportedFileType)
        );
        assert_eq!(
            disguised.and_then(|e| e.field).as_deref(),
            Some("input.file")
        );
        assert!(file_type(b"MZ\x90\x00\x03\x00\x00\x00", "setup.pdf").is_err());
        assert!(file_type(b"plain text", "notes.txt").is_err());
        assert!(file_type(&[], "empty.png").is_err());
        assert_eq!(file_type(&png(1, 1), "a.png").map(|t| t.image), Ok(true));
    }

    #[test]
    fn image_sizes_are_read_from_headers_and_bombs_refused() {
        assert_eq!(image_size(&mut Cursor::new(png(640, 480))), Ok((640, 480)));
        let bomb = image_size(&mut Cursor::new(png(15_000, 15_000))).err();
        assert_eq!(bomb.map(|e| e.code), Some(ErrorCode::FileTooLarge));
        let side = image_size(&mut Cursor::new(png(30_000, 10))).err();
        assert_eq!(side.map(|e| e.code), Some(ErrorCode::FileTooLarge));
        let empty = image_size(&mut Cursor::new(png(0, 10))).err();
        assert_eq!(empty.map(|e| e.code), Some(ErrorCode::UnsupportedFileType));
        assert!(image_size(&mut Cursor::new(PDF)).is_err());
    }

    #[test]
    fn file_names_lose_paths_and_control_characters() {
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("C:\\photos\\门头.jpg"), "门头.jpg");
        assert_eq!(clean_file_name("a\u{0}b\r\n\"c\".png"), "abc.png");
        assert_eq!(clean_file_name("   "), "file");
        assert_eq!(clean_file_name(".."), "file");
        assert_eq!(clean_file_name(&"x".repeat(1000)).chars().count(), 255);
    }

    #[test]
    fn a_photo_without_exif_has_no_facts() {
        assert_eq!(
            photo_facts(&mut Cursor::new(png(2, 2)), chrono_tz::Asia::Shanghai),
            PhotoFacts::default()
        );
        assert_eq!(
            photo_facts(&mut Cursor::new(b"garbage".to_vec()), chrono_tz::UTC),
            PhotoFacts::default()
        );
    }
}
