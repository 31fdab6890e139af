//! Search terms: how text becomes the words the full-text index stores, and how a query
//! becomes an index expression.
//!
//! Japanese has no spaces between words, so the index does not look for words in it: text is
//! folded ([`crate::text::fold`]: NFKC, hiragana to katakana, lower case) and cut into runs,
//! and each run of Japanese characters (kanji, kana) is stored as its overlapping character
//! bigrams ("研修計画" → 研修 修計 計画), followed by its last character alone so that a
//! one-character query can find it by prefix. Runs of Latin letters and digits are stored as
//! whole words ("RPA" → rpa); a word mixing letters and digits is also stored as its parts
//! ("Microsoft365" → microsoft365 microsoft 365). Everything else separates runs.
//!
//! A query is cut the same way. A Japanese run of two or more characters matches as the phrase
//! of its bigrams (consecutive positions), so "京都" does not match "東京都庁" by accident of
//! two unrelated bigrams but does match "京都府"; a one-character run matches any term it
//! begins; a word matches exactly. All runs must match (AND).
//!
//! Every term consists of letters and digits only, so a query can never carry FTS5 or
//! `tsquery` syntax: quotes, `*`, `OR` or `'; DROP` become plain words or separators.

use crate::text;

/// Most terms stored for a document's title group (title, keywords, names).
pub const MAX_TITLE_TERMS: usize = 1_000;
/// Most terms stored for a document's body. PostgreSQL keeps word positions up to 16,383;
/// title and body together stay below that so that phrases match alike on both databases.
pub const MAX_BODY_TERMS: usize = 15_000;
/// Longer words are not indexed (PostgreSQL refuses lexemes over 2 KB; such "words" are ids or
/// encoded data, not something a person searches for).
const MAX_WORD_CHARS: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// Kanji, kana and the like: indexed as bigrams.
    Japanese,
    /// Latin (and other alphabetic) letters and digits: indexed as words.
    Word,
    Separator,
}

fn class(c: char) -> Class {
    if !c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c) {
        return Class::Separator;
    }
    let japanese = matches!(
        c as u32,
        0x3005..=0x3007            // 々 〆 〇
        | 0x3021..=0x3029          // Suzhou numerals
        | 0x3031..=0x3035          // kana repeat marks
        | 0x303B..=0x303C          // 〻 〼
        | 0x3040..=0x30FF          // hiragana, katakana (・ and ゠ are not alphanumeric)
        | 0x31F0..=0x31FF          // katakana phonetic extensions
        | 0x3400..=0x4DBF          // CJK extension A
        | 0x4E00..=0x9FFF          // CJK unified ideographs
        | 0xAC00..=0xD7AF          // Hangul syllables
        | 0xF900..=0xFAFF          // CJK compatibility ideographs
        | 0x20000..=0x3FFFF // CJK extensions B and later
    );
    if japanese {
        Class::Japanese
    } else {
        Class::Word
    }
}

/// A stretch of folded text of one class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Run {
    /// Japanese characters, indexed as bigrams.
    Japanese(Vec<char>),
    /// A lower-case word of letters and digits.
    Word(String),
}

impl Run {
    /// The run as folded text, as it appears in folded text it was cut from.
    pub fn folded(&self) -> Vec<char> {
        match self {
            Self::Japanese(chars) => chars.clone(),
            Self::Word(word) => word.chars().collect(),
        }
    }
}

/// Cuts `input` (folded here) into runs.
fn runs(input: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut current: Vec<char> = Vec::new();
    let mut current_class = Class::Separator;
    let mut flush = |chars: &mut Vec<char>, class: Class| {
        match class {
            Class::Japanese => out.push(Run::Japanese(std::mem::take(chars))),
            Class::Word => out.push(Run::Word(std::mem::take(chars).into_iter().collect())),
            Class::Separator => chars.clear(),
        };
    };
    for c in text::fold(input).chars() {
        let class = class(c);
        if class != current_class {
            flush(&mut current, current_class);
            current_class = class;
        }
        match class {
            Class::Separator => {}
            // `fold` lower-cases ASCII only; other scripts' capitals are folded here, so that
            // neither database's own case folding changes a term.
            Class::Word => current.extend(c.to_lowercase()),
            Class::Japanese => current.push(c),
        }
    }
    flush(&mut current, current_class);
    out
}

fn bigrams(chars: &[char]) -> impl Iterator<Item = String> + '_ {
    chars.windows(2).map(|pair| pair.iter().collect())
}

/// The parts of a word that mixes letters and digits ("dx2026" → dx, 2026).
fn word_parts(word: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut last_digit: Option<bool> = None;
    for c in word.chars() {
        let digit = c.is_numeric();
        if last_digit != Some(digit) {
            parts.push(String::new());
            last_digit = Some(digit);
        }
        if let Some(part) = parts.last_mut() {
            part.push(c);
        }
    }
    if parts.len() > 1 { parts } else { Vec::new() }
}

/// The terms of `input` for the index, space-separated, at most `max` of them.
pub fn document_terms(input: &str, max: usize) -> String {
    let mut terms: Vec<String> = Vec::new();
    for run in runs(input) {
        match run {
            Run::Japanese(chars) => {
                terms.extend(bigrams(&chars));
                if let Some(last) = chars.last() {
                    terms.push(last.to_string());
                }
            }
            Run::Word(word) => {
                if word.chars().count() <= MAX_WORD_CHARS {
                    let parts = word_parts(&word);
                    terms.push(word);
                    terms.extend(parts);
                }
            }
        }
        if terms.len() >= max {
            terms.truncate(max);
            break;
        }
    }
    terms.join(" ")
}

/// A query cut into runs, each of which must match.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryTerms {
    runs: Vec<Run>,
}

impl QueryTerms {
    /// Cuts a query into runs (duplicates dropped).
    pub fn parse(query: &str) -> Self {
        let mut unique: Vec<Run> = Vec::new();
        for run in runs(query) {
            if !unique.contains(&run) {
                unique.push(run);
            }
        }
        Self { runs: unique }
    }

    /// True when the query has no letters or digits at all: it matches nothing.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The runs, for highlighting.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// The query in FTS5 syntax; with `title_only`, restricted to the title terms column.
    /// Every term is double-quoted and holds only letters and digits.
    pub fn fts5(&self, title_only: bool) -> String {
        let parts: Vec<String> = self
            .runs
            .iter()
            .map(|run| match run {
                Run::Japanese(chars) if chars.len() == 1 => format!("\"{}\" *", chars[0]),
                Run::Japanese(chars) => {
                    format!("\"{}\"", bigrams(chars).collect::<Vec<_>>().join(" "))
                }
                Run::Word(word) => format!("\"{word}\""),
            })
            .collect();
        let all = parts.join(" AND ");
        if title_only {
            format!("{{title_terms}} : ({all})")
        } else {
            all
        }
    }

    /// The query in PostgreSQL `tsquery` syntax; with `title_only`, matching only terms of
    /// weight `A` (the title group).
    pub fn tsquery(&self, title_only: bool) -> String {
        let weight = if title_only { "A" } else { "" };
        let parts: Vec<String> = self
            .runs
            .iter()
            .map(|run| match run {
                Run::Japanese(chars) if chars.len() == 1 => format!("'{}':*{weight}", chars[0]),
                Run::Japanese(chars) => {
                    let phrase: Vec<String> = bigrams(chars).map(|b| lexeme(&b, weight)).collect();
                    format!("({})", phrase.join(" <-> "))
                }
                Run::Word(word) => lexeme(word, weight),
            })
            .collect();
        parts.join(" & ")
    }
}

fn lexeme(term: &str, weight: &str) -> String {
    if weight.is_empty() {
        format!("'{term}'")
    } else {
        format!("'{term}':{weight}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japanese_becomes_bigrams_and_words_stay_whole() {
        assert_eq!(document_terms("研修計画", 100), "研修 修計 計画 画");
        assert_eq!(
            document_terms("ＲＰＡ研修とOJT", 100),
            "rpa 研修 修ト ト ojt"
        );
        assert_eq!(document_terms("市", 100), "市");
        assert_eq!(
            document_terms("Microsoft365・Power Platform", 100),
            "microsoft365 microsoft 365 power platform"
        );
    }

    #[test]
    fn kana_and_width_fold_before_cutting() {
        assert_eq!(document_terms("かさま", 100), document_terms("ｶｻﾏ", 100));
        assert_eq!(document_terms("かさま", 100), "カサ サマ マ");
        assert_eq!(
            document_terms("ＩＴパスポート", 100),
            "it パス スポ ポー ート ト"
        );
    }

    #[test]
    fn punctuation_separates_and_never_reaches_the_index() {
        assert_eq!(
            document_terms("#OJT(職場内訓練)", 100),
            "ojt 職場 場内 内訓 訓練 練"
        );
        assert_eq!(document_terms("\"*' OR ; DROP --", 100), "or drop");
        assert_eq!(document_terms("・「」。、", 100), "");
    }

    #[test]
    fn terms_stop_at_the_limit() {
        assert_eq!(document_terms("研修計画", 2), "研修 修計");
        let long = "a".repeat(65);
        assert_eq!(document_terms(&format!("{long} b"), 100), "b");
    }

    #[test]
    fn queries_become_phrases_prefixes_and_words() {
        let q = QueryTerms::parse("インシデント");
        assert_eq!(q.fts5(false), "\"イン ンシ シデ デン ント\"");
        assert_eq!(
            q.tsquery(false),
            "('イン' <-> 'ンシ' <-> 'シデ' <-> 'デン' <-> 'ント')"
        );
        let q = QueryTerms::parse("OB 講師");
        assert_eq!(q.fts5(false), "\"ob\" AND \"講師\"");
        assert_eq!(q.tsquery(true), "'ob':A & ('講師':A)");
        assert_eq!(q.fts5(true), "{title_terms} : (\"ob\" AND \"講師\")");
        let q = QueryTerms::parse("市");
        assert_eq!(q.fts5(false), "\"市\" *");
        assert_eq!(q.tsquery(true), "'市':*A");
    }

    #[test]
    fn query_syntax_is_text() {
        for hostile in [
            "\"",
            "*",
            "'; DROP",
            "OR",
            "a\" OR \"b",
            "NEAR(x y)",
            "{title_terms}:x",
        ] {
            let q = QueryTerms::parse(hostile);
            for expression in [
                q.fts5(false),
                q.fts5(true),
                q.tsquery(false),
                q.tsquery(true),
            ] {
                // Only the syntax we wrote: quoted or apostrophed terms of letters and digits.
                let stripped: String = expression
                    .replace("{title_terms} : (", "")
                    .chars()
                    .filter(|c| !c.is_alphanumeric())
                    .collect();
                assert!(
                    stripped.chars().all(|c| "\"' *&():<->".contains(c)),
                    "{hostile}: {expression}"
                );
            }
        }
        assert!(QueryTerms::parse("\"*").is_empty());
        assert_eq!(QueryTerms::parse("'; DROP").fts5(false), "\"drop\"");
    }

    #[test]
    fn duplicate_runs_count_once() {
        assert_eq!(
            QueryTerms::parse("研修 研修 ｹﾝｼｭｳ けんしゅう").runs().len(),
            2
        );
    }
}
