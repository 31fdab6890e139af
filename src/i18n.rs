//! The language of a request's messages, chosen from `Accept-Language`.
//!
//! Error codes never change with the language; only the human-readable message does.

use std::future::Future;

/// A language Koiki writes messages in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Ja,
}

impl Lang {
    /// Picks the language from an `Accept-Language` header: the highest-weighted of `ja` and
    /// `en` wins; anything else, or no header, gives English.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::En;
        };
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let weight = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = if tag == "ja" || tag.starts_with("ja-") {
                Lang::Ja
            } else if tag == "en" || tag.starts_with("en-") || tag == "*" {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, lang));
            }
        }
        best.map_or(Self::En, |(_, lang)| lang)
    }
}

tokio::task_local! {
    static LANG: Lang;
}

/// Runs `fut` with `lang` as the language of every message produced inside it.
pub async fn with_lang<F: Future>(lang: Lang, fut: F) -> F::Output {
    LANG.scope(lang, fut).await
}

/// The language of the request being served (English outside a request).
pub fn current_lang() -> Lang {
    LANG.try_with(|lang| *lang).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_weight() {
        assert_eq!(Lang::from_accept_language(None), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("ja")), Lang::Ja);
        assert_eq!(
            Lang::from_accept_language(Some("ja-JP,ja;q=0.9,en;q=0.8")),
            Lang::Ja
        );
        assert_eq!(Lang::from_accept_language(Some("en-US,ja;q=0.5")), Lang::En);
        assert_eq!(Lang::from_accept_language(Some("fr, ja;q=0.3")), Lang::Ja);
        assert_eq!(Lang::from_accept_language(Some("de")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("en;q=0.1, ja;q=0.2")),
            Lang::Ja
        );
    }
}
