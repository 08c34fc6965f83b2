//! Normal forms used to recognise the same phone, e-mail or company written differently.

/// Digits of a phone number in international form: a `+` or `00` prefix keeps the country code
/// given; otherwise one national trunk `0` is dropped and `default_country_code` is prepended.
/// `None` when fewer than 5 digits remain.
pub fn phone_key(phone: &str, default_country_code: &str) -> Option<String> {
    let trimmed = phone.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 5 {
        return None;
    }
    let key = if trimmed.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else {
        let national = digits.strip_prefix('0').unwrap_or(&digits);
        format!("{default_country_code}{national}")
    };
    Some(key)
}

/// A trimmed, lower-cased e-mail; `None` when empty.
pub fn email_key(email: &str) -> Option<String> {
    let key = email.trim().to_lowercase();
    (!key.is_empty()).then_some(key)
}

const COMPANY_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团",
    "公司",
    "incorporated",
    "corporation",
    "company",
    "limited",
    "holdings",
    "group",
    "gmbh",
    "corp",
    "inc",
    "llc",
    "ltd",
    "plc",
    "co",
    "sa",
    "ag",
];

/// A company name folded for similarity: lower case, letters and digits only, common legal
/// suffixes removed. `None` when nothing distinctive is left.
pub fn company_key(name: &str) -> Option<String> {
    let mut key: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    loop {
        let before = key.len();
        for suffix in COMPANY_SUFFIXES {
            if key.len() > suffix.len()
                && let Some(stripped) = key.strip_suffix(suffix)
            {
                key = stripped.to_owned();
            }
        }
        if key.len() == before {
            break;
        }
    }
    (!key.is_empty()).then_some(key)
}

/// Shows the last four characters of a phone and the first of an e-mail's local part.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let keep = chars.len().min(4);
    let hidden = chars.len() - keep;
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < hidden && c.is_ascii_digit() {
                '*'
            } else {
                *c
            }
        })
        .collect()
}

pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_phone_written_differently_has_one_key() {
        let forms = [
            "+86 138-0013-8000",
            "0086 13800138000",
            "13800138000",
            "(138) 0013 8000",
        ];
        for form in forms {
            assert_eq!(
                phone_key(form, "86").as_deref(),
                Some("8613800138000"),
                "{form}"
            );
        }
        assert_eq!(
            phone_key("010 8888 1234", "86").as_deref(),
            Some("861088881234")
        );
        assert_eq!(
            phone_key("+49 30 1234567", "86").as_deref(),
            Some("49301234567")
        );
        assert_eq!(phone_key("12", "86"), None);
    }

    #[test]
    fn emails_fold_case_and_spaces() {
        assert_eq!(
            email_key("  Ann@Example.COM ").as_deref(),
            Some("ann@example.com")
        );
        assert_eq!(email_key("  "), None);
    }

    #[test]
    fn company_names_ignore_case_punctuation_and_legal_suffixes() {
        let key = company_key("Acme Co., Ltd.");
        assert_eq!(key.as_deref(), Some("acme"));
        assert_eq!(company_key("ACME Corporation"), key);
        assert_eq!(company_key("acme-inc"), key);
        assert_eq!(company_key("华为技术有限公司").as_deref(), Some("华为技术"));
        assert_ne!(company_key("Acme Tools"), key);
        assert_eq!(company_key("Ltd."), Some("ltd".to_owned()));
        assert_eq!(company_key("!!"), None);
    }

    #[test]
    fn masking_keeps_just_enough_to_recognise() {
        assert_eq!(mask_phone("13800138000"), "*******8000");
        assert_eq!(mask_phone("+86 138"), "+** 138");
        assert_eq!(mask_email("ann@example.com"), "a***@example.com");
    }
}
