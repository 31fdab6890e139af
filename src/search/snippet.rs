//! Snippets: the part of a hit's text that shows why it matched, with the matches marked.
//!
//! Matching happens on folded text ([`crate::text::fold_with_offsets`]), so "ＲＰＡ" in the text
//! is marked for the query "rpa" and "カサマ" for "かさま", but the snippet shows the text as
//! written. The window is the stretch of about [`WIDTH`] characters holding the most distinct
//! query terms, earliest first.

use super::terms::QueryTerms;
use crate::text;

/// About how many characters a snippet shows.
pub const WIDTH: usize = 120;
/// How many characters of context come before the first match in the window.
const LEAD: usize = 20;
const ELLIPSIS: &str = "…";

/// A piece of a snippet: matched text or the text around it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub highlighted: bool,
}

/// A match: folded character positions `[start, end)` of query run `term`.
#[derive(Clone, Copy, Debug)]
struct Occurrence {
    start: usize,
    end: usize,
    term: usize,
}

fn occurrences(folded: &[char], needles: &[Vec<char>]) -> Vec<Occurrence> {
    let mut found = Vec::new();
    for (term, needle) in needles.iter().enumerate() {
        if needle.is_empty() || needle.len() > folded.len() {
            continue;
        }
        for start in 0..=folded.len() - needle.len() {
            if folded[start..start + needle.len()] == needle[..] {
                found.push(Occurrence {
                    start,
                    end: start + needle.len(),
                    term,
                });
            }
        }
    }
    found.sort_by_key(|o| (o.start, o.end));
    found
}

/// The window `[start, end)` (folded positions) holding the most distinct terms.
fn best_window(found: &[Occurrence], len: usize) -> (usize, usize) {
    let window = |anchor: &Occurrence| {
        let start = anchor.start.saturating_sub(LEAD);
        (start, (start + WIDTH).min(len))
    };
    let mut best = (0, WIDTH.min(len));
    let mut best_terms = 0;
    for anchor in found {
        let (start, end) = window(anchor);
        let mut terms: Vec<usize> = found
            .iter()
            .filter(|o| o.start >= start && o.end <= end)
            .map(|o| o.term)
            .collect();
        terms.sort_unstable();
        terms.dedup();
        if terms.len() > best_terms {
            best_terms = terms.len();
            best = (start, end);
        }
    }
    best
}

/// Whitespace (line breaks included) shown as single spaces.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
    out
}

fn push(fragments: &mut Vec<Fragment>, text: String, highlighted: bool) {
    if text.is_empty() {
        return;
    }
    match fragments.last_mut() {
        Some(last) if last.highlighted == highlighted => last.text.push_str(&text),
        _ => fragments.push(Fragment { text, highlighted }),
    }
}

/// The snippet of `body` for `query` (no query: the beginning of the text).
pub fn snippet(body: &str, query: Option<&QueryTerms>) -> Vec<Fragment> {
    let folded = text::fold_with_offsets(body);
    if folded.is_empty() {
        return Vec::new();
    }
    let chars: Vec<char> = folded.iter().map(|(c, _, _)| *c).collect();
    let needles: Vec<Vec<char>> = query
        .map(|q| q.runs().iter().map(|r| r.folded()).collect())
        .unwrap_or_default();
    let found = occurrences(&chars, &needles);
    let (start, end) = best_window(&found, chars.len());
    // Marked ranges inside the window, overlapping ones merged (folded positions).
    let mut marks: Vec<(usize, usize)> = Vec::new();
    for o in found.iter().filter(|o| o.start >= start && o.end <= end) {
        match marks.last_mut() {
            Some(last) if o.start <= last.1 => last.1 = last.1.max(o.end),
            _ => marks.push((o.start, o.end)),
        }
    }
    let byte = |position: usize| {
        folded
            .get(position)
            .map_or(body.len(), |(_, source_start, _)| *source_start)
    };
    let mut fragments = Vec::new();
    if start > 0 {
        push(&mut fragments, ELLIPSIS.to_owned(), false);
    }
    let mut at = start;
    for (mark_start, mark_end) in marks {
        push(
            &mut fragments,
            tidy(&body[byte(at)..byte(mark_start)]),
            false,
        );
        push(
            &mut fragments,
            tidy(&body[byte(mark_start)..byte(mark_end)]),
            true,
        );
        at = mark_end;
    }
    push(&mut fragments, tidy(&body[byte(at)..byte(end)]), false);
    if end < chars.len() {
        push(&mut fragments, ELLIPSIS.to_owned(), false);
    }
    fragments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(fragments: &[Fragment]) -> String {
        fragments
            .iter()
            .map(|f| {
                if f.highlighted {
                    format!("[{}]", f.text)
                } else {
                    f.text.clone()
                }
            })
            .collect()
    }

    #[test]
    fn matches_are_marked_in_the_text_as_written() {
        let q = QueryTerms::parse("rpa かさま");
        let body = "職員がＲＰＡのシナリオを作り、カサマ市でも\n使われている。";
        assert_eq!(
            marked(&snippet(body, Some(&q))),
            "職員が[ＲＰＡ]のシナリオを作り、[カサマ]市でも 使われている。"
        );
    }

    #[test]
    fn long_text_is_cut_around_the_densest_matches() {
        let q = QueryTerms::parse("研修 OJT");
        let body = format!(
            "{}研修だけの話。{}OJTと研修を組み合わせた。{}",
            "前置き".repeat(30),
            "中略".repeat(80),
            "後略".repeat(80)
        );
        let fragments = snippet(&body, Some(&q));
        let plain: String = fragments.iter().map(|f| f.text.as_str()).collect();
        assert!(plain.chars().count() <= WIDTH + 2, "{plain}");
        let text = marked(&fragments);
        assert!(text.starts_with('…') && text.ends_with('…'), "{text}");
        assert!(text.contains("[OJT]と[研修]を組み合わせた"), "{text}");
        assert!(!text.contains("研修]だけ"), "{text}");
    }

    #[test]
    fn without_a_match_the_beginning_is_shown() {
        let fragments = snippet("短い本文", Some(&QueryTerms::parse("なし")));
        assert_eq!(marked(&fragments), "短い本文");
        assert_eq!(marked(&snippet("短い本文", None)), "短い本文");
        assert!(snippet("", None).is_empty());
    }

    #[test]
    fn overlapping_matches_merge() {
        let q = QueryTerms::parse("研修計画 計画書");
        assert_eq!(
            marked(&snippet("研修計画書を作る", Some(&q))),
            "[研修計画書]を作る"
        );
    }
}
