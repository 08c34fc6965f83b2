//! The text of the search box, for the index and for queries alike: folded (full-width forms
//! to ASCII, lower case, `ü` as `v`), Chinese names also as pinyin (full and initials), phone
//! numbers as bare digits (any substring of 3+ digits then finds them, the last four
//! included), and the short tokens terms of two characters look up (Chinese bigrams, pinyin
//! and Latin words, matched by prefix).

use pinyin::ToPinyin;

/// Shortest term searched, in characters.
pub const MIN_TERM_CHARS: usize = 2;
/// Terms of this many characters or more match any substring of the text (trigrams).
pub const SUBSTRING_CHARS: usize = 3;
/// Most terms one query is split into.
pub const MAX_TERMS: usize = 6;

/// `c` as the index keeps it: full-width ASCII folded, lower case, `ü` as `v`.
fn fold_char(c: char) -> Option<char> {
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        'ü' | 'Ü' => 'v',
        other => other,
    };
    if c.is_control() && !c.is_whitespace() {
        return None;
    }
    Some(c.to_lowercase().next().unwrap_or(c))
}

/// `text` folded: see [`fold_char`]; whitespace runs become one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().filter_map(fold_char) {
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_owned()
}

/// Whether `c` is a Chinese character (CJK unified ideographs and extension A).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// The pinyin of the Chinese characters of `text`, without tones: joined in full, and their
/// initials. Other characters are skipped. `None` when there are none.
pub fn pinyin_of(text: &str) -> Option<(String, String)> {
    let mut full = String::new();
    let mut initials = String::new();
    for p in text.to_pinyin().flatten() {
        full.push_str(&p.plain().replace('ü', "v"));
        initials.push_str(p.first_letter());
    }
    (!full.is_empty()).then_some((full, initials))
}

/// The digits of `text`, when it reads like a phone number (digits, spaces, `+()-.` only, 4+
/// digits).
pub fn phone_digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let phone_like = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '(' | ')' | '-' | '.'));
    (phone_like && digits.len() >= 4).then_some(digits)
}

/// What one record puts in the index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Doc {
    /// The name it is shown by, folded (ranks exact and prefix matches first).
    pub title: String,
    /// Everything a term of 3+ characters may match a substring of.
    pub body: String,
    /// Space-separated tokens a term of 2 characters matches a prefix of.
    pub tokens: String,
}

/// Builds a record's [`Doc`] from its parts.
#[derive(Debug, Default)]
pub struct DocBuilder {
    title: String,
    body: Vec<String>,
    tokens: Vec<String>,
}

impl DocBuilder {
    /// A record shown by `title`, which is also searched as a name.
    pub fn titled(title: &str) -> Self {
        let mut doc = Self {
            title: fold(title),
            ..Self::default()
        };
        doc.name(title);
        doc
    }

    /// A name (person, company, deal): its text, pinyin and initials; Chinese bigrams and
    /// Latin words as tokens.
    pub fn name(&mut self, text: &str) -> &mut Self {
        let folded = fold(text);
        if folded.is_empty() {
            return self;
        }
        if let Some((full, initials)) = pinyin_of(&folded) {
            self.body.push(full.clone());
            self.body.push(initials.clone());
            self.token(&full);
            self.token(&initials);
        }
        for word in folded.split(|c: char| !c.is_alphanumeric() || is_han(c)) {
            if word.chars().count() >= MIN_TERM_CHARS {
                self.token(word);
            }
        }
        let han: Vec<char> = folded.chars().collect();
        for run in han.split(|c| !is_han(*c)) {
            for pair in run.windows(2) {
                self.token(&pair.iter().collect::<String>());
            }
        }
        self.body.push(folded);
        self
    }

    /// A phone number: as written and as bare digits.
    pub fn phone(&mut self, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            if !digits.is_empty() {
                self.token(&digits);
                self.body.push(digits);
            }
        }
        self
    }

    /// Anything searched as written (an e-mail, a document number), and without its
    /// punctuation.
    pub fn literal(&mut self, text: Option<&str>) -> &mut Self {
        if let Some(text) = text.map(fold).filter(|t| !t.is_empty()) {
            let compact: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
            for word in text.split(|c: char| !c.is_alphanumeric()) {
                if word.chars().count() >= MIN_TERM_CHARS {
                    self.token(word);
                }
            }
            if compact != text && !compact.is_empty() {
                self.body.push(compact);
            }
            self.body.push(text);
        }
        self
    }

    fn token(&mut self, token: &str) {
        let token: String = token.chars().filter(|c| c.is_alphanumeric()).collect();
        if !token.is_empty() && !self.tokens.contains(&token) {
            self.tokens.push(token);
        }
    }

    pub fn build(&self) -> Doc {
        Doc {
            title: self.title.clone(),
            // A separator no term contains keeps a match from spanning two parts.
            body: self.body.join(" | "),
            tokens: self.tokens.join(" "),
        }
    }
}

/// How one query term is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Any substring of the body (3+ characters, `%` and `_` removed).
    Substring(String),
    /// A prefix of a token (2 characters).
    TokenPrefix(String),
}

/// A query split into terms (at most [`MAX_TERMS`], all must match). Errors: a message when it
/// has no term of [`MIN_TERM_CHARS`] characters.
pub fn terms(query: &str) -> Result<Vec<Term>, &'static str> {
    let folded = fold(query);
    let mut terms = Vec::new();
    if let Some(digits) = phone_digits(&folded) {
        terms.push(Term::Substring(digits));
        return Ok(terms);
    }
    for word in folded.split(' ') {
        // Wildcards mean nothing to the user: a literal `%` or `_` is dropped.
        let word: String = word.chars().filter(|c| !matches!(c, '%' | '_')).collect();
        let length = word.chars().count();
        if length >= SUBSTRING_CHARS {
            terms.push(Term::Substring(word));
        } else if length == MIN_TERM_CHARS {
            let token: String = word.chars().filter(|c| c.is_alphanumeric()).collect();
            if token.chars().count() == MIN_TERM_CHARS {
                terms.push(Term::TokenPrefix(token));
            }
        }
        if terms.len() == MAX_TERMS {
            break;
        }
    }
    if terms.is_empty() {
        return Err("Search for at least 2 letters, characters or digits");
    }
    Ok(terms)
}

/// `term` as an FTS5 phrase: quoted, inner quotes doubled.
pub fn fts5_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// `term` as a tsquery lexeme: quoted, quotes and backslashes doubled.
pub fn tsquery_lexeme(term: &str) -> String {
    format!("'{}'", term.replace('\\', "\\\\").replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_reads_full_width_and_case_alike() {
        assert_eq!(fold("  ＡＢＣ　Huawei\tLü "), "abc huawei lv");
    }

    #[test]
    fn chinese_names_get_pinyin_initials_and_bigrams() {
        let doc = DocBuilder::titled("华为技术有限公司").build();
        assert!(doc.body.contains("华为技术有限公司"));
        assert!(doc.body.contains("huaweijishuyouxiangongsi"));
        assert!(doc.body.contains("hwjsyxgs"));
        let tokens: Vec<&str> = doc.tokens.split(' ').collect();
        for expected in ["华为", "为技", "公司", "hwjsyxgs"] {
            assert!(tokens.contains(&expected), "{expected} in {tokens:?}");
        }
    }

    #[test]
    fn phones_are_kept_as_digits_and_numbers_also_compact() {
        let mut doc = DocBuilder::titled("Li Lei");
        doc.phone(Some("+86 139-1234 5678"))
            .literal(Some("HT-2026-0042"));
        let doc = doc.build();
        assert!(doc.body.contains("8613912345678"));
        assert!(doc.body.contains("ht20260042"));
        assert!(doc.body.contains("ht-2026-0042"));
        assert!(doc.tokens.split(' ').any(|t| t == "li"));
    }

    #[test]
    fn queries_split_into_substring_and_token_terms() {
        assert_eq!(
            terms("华为 hw").unwrap(),
            vec![
                Term::TokenPrefix("华为".into()),
                Term::TokenPrefix("hw".into())
            ]
        );
        assert_eq!(
            terms("139 1234-5678").unwrap(),
            vec![Term::Substring("13912345678".into())]
        );
        assert_eq!(terms("5678").unwrap(), vec![Term::Substring("5678".into())]);
        assert_eq!(
            terms("%_%abc_").unwrap(),
            vec![Term::Substring("abc".into())]
        );
        assert!(terms("").is_err());
        assert!(terms("x").is_err());
        assert!(terms("%%").is_err());
        assert!(terms("a b c").is_err());
        assert_eq!(terms(&"word ".repeat(20)).unwrap().len(), MAX_TERMS);
    }

    #[test]
    fn escaping_keeps_every_term_literal() {
        assert_eq!(fts5_phrase(r#"a" OR "b"#), r#""a"" OR ""b""#);
        assert_eq!(tsquery_lexeme(r"o'br\ien"), r"'o''br\\ien'");
    }
}
