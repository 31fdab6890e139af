//! Japanese text as people type it: normalisation for search and hygiene checks for input.
//!
//! Search compares folded forms, so that full- and half-width characters, hiragana and
//! katakana, and upper and lower case all meet: "ｶﾅｻﾞﾜ", "かなざわ" and "カナザワ" fold alike.

use unicode_normalization::UnicodeNormalization;

use crate::error::{AppError, Invalid};

/// Folds text for matching: NFKC (full/half width, compatibility forms), hiragana to
/// katakana, ASCII lower case, whitespace collapsed to single spaces and trimmed.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfkc() {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.push(hiragana_to_katakana(c).to_ascii_lowercase());
    }
    out
}

/// [`fold`] without collapsing whitespace, keeping where each folded character came from:
/// `(folded char, start, end)` with the byte range of its source in `input`. Used to find
/// folded matches in text as written (search snippets). A base character and the combining
/// marks after it (half-width ﾞ and ﾟ included) fold together, as in [`fold`].
pub fn fold_with_offsets(input: &str) -> Vec<(char, usize, usize)> {
    let mut out = Vec::with_capacity(input.len());
    let mut chars = input.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let mut end = start + c.len_utf8();
        while let Some(&(i, next)) = chars.peek() {
            if !is_combining(next) {
                break;
            }
            end = i + next.len_utf8();
            chars.next();
        }
        for folded in input[start..end].nfkc() {
            let folded = if folded.is_whitespace() {
                ' '
            } else {
                hiragana_to_katakana(folded).to_ascii_lowercase()
            };
            out.push((folded, start, end));
        }
    }
    out
}

fn is_combining(c: char) -> bool {
    matches!(c, '\u{FF9E}' | '\u{FF9F}') || unicode_normalization::char::is_combining_mark(c)
}

/// Half-width katakana (as in the Ministry's code list) to full-width.
pub fn full_width_kana(input: &str) -> String {
    input.nfkc().collect()
}

fn hiragana_to_katakana(c: char) -> char {
    match c {
        // ぁ..ゖ and the iteration marks ゝゞ map one-to-one onto ァ..ヶ, ヽヾ.
        '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309E}' => {
            char::from_u32(c as u32 + 0x60).unwrap_or(c)
        }
        _ => c,
    }
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE … ESCAPE '\'` pattern.
pub fn like_escape(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Checks a single-line text input: not longer than `max` characters, and free of control
/// characters (NUL included: PostgreSQL refuses it and SQLite would store it).
pub fn check_line(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.chars().count() > max {
        return Err(AppError::invalid(field, Invalid::TooLong { max }));
    }
    if value.chars().any(char::is_control) {
        return Err(AppError::invalid(field, Invalid::ControlCharacters));
    }
    Ok(())
}

/// Checks a multi-line text input (a problem statement, a report): not longer than `max`
/// characters, and free of control characters other than line breaks and tabs.
pub fn check_text(field: &str, value: &str, max: usize) -> Result<(), AppError> {
    if value.chars().count() > max {
        return Err(AppError::invalid(field, Invalid::TooLong { max }));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(AppError::invalid(field, Invalid::ControlCharacters));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kana_forms_fold_alike() {
        assert_eq!(fold("かなざわ"), "カナザワ");
        assert_eq!(fold("ｶﾅｻﾞﾜ"), "カナザワ");
        assert_eq!(fold("カナザワ"), "カナザワ");
        assert_eq!(fold("ﾎｯｶｲﾄﾞｳ"), "ホッカイドウ");
        assert_eq!(fold("金沢市"), "金沢市");
    }

    #[test]
    fn width_case_and_spaces_fold() {
        assert_eq!(fold("ＲＰＡ"), "rpa");
        assert_eq!(fold("  OJT\u{3000} 研修 "), "ojt 研修");
        assert_eq!(fold("１７２０１４"), "172014");
    }

    #[test]
    fn half_width_kana_become_full_width() {
        assert_eq!(full_width_kana("ｻｯﾎﾟﾛｼ"), "サッポロシ");
        assert_eq!(full_width_kana("ｶﾞｯｺｳ"), "ガッコウ");
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_escape("100%_a\\"), "100\\%\\_a\\\\");
    }

    #[test]
    fn offsets_point_back_to_the_text_as_written() {
        let text = "ｶﾞｲﾄﾞ かさま ＲＰＡ";
        let folded = fold_with_offsets(text);
        let chars: String = folded.iter().map(|(c, _, _)| *c).collect();
        assert_eq!(chars, "ガイド カサマ rpa");
        // ｶﾞ (two half-width characters, six bytes) fold into one ガ.
        assert_eq!(folded[0], ('ガ', 0, 6));
        let (_, start, end) = folded[chars.chars().position(|c| c == 'r').expect("r")];
        assert_eq!(&text[start..end], "Ｒ");
        // The folded characters agree with `fold` once whitespace is collapsed.
        assert_eq!(fold(text), chars);
    }

    #[test]
    fn multi_line_text_allows_line_breaks_only() {
        assert!(check_text("overview", "一行目\n二行目\r\n\t三行目", 100).is_ok());
        assert!(check_text("overview", "a\0b", 100).is_err());
        assert!(check_text("overview", "a\u{1b}b", 100).is_err());
        assert!(check_text("overview", "長い", 1).is_err());
    }

    #[test]
    fn lines_are_checked() {
        assert!(check_line("name", "金沢", 2).is_ok());
        assert!(check_line("name", "金沢市", 2).is_err());
        assert!(check_line("name", "a\0b", 10).is_err());
        assert!(check_line("name", "a\nb", 10).is_err());
    }

    #[test]
    fn texts_keep_line_breaks_but_not_other_control_characters() {
        assert!(check_text("report", "一行目\n二行目\r\n\tインデント", 100).is_ok());
        assert!(check_text("report", "a\0b", 100).is_err());
        assert!(check_text("report", "a\u{1b}[31m", 100).is_err());
        assert!(check_text("report", "abc", 2).is_err());
    }
}
