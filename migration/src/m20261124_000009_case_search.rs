//! Case studies get the fiscal year they report on, and Koiki gets its full-text index:
//! `search_documents`, one row per published searchable record (case studies now; courses and
//! advisors later), whose search terms the database indexes natively.
//!
//! The application turns text into terms (overlapping character bigrams of Japanese text,
//! whole Latin and digit words; see `src/search/terms.rs`) and stores them space-separated in
//! `title_terms` and `body_terms`. Each backend indexes those words with its own engine:
//!
//! - PostgreSQL: a stored generated `tsvector` column (`terms`; title terms weighted `A`,
//!   body terms `D`) with a GIN index.
//! - SQLite: an FTS5 table (`search_fts`) over the two term columns, with the documents table
//!   as its external content, kept in step by triggers; ranked by BM25 with the title column
//!   weighted ten times the body.

use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

use crate::helpers::{create_table, drop_tables, foreign_key, index, unique};
use crate::m20261123_000001_organizations::{Councils, Organizations};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CaseStudies {
    Table,
    FiscalYear,
}

/// One searchable record in the full-text index.
#[derive(DeriveIden)]
enum SearchDocuments {
    Table,
    Id,
    Kind,
    RecordId,
    OwnerOrganizationId,
    Audience,
    CouncilId,
    Title,
    TitleTerms,
    Body,
    BodyTerms,
    UpdatedAt,
}

/// PostgreSQL: room for the longest population band (`FROM_100K_TO_300K` has 17 letters; the
/// column was made 16 wide), the weighted `tsvector` of the two term columns, and its GIN
/// index. (SQLite does not enforce `varchar` lengths.)
const POSTGRES_UP: &[&str] = &[
    "ALTER TABLE case_studies ALTER COLUMN population_band TYPE varchar(24)",
    "ALTER TABLE search_documents ADD COLUMN terms tsvector GENERATED ALWAYS AS \
     (setweight(to_tsvector('simple'::regconfig, title_terms), 'A') || \
      setweight(to_tsvector('simple'::regconfig, body_terms), 'D')) STORED",
    "CREATE INDEX idx_search_documents_terms ON search_documents USING GIN (terms)",
];

/// SQLite: the FTS5 index over the documents table, the BM25 column weights it ranks with,
/// and the triggers that keep it in step with the table.
const SQLITE_UP: &[&str] = &[
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, body_terms, \
     content='search_documents', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "INSERT INTO search_fts(search_fts, rank) VALUES('rank', 'bm25(10.0, 1.0)')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN \
       INSERT INTO search_fts(rowid, title_terms, body_terms) \
       VALUES (new.id, new.title_terms, new.body_terms); \
     END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN \
       INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) \
       VALUES ('delete', old.id, old.title_terms, old.body_terms); \
     END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN \
       INSERT INTO search_fts(search_fts, rowid, title_terms, body_terms) \
       VALUES ('delete', old.id, old.title_terms, old.body_terms); \
       INSERT INTO search_fts(rowid, title_terms, body_terms) \
       VALUES (new.id, new.title_terms, new.body_terms); \
     END",
];

const SQLITE_DOWN: &[&str] = &[
    "DROP TRIGGER IF EXISTS search_documents_au",
    "DROP TRIGGER IF EXISTS search_documents_ad",
    "DROP TRIGGER IF EXISTS search_documents_ai",
    "DROP TABLE IF EXISTS search_fts",
];

async fn run_all(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    let db = manager.get_connection();
    for sql in statements {
        db.execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(CaseStudies::Table)
                    .add_column(integer_null(CaseStudies::FiscalYear))
                    .to_owned(),
            )
            .await?;

        create_table(
            manager,
            Table::create()
                .table(SearchDocuments::Table)
                .col(
                    big_integer(SearchDocuments::Id)
                        .auto_increment()
                        .primary_key(),
                )
                .col(string_len(SearchDocuments::Kind, 16))
                .col(uuid(SearchDocuments::RecordId))
                .col(uuid(SearchDocuments::OwnerOrganizationId))
                .col(string_len(SearchDocuments::Audience, 16))
                .col(uuid_null(SearchDocuments::CouncilId))
                .col(string(SearchDocuments::Title))
                .col(text(SearchDocuments::TitleTerms))
                .col(text(SearchDocuments::Body))
                .col(text(SearchDocuments::BodyTerms))
                .col(timestamp_with_time_zone(SearchDocuments::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    SearchDocuments::Table,
                    SearchDocuments::OwnerOrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    SearchDocuments::Table,
                    SearchDocuments::CouncilId,
                    Councils::Table,
                    Councils::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                unique(
                    SearchDocuments::Table,
                    [SearchDocuments::Kind, SearchDocuments::RecordId],
                ),
                index(
                    SearchDocuments::Table,
                    [SearchDocuments::OwnerOrganizationId],
                ),
                index(SearchDocuments::Table, [SearchDocuments::CouncilId]),
            ],
        )
        .await?;

        match manager.get_database_backend() {
            DatabaseBackend::Postgres => run_all(manager, POSTGRES_UP).await,
            DatabaseBackend::Sqlite => run_all(manager, SQLITE_UP).await,
            other => Err(DbErr::Migration(format!(
                "full-text search is not available on {other:?}"
            ))),
        }
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DatabaseBackend::Sqlite {
            run_all(manager, SQLITE_DOWN).await?;
        }
        // The tsvector column and its index go with the table on PostgreSQL. The population
        // band column stays 24 wide: narrowing it would fail on, or cut, the bands stored.
        drop_tables(manager, [SearchDocuments::Table]).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(CaseStudies::Table)
                    .drop_column(CaseStudies::FiscalYear)
                    .to_owned(),
            )
            .await
    }
}
