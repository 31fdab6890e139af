//! The cross-resource `search` query: one ranked list of hits of every kind, each a union
//! member carrying its score, a highlighted snippet and the record (loaded through its area's
//! loader, so the record obeys the same sharing rules as everywhere else).

use async_graphql::connection::Connection;
use async_graphql::{Context, InputObject, Object, SimpleObject, Union};
use entity::enums::SearchKind;

use super::snippet::{self, Fragment};
use super::{SearchFilter, SearchText};
use crate::case_studies::graphql::{CaseStudy, load_many, prefecture_of};
use crate::graphql::pagination::{self, Page, PageArgs, Sorted, TotalCount};
use crate::graphql::state;
use crate::organizations::OrgCode;

/// A piece of a snippet.
#[derive(SimpleObject, Clone)]
pub struct SnippetFragment {
    text: String,
    /// True for text that matched the query.
    highlighted: bool,
}

/// About 120 characters of the record's text around the best matches, as plain text and as
/// fragments that mark what matched (render `highlighted` ones in bold or with `<mark>`,
/// escaping the text yourself).
#[derive(SimpleObject, Clone)]
pub struct Snippet {
    text: String,
    fragments: Vec<SnippetFragment>,
}

impl From<Vec<Fragment>> for Snippet {
    fn from(fragments: Vec<Fragment>) -> Self {
        Self {
            text: fragments.iter().map(|f| f.text.as_str()).collect(),
            fragments: fragments
                .into_iter()
                .map(|f| SnippetFragment {
                    text: f.text,
                    highlighted: f.highlighted,
                })
                .collect(),
        }
    }
}

/// A case study that matched a search.
#[derive(SimpleObject)]
pub struct CaseStudyHit {
    /// Relevance: 1 and more when the whole query matched the title, keywords or the
    /// organisation's name; below 1 for matches in the text only. Higher is better.
    score: f64,
    snippet: Snippet,
    case_study: CaseStudy,
}

/// A search hit. Courses and advisors join as `CourseHit` and `AdvisorHit` once their areas
/// put them into the index.
#[derive(Union)]
pub enum SearchHit {
    CaseStudy(CaseStudyHit),
}

/// Filter of `search`.
#[derive(InputObject, Default)]
pub struct SearchFilterInput {
    /// Records owned in this prefecture (a municipality's code selects its prefecture).
    prefecture_code: Option<String>,
    /// Records owned by this organisation.
    organization_code: Option<String>,
}

#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Searches published case studies, courses and advisors you may see, best first.
    /// `query`: kanji, kana in any form (full or half width, hiragana or katakana), Latin
    /// words, at most 200 characters; every part must match; quotes, `*` and operators are
    /// plain text. An empty or blank `query` lists everything you may see, newest first.
    /// `kinds` defaults to all; `COURSE` and `ADVISOR` return no hits until those records are
    /// indexed.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[allow(clippy::too_many_arguments)]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        kinds: Option<Vec<SearchKind>>,
        filter: Option<SearchFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, SearchHit, TotalCount>> {
        let s = state(ctx);
        let text = SearchText::parse("query", &query)?;
        let kinds = kinds.unwrap_or_else(|| {
            vec![
                SearchKind::CaseStudy,
                SearchKind::Course,
                SearchKind::Advisor,
            ]
        });
        let filter = filter.unwrap_or_default();
        let filter = SearchFilter {
            prefecture: filter
                .prefecture_code
                .as_deref()
                .map(prefecture_of)
                .transpose()?
                .flatten(),
            organization: filter
                .organization_code
                .as_deref()
                .map(|c| OrgCode::parse("filter.organizationCode", c))
                .transpose()?,
        };
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .parse::<Sorted<f64>>()?;
        let (page, total) =
            super::search(&s.db, &s.viewer, text.as_ref(), &kinds, &filter, &request).await?;
        let case_ids: Vec<_> = page
            .rows
            .iter()
            .filter(|(_, hit)| hit.kind == SearchKind::CaseStudy)
            .map(|(_, hit)| hit.record_id)
            .collect();
        let cases = load_many(ctx, &case_ids).await?;
        let terms = text.as_ref().map(SearchText::terms);
        let rows = page
            .rows
            .into_iter()
            .filter_map(|(key, hit)| {
                // A record that changed hands since the index answered is left out.
                let case = cases.iter().find(|c| c.uuid() == hit.record_id)?.clone();
                let hit = SearchHit::CaseStudy(CaseStudyHit {
                    score: hit.score,
                    snippet: snippet::snippet(&hit.body, terms).into(),
                    case_study: case,
                });
                Some((key, hit))
            })
            .collect();
        let page = Page {
            rows,
            has_previous: page.has_previous,
            has_next: page.has_next,
        };
        Ok(pagination::into_connection(page, total, |hit| hit))
    }
}
