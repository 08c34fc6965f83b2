//! Input values that parse themselves: a value of one of these types has passed its rules, so
//! code that holds one need not check again. Each parser names the input field it read, which
//! becomes the error's `extensions.field`.

use serde::Serialize;

use crate::error::{AppError, AppResult};

/// The input errors of one request, collected so that all of them are reported at once (a bad
/// e-mail and a short password: two errors, each with its field), not only the first.
#[derive(Debug, Default)]
pub struct Problems(Vec<AppError>);

impl Problems {
    /// The value of `result`, or `None` with its error kept (and the errors it carries, each
    /// as one of these, so problems collected by a helper are reported like the others).
    pub fn check<T>(&mut self, result: AppResult<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(mut error) => {
                let more = std::mem::take(&mut error.more);
                self.0.push(error);
                self.0.extend(more.into_vec());
                None
            }
        }
    }

    /// `Ok` when nothing was wrong; otherwise the first error, carrying the others.
    pub fn finish(self) -> AppResult<()> {
        let mut errors = self.0.into_iter();
        match errors.next() {
            None => Ok(()),
            Some(first) => Err(first.with_more(errors.collect())),
        }
    }
}

/// Trimmed text of at least one and at most a given number of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    /// Trims `value`; empty or longer than `max` characters is an error on `field`.
    pub fn required(value: &str, field: &str, max: usize) -> AppResult<Self> {
        let value = value.trim();
        if value.is_empty() || value.chars().count() > max {
            return Err(AppError::bad_input(
                field,
                format!("Must have 1 to {max} characters"),
            ));
        }
        Ok(Self(value.to_owned()))
    }

    /// Trims `value`; absent or blank is `None`, longer than `max` characters an error.
    pub fn optional(value: Option<&str>, field: &str, max: usize) -> AppResult<Option<Self>> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) if v.chars().count() > max => Err(AppError::bad_input(
                field,
                format!("Must have at most {max} characters"),
            )),
            Some(v) => Ok(Some(Self(v.to_owned()))),
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// [`Text::required`], as the `String` it holds.
pub fn required_text(value: &str, field: &str, max: usize) -> AppResult<String> {
    Text::required(value, field, max).map(Text::into_inner)
}

/// [`Text::optional`], as the `String` it holds.
pub fn optional_text(value: Option<&str>, field: &str, max: usize) -> AppResult<Option<String>> {
    Text::optional(value, field, max).map(|text| text.map(Text::into_inner))
}

/// An e-mail address, trimmed and lower-cased: the form stored and compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The stored form of whatever was typed, valid or not (for looking an address up).
    pub fn normalize(email: &str) -> String {
        email.trim().to_lowercase()
    }

    /// An address by RFC 5321's practical rules (through `email_address`): a dot-atom local
    /// part of at most 64 octets (no quoted forms), a host name of labels (one label, as
    /// `localhost`, is allowed; no address literals), at most 254 octets in all.
    pub fn parse(email: &str, field: &str) -> AppResult<Self> {
        let email = Self::normalize(email);
        let options = email_address::Options {
            minimum_sub_domains: 1,
            allow_domain_literal: false,
            allow_display_text: false,
            allow_long_local_parts: false,
        };
        let valid = email.len() <= 254
            && !email.contains('"')
            && email_address::EmailAddress::parse_with_options(&email, options).is_ok();
        if valid {
            Ok(Self(email))
        } else {
            Err(AppError::bad_input(field, "Not a valid e-mail address"))
        }
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// [`Email::parse`], as the `String` it holds.
pub fn parse_email(email: &str, field: &str) -> AppResult<String> {
    Email::parse(email, field).map(Email::into_inner)
}

/// A point on the map, validated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GeoPoint {
    pub lat: f64,
    pub lng: f64,
}

impl GeoPoint {
    /// Latitude in [-90, 90] and longitude in [-180, 180] (NaN is neither).
    pub fn parse(lat: f64, lng: f64, field: &str) -> AppResult<Self> {
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
            return Err(AppError::bad_input(
                field,
                "Latitude must lie in [-90, 90] and longitude in [-180, 180]",
            ));
        }
        Ok(Self { lat, lng })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(
            Text::required("  报价  ", "f", 2).map(Text::into_inner),
            Ok("报价".into())
        );
        let err = Text::required("   ", "input.name", 5).err();
        assert_eq!(err.and_then(|e| e.field), Some("input.name".to_owned()));
        assert!(Text::required("报价单", "f", 2).is_err());
        assert_eq!(Text::optional(Some("  "), "f", 2), Ok(None));
        assert_eq!(Text::optional(None, "f", 2), Ok(None));
        assert!(Text::optional(Some("abc"), "f", 2).is_err());
    }

    #[test]
    fn emails_are_normalized_and_checked() {
        assert_eq!(
            parse_email("  Ann@Example.COM ", "f").unwrap(),
            "ann@example.com"
        );
        assert!(parse_email("admin@localhost", "f").is_ok());
        assert!(parse_email("ann.lee+crm@sub.example.cn", "f").is_ok());
        assert!(parse_email(&format!("{}@x.com", "a".repeat(64)), "f").is_ok());
        let long_local = format!("{}@x.com", "a".repeat(65));
        let long_label = format!("ann@{}.com", "b".repeat(64));
        let long_address = format!("ann@{}.com", vec!["c".repeat(60); 5].join("."));
        for bad in [
            "",
            "ann",
            "@x.com",
            "ann@",
            "a b@x.com",
            "a@b@c",
            "ann..lee@x.com",
            ".ann@x.com",
            "ann.@x.com",
            "\"ann lee\"@x.com",
            "ann@-x.com",
            "ann@x..com",
            "ann@[127.0.0.1]",
            "Ann <ann@x.com>",
            &long_local,
            &long_label,
            &long_address,
        ] {
            assert_eq!(
                parse_email(bad, "input.email")
                    .unwrap_err()
                    .field
                    .as_deref(),
                Some("input.email"),
                "{bad}"
            );
        }
    }

    #[test]
    fn geo_points_are_on_the_globe() {
        assert!(GeoPoint::parse(31.2, 121.5, "f").is_ok());
        assert!(GeoPoint::parse(90.1, 0.0, "f").is_err());
        assert!(GeoPoint::parse(0.0, -180.5, "f").is_err());
        assert!(GeoPoint::parse(f64::NAN, 0.0, "f").is_err());
    }
}
