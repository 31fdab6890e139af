//! The Japanese full-text index and the cross-resource `search`.
//!
//! One index serves every kind of record (case studies now; courses and advisors when their
//! areas index them): `search_documents`, one row per published record, keyed by
//! (kind, record id), holding the record's owner, audience and council so that
//! `access::readable` filters hits of every kind the same way it filters the records. Areas
//! call [`index`] and [`remove`] inside the transaction that publishes, changes or withdraws a
//! record, so the index never shows a record its readers may no longer see. Only what readers
//! may find goes in: published records, never contact details.
//!
//! # How text is matched
//!
//! The application makes the terms ([`terms`]: NFKC and kana folding, character bigrams of
//! Japanese, whole Latin and digit words) and stores them as space-separated words; each
//! database indexes those words with its native engine:
//!
//! - PostgreSQL: a generated `tsvector` (title group weighted `A`, body `D`) under a GIN
//!   index; a query is a `tsquery` of phrases, prefixes and words (`@@`).
//! - SQLite: an FTS5 table over the same terms (external content, kept in step by triggers);
//!   a query is an FTS5 expression of the same shape (`MATCH`).
//!
//! Why not a portable inverted table (term, document) queried with plain SQL: at 100,000 case
//! studies of a few thousand characters it holds tens of millions of rows, each query term is
//! an index probe plus a join, and ranking needs hand-written BM25 over those rows. The native
//! engines keep posting lists compressed, intersect them in the index, check phrase positions
//! and rank, and both answer a query from the index without scanning the case studies (the
//! query plans at 100,000 cases are in the README). The cost is two pieces of backend-specific SQL, kept here
//! and in the migration, and terms made by the application so that both backends see
//! exactly the same words (neither database's own tokenizer understands Japanese).
//!
//! # How hits are ranked
//!
//! `score` = 1 if the whole query matches within the title group (title, keywords, the
//! owner's name and reading), else 0; plus the engine's relevance mapped into [0, 1)
//! (PostgreSQL `ts_rank` with weights A = 1.0, D = 0.1 and length normalisation; SQLite BM25
//! with the title column weighted 10). So title and keyword matches always rank above matches
//! in the body only, and within each tier the engine's ranking decides. Ties go by record id.

pub mod graphql;
pub mod snippet;
pub mod terms;

use chrono::Utc;
use entity::enums::{Audience, SearchKind};
use entity::search_document::{self, Column};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, OnConflict, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    FromQueryResult, QueryFilter, QuerySelect, QueryTrait, Select, Set,
};
use tracing::instrument;
use uuid::Uuid;

use crate::access;
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::graphql::pagination::{self, Page, PageRequest, Sort, Sorted, TotalCount};
use crate::organizations::{OrgCode, OrganizationFilter};
use crate::text;
use terms::{MAX_BODY_TERMS, MAX_TITLE_TERMS, QueryTerms};

/// Longest query accepted, in characters.
pub const MAX_QUERY_LENGTH: usize = 200;

/// What an area puts into the index for one record.
#[derive(Clone, Debug)]
pub struct SearchDocument {
    pub kind: SearchKind,
    pub record_id: Uuid,
    pub owner_organization_id: Uuid,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
    pub title: String,
    /// Further text ranked with the title: keywords, the owner's name and its reading.
    pub headline: Vec<String>,
    /// The body, as written; snippets are cut from it.
    pub body: String,
}

/// Puts a record into the index, or replaces its entry. Call it in the transaction that
/// publishes or changes the record.
#[instrument(skip_all, fields(kind = ?document.kind, record = %document.record_id))]
pub async fn index<C: ConnectionTrait>(db: &C, document: SearchDocument) -> AppResult<()> {
    let mut title = document.title.clone();
    for line in &document.headline {
        title.push('\n');
        title.push_str(line);
    }
    let row = search_document::ActiveModel {
        kind: Set(document.kind),
        record_id: Set(document.record_id),
        owner_organization_id: Set(document.owner_organization_id),
        audience: Set(document.audience),
        council_id: Set(document.council_id),
        title: Set(document.title),
        title_terms: Set(terms::document_terms(&title, MAX_TITLE_TERMS)),
        body_terms: Set(terms::document_terms(&document.body, MAX_BODY_TERMS)),
        body: Set(document.body),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    search_document::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::Kind, Column::RecordId])
                .update_columns([
                    Column::OwnerOrganizationId,
                    Column::Audience,
                    Column::CouncilId,
                    Column::Title,
                    Column::TitleTerms,
                    Column::Body,
                    Column::BodyTerms,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Takes a record out of the index (nothing happens when it is not there). Call it in the
/// transaction that withdraws the record.
#[instrument(skip_all, fields(kind = ?kind, record = %record_id))]
pub async fn remove<C: ConnectionTrait>(
    db: &C,
    kind: SearchKind,
    record_id: Uuid,
) -> AppResult<()> {
    search_document::Entity::delete_many()
        .filter(Column::Kind.eq(kind))
        .filter(Column::RecordId.eq(record_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A checked, non-empty search text.
#[derive(Clone, Debug)]
pub struct SearchText {
    terms: QueryTerms,
}

impl SearchText {
    /// Checks a query: at most [`MAX_QUERY_LENGTH`] characters, no control characters.
    /// Empty or whitespace only gives `None`: no search, the plain list. Text without a
    /// letter or digit (`"*"`) is a search that matches nothing.
    pub fn parse(field: &str, raw: &str) -> AppResult<Option<Self>> {
        text::check_line(field, raw, MAX_QUERY_LENGTH)?;
        if raw.trim().is_empty() {
            return Ok(None);
        }
        Ok(Some(Self {
            terms: QueryTerms::parse(raw),
        }))
    }

    pub fn terms(&self) -> &QueryTerms {
        &self.terms
    }
}

/// The score of every row when nothing is searched (a cast, because PostgreSQL refuses a
/// plain non-integer constant in `ORDER BY`).
const NO_SCORE: &str = "CAST(0.0 AS DOUBLE PRECISION)";

/// The alias of the joined matches.
const MATCHES: &str = "search_matches";
/// The FTS5 table (SQLite).
const FTS: &str = "search_fts";

fn matches_column(name: &'static str) -> Expr {
    Expr::col((Alias::new(MATCHES), Alias::new(name)))
}

/// The scored documents matching `terms`: `match_id`, `match_kind`, `match_record_id`, `score`.
fn matches_statement(backend: DbBackend, terms: &QueryTerms) -> SelectStatement {
    let mut query = Query::select();
    match backend {
        DbBackend::Postgres => {
            query
                .expr_as(Expr::col(Column::Id), Alias::new("match_id"))
                .expr_as(Expr::col(Column::Kind), Alias::new("match_kind"))
                .expr_as(Expr::col(Column::RecordId), Alias::new("match_record_id"))
                .expr_as(
                    Expr::cust_with_values(
                        "(CASE WHEN terms @@ to_tsquery('simple', $1) THEN 1.0 ELSE 0.0 END) \
                         + CAST(ts_rank(terms, to_tsquery('simple', $2), 33) AS double precision)",
                        [terms.tsquery(true), terms.tsquery(false)],
                    ),
                    Alias::new("score"),
                )
                .from(search_document::Entity)
                .and_where(Expr::cust_with_values(
                    "terms @@ to_tsquery('simple', $1)",
                    [terms.tsquery(false)],
                ));
        }
        _ => {
            let fts_rowid = Expr::col((Alias::new(FTS), Alias::new("rowid")));
            query
                .expr_as(
                    Expr::col((search_document::Entity, Column::Id)),
                    Alias::new("match_id"),
                )
                .expr_as(
                    Expr::col((search_document::Entity, Column::Kind)),
                    Alias::new("match_kind"),
                )
                .expr_as(
                    Expr::col((search_document::Entity, Column::RecordId)),
                    Alias::new("match_record_id"),
                )
                .expr_as(
                    // `rank` is BM25 with the column weights the migration configured:
                    // negative, lower is better; mapped into [0, 1).
                    Expr::cust_with_values(
                        "(CASE WHEN search_fts.rowid IN \
                           (SELECT rowid FROM search_fts WHERE search_fts MATCH ?) \
                         THEN 1.0 ELSE 0.0 END) \
                         + (-search_fts.rank / (1.0 - search_fts.rank))",
                        [terms.fts5(true)],
                    ),
                    Alias::new("score"),
                )
                .from(Alias::new(FTS))
                .join(
                    JoinType::InnerJoin,
                    search_document::Entity,
                    Expr::col((search_document::Entity, Column::Id)).eq(fts_rowid),
                )
                .and_where(Expr::cust_with_values(
                    "search_fts MATCH ?",
                    [terms.fts5(false)],
                ));
        }
    }
    query
}

/// Joins the documents matching `text` to `select` on `on` (written over the matches'
/// columns); returns the select and its score expression. A text without terms matches
/// nothing.
fn join<E: EntityTrait>(
    select: Select<E>,
    backend: DbBackend,
    text: &SearchText,
    on: Condition,
) -> (Select<E>, Expr) {
    if text.terms.is_empty() {
        return (select.filter(Expr::cust("1 = 0")), Expr::cust(NO_SCORE));
    }
    let mut select = select;
    QuerySelect::query(&mut select).join_subquery(
        JoinType::InnerJoin,
        matches_statement(backend, &text.terms),
        Alias::new(MATCHES),
        on,
    );
    (select, matches_column("score"))
}

/// Restricts `select` (over an area's table whose key is `id`) to its records whose search
/// document of `kind` matches `text`. Returns the select and the expression of each row's
/// score, to order by. The records' own access conditions still apply: the index only says
/// which records match.
pub fn join_matches<E: EntityTrait>(
    select: Select<E>,
    backend: DbBackend,
    text: &SearchText,
    kind: SearchKind,
    id: E::Column,
) -> (Select<E>, Expr) {
    let on = Condition::all()
        .add(matches_column("match_kind").eq(kind))
        .add(matches_column("match_record_id").equals((E::default(), id)));
    join(select, backend, text, on)
}

/// The filter of the cross-resource search.
#[derive(Clone, Debug, Default)]
pub struct SearchFilter {
    /// Records owned in this prefecture (the prefecture or one of its municipalities).
    pub prefecture: Option<OrgCode>,
    /// Records owned by this organisation.
    pub organization: Option<OrgCode>,
}

/// One hit of the cross-resource search.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Hit {
    pub kind: SearchKind,
    pub record_id: Uuid,
    pub body: String,
    pub score: f64,
}

/// The documents of `kinds` the viewer may read that match `text` (all without a text), as
/// a query without order or page, and the expression of each row's score.
pub fn select(
    backend: DbBackend,
    viewer: &Viewer,
    text: Option<&SearchText>,
    kinds: &[SearchKind],
    filter: &SearchFilter,
) -> (Select<search_document::Entity>, Expr) {
    let mut select = search_document::Entity::find()
        .filter(access::readable::<search_document::Entity>(viewer))
        .filter(Column::Kind.is_in(kinds.iter().copied()));
    if let Some(code) = &filter.prefecture {
        let organizations = OrganizationFilter {
            prefecture_code: Some(code.clone()),
            ..Default::default()
        }
        .select()
        .select_only()
        .column(entity::organization::Column::Id)
        .into_query();
        select = select.filter(Column::OwnerOrganizationId.in_subquery(organizations));
    }
    if let Some(code) = &filter.organization {
        let organization = Query::select()
            .column(entity::organization::Column::Id)
            .from(entity::organization::Entity)
            .and_where(entity::organization::Column::Code.eq(code.as_str()))
            .to_owned();
        select = select.filter(Column::OwnerOrganizationId.in_subquery(organization));
    }
    match text {
        Some(text) => {
            let on = Condition::all()
                .add(matches_column("match_id").equals((search_document::Entity, Column::Id)));
            join(select, backend, text, on)
        }
        None => (select, Expr::cust(NO_SCORE)),
    }
}

/// The cross-resource search: documents of `kinds` the viewer may read, matching `text`
/// (all of them without a text, newest first), best first.
#[instrument(skip_all, fields(kinds = ?kinds))]
pub async fn search(
    db: &DatabaseConnection,
    viewer: &Viewer,
    text: Option<&SearchText>,
    kinds: &[SearchKind],
    filter: &SearchFilter,
    request: &PageRequest<Sorted<f64>>,
) -> AppResult<(Page<Hit, Sorted<f64>>, TotalCount)> {
    let (select, score) = select(db.get_database_backend(), viewer, text, kinds, filter);
    let total = TotalCount::of(select.clone());
    let rows = select
        .select_only()
        .column(Column::Kind)
        .column(Column::RecordId)
        .column(Column::Body)
        .column_as(score.clone(), "score");
    let sort = Sort::<search_document::Entity> {
        value: score,
        id: Column::RecordId,
        descending: true,
    };
    let page = pagination::fetch_sorted_page_as(
        db,
        rows,
        &sort,
        |hit: &Hit| Sorted {
            value: hit.score,
            id: hit.record_id,
        },
        request,
    )
    .await?;
    Ok((page, total))
}
