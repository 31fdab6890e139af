//! Case studies (事例): what one organisation did, what it cost and what came of it, so that
//! others of its size can copy it.
//!
//! A case is written as a `DRAFT` by the owner organisation's editors and admins, `PUBLISHED`
//! to its audience, and `ARCHIVED` when withdrawn (kept, read-only, seen by the owner only).
//! Every change counts up `version`; a change to a published case first keeps the case as it
//! was in `case_study_versions`, which the owner organisation may read. Published cases are
//! in the search index ([`crate::search`]), archived ones are taken out in the same
//! transaction.
//!
//! Concurrency: every change to an existing case starts its transaction with a guarded
//! `UPDATE` of the case row (owner, state and, when the client sent one, the version it
//! edited). On PostgreSQL that locks the row; on SQLite, being the transaction's first
//! statement and a write, it takes the database's write lock before anything is read. So
//! concurrent changes of one case apply one after another, each on the result of the one
//! before, and a stale `expectedVersion` is a `CONFLICT`.

pub mod facets;
pub mod filter;
pub mod graphql;
pub mod keywords;
pub mod loaders;
pub mod record;

use chrono::{Datelike, Utc};
use entity::enums::{Audience, CaseStage, CaseStatus, PopulationBand, SearchKind};
use entity::{
    case_category, case_study, case_study_keyword, case_study_version, council_member, keyword,
    organization,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde_json::json;
use tracing::instrument;
use uuid::Uuid;

use crate::access;
use crate::audit::{self, Actor, Change};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult, Invalid, RuleViolation};
use crate::fiscal;
use crate::i18n::Lang;
use crate::search::{self, SearchDocument};
use crate::text;
use record::{CaseStudyDetails, Contact, FollowUp};

/// Longest title.
pub const MAX_TITLE: usize = 200;
/// Longest summary.
pub const MAX_SUMMARY: usize = 2_000;
/// Longest overview.
pub const MAX_OVERVIEW: usize = 10_000;
/// Longest licence text.
pub const MAX_LICENCE: usize = 200;

const ENTITY: &str = "CaseStudy";

/// Publishing needs a summary and a category: what a reader sees in a list and filters by.
pub struct Incomplete {
    pub missing: Vec<&'static str>,
}

impl RuleViolation for Incomplete {
    fn code(&self) -> &'static str {
        "CASE_STUDY_INCOMPLETE"
    }
    fn message(&self, lang: Lang) -> String {
        let missing = self.missing.join(", ");
        match lang {
            Lang::En => format!("Add {missing} before publishing this case study."),
            Lang::Ja => format!("公開する前に {missing} を入力してください。"),
        }
    }
    fn extensions(&self, extensions: &mut async_graphql::ErrorExtensionValues) {
        extensions.set(
            "missing",
            async_graphql::Value::List(
                self.missing
                    .iter()
                    .map(|m| async_graphql::Value::from(*m))
                    .collect(),
            ),
        );
    }
}

/// What a create or an update sets. `None` leaves a field as it is (on create: its default);
/// `Some(None)` clears a field that may be empty.
#[derive(Clone, Debug, Default)]
pub struct CaseStudyChanges {
    pub title: Option<String>,
    pub summary: Option<Option<String>>,
    pub category_id: Option<Option<Uuid>>,
    /// Keywords as typed (normalised here).
    pub keywords: Option<Vec<String>>,
    pub stage: Option<CaseStage>,
    pub overview: Option<Option<String>>,
    /// Replaces all details but the follow-ups.
    pub details: Option<CaseStudyDetails>,
    pub contact: Option<Option<Contact>>,
    pub licence: Option<Option<String>>,
    pub audience: Option<Audience>,
    pub council_id: Option<Option<Uuid>>,
    /// On create, the organisation's own figure when not given.
    pub population: Option<Option<i64>>,
    pub population_year: Option<Option<i32>>,
    /// 年度 the case reports on; set at first publication when empty.
    pub fiscal_year: Option<Option<i32>>,
}

fn check_year(field: &str, year: Option<i32>) -> AppResult<()> {
    match year {
        Some(y) if !(1900..=2100).contains(&y) => Err(AppError::invalid(
            field,
            Invalid::Range {
                min: 1900,
                max: 2100,
            },
        )),
        _ => Ok(()),
    }
}

impl CaseStudyChanges {
    /// Checks what can be checked without the database; returns the parsed keywords.
    pub fn check(&self) -> AppResult<Option<Vec<(String, String)>>> {
        if let Some(title) = &self.title {
            if title.trim().is_empty() {
                return Err(AppError::invalid("input.title", Invalid::Empty));
            }
            text::check_line("input.title", title, MAX_TITLE)?;
        }
        if let Some(Some(summary)) = &self.summary {
            text::check_text("input.summary", summary, MAX_SUMMARY)?;
        }
        if let Some(Some(overview)) = &self.overview {
            text::check_text("input.overview", overview, MAX_OVERVIEW)?;
        }
        if let Some(Some(licence)) = &self.licence {
            text::check_line("input.licence", licence, MAX_LICENCE)?;
        }
        if let Some(details) = &self.details {
            record::check_details("input.details", details)?;
        }
        if let Some(Some(contact)) = &self.contact {
            record::check_contact("input.contact", contact)?;
        }
        if let Some(Some(population)) = self.population
            && !(0..=100_000_000).contains(&population)
        {
            return Err(AppError::invalid(
                "input.population",
                Invalid::Range {
                    min: 0,
                    max: 100_000_000,
                },
            ));
        }
        check_year("input.populationYear", self.population_year.flatten())?;
        check_year("input.fiscalYear", self.fiscal_year.flatten())?;
        self.keywords
            .as_deref()
            .map(|k| keywords::parse("input.keywords", k))
            .transpose()
    }

    /// Applies the changes to `model` (a new or an existing case).
    fn apply(self, model: &mut case_study::Model) -> AppResult<()> {
        if let Some(title) = self.title {
            model.title = title.trim().to_owned();
        }
        if let Some(summary) = self.summary {
            model.summary = summary;
        }
        if let Some(category_id) = self.category_id {
            model.category_id = category_id;
        }
        if let Some(stage) = self.stage {
            model.stage = stage;
        }
        if let Some(overview) = self.overview {
            model.overview = overview;
        }
        if let Some(mut details) = self.details {
            // Follow-ups are added one by one and never replaced by an edit.
            details.follow_ups = parse_details(model)?.follow_ups;
            model.details = to_json(&details)?;
        }
        if let Some(contact) = self.contact {
            model.contact = contact.map(|c| to_json(&c)).transpose()?;
        }
        if let Some(licence) = self.licence {
            model.licence = licence;
        }
        if let Some(audience) = self.audience {
            model.audience = audience;
        }
        if let Some(council_id) = self.council_id {
            model.council_id = council_id;
        }
        if let Some(population) = self.population {
            model.population = population;
            model.population_band = population.map(PopulationBand::of);
        }
        if let Some(year) = self.population_year {
            model.population_year = year;
        }
        if let Some(year) = self.fiscal_year {
            model.fiscal_year = year;
        }
        Ok(())
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(e.into()))
}

/// The details of a stored case.
pub fn parse_details(model: &case_study::Model) -> AppResult<CaseStudyDetails> {
    serde_json::from_value(model.details.clone()).map_err(|e| AppError::Internal(e.into()))
}

/// The contact of a stored case.
pub fn parse_contact(model: &case_study::Model) -> AppResult<Option<Contact>> {
    model
        .contact
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| AppError::Internal(e.into()))
}

/// Checks what the database must confirm: the category exists, and a `COUNCIL` audience names
/// a council the owner belongs to (other audiences name none).
async fn check_references<C: ConnectionTrait>(db: &C, model: &case_study::Model) -> AppResult<()> {
    if let Some(category_id) = model.category_id
        && case_category::Entity::find_by_id(category_id)
            .one(db)
            .await?
            .is_none()
    {
        return Err(AppError::invalid("input.categoryId", Invalid::Id));
    }
    match (model.audience, model.council_id) {
        (Audience::Council, None) => Err(AppError::invalid("input.councilId", Invalid::Empty)),
        (Audience::Council, Some(council_id)) => {
            let member = council_member::Entity::find()
                .filter(council_member::Column::CouncilId.eq(council_id))
                .filter(council_member::Column::OrganizationId.eq(model.organization_id))
                .one(db)
                .await?;
            if member.is_none() {
                return Err(AppError::invalid(
                    "input.councilId",
                    Invalid::Value {
                        expected: "a council your organisation is a member of",
                    },
                ));
            }
            Ok(())
        }
        (_, Some(_)) => Err(AppError::invalid(
            "input.councilId",
            Invalid::Value {
                expected: "null unless the audience is COUNCIL",
            },
        )),
        (_, None) => Ok(()),
    }
}

/// The keywords of a case, by name.
async fn keywords_of<C: ConnectionTrait>(db: &C, id: Uuid) -> AppResult<Vec<keyword::Model>> {
    Ok(keyword::Entity::find()
        .inner_join(case_study_keyword::Entity)
        .filter(case_study_keyword::Column::CaseStudyId.eq(id))
        .order_by_asc(keyword::Column::Name)
        .all(db)
        .await?)
}

/// The record as the audit trail and the versions keep it.
fn snapshot(model: &case_study::Model, keywords: &[keyword::Model]) -> serde_json::Value {
    json!({
        "record": model,
        "keywords": keywords.iter().map(|k| k.label.as_str()).collect::<Vec<_>>(),
    })
}

/// Puts a published case into the search index (or refreshes it).
async fn index<C: ConnectionTrait>(
    db: &C,
    model: &case_study::Model,
    keywords: &[keyword::Model],
) -> AppResult<()> {
    let owner = organization::Entity::find_by_id(model.organization_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("case without its organisation")))?;
    let prefecture = match owner.prefecture_id {
        Some(id) => organization::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let mut body: Vec<String> = Vec::new();
    body.extend(model.summary.iter().cloned());
    body.extend(model.overview.iter().cloned());
    body.extend(record::searchable_text(&parse_details(model)?));
    if let Some(category_id) = model.category_id {
        let categories = case_category::Entity::find().all(db).await?;
        let mut next = categories.iter().find(|c| c.id == category_id);
        while let Some(category) = next {
            body.push(category.name.clone());
            next = category
                .parent_id
                .and_then(|p| categories.iter().find(|c| c.id == p));
        }
    }
    body.extend(prefecture.map(|p| p.name));
    let mut headline: Vec<String> = keywords.iter().map(|k| k.label.clone()).collect();
    headline.push(owner.name);
    headline.push(owner.name_kana);
    search::index(
        db,
        SearchDocument {
            kind: SearchKind::CaseStudy,
            record_id: model.id,
            owner_organization_id: model.organization_id,
            audience: model.audience,
            council_id: model.council_id,
            title: model.title.clone(),
            headline,
            body: body.join("\n"),
        },
    )
    .await
}

/// Creates a draft for the viewer's organisation.
#[instrument(skip_all)]
pub async fn create(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    changes: CaseStudyChanges,
) -> AppResult<case_study::Model> {
    let user = access::ensure_signed_in(viewer)?;
    access::ensure_can_edit(viewer, user.organization_id)?;
    let (user_id, organization_id) = (user.user_id, user.organization_id);
    let parsed_keywords = changes.check()?;
    if changes.title.is_none() {
        return Err(AppError::invalid("input.title", Invalid::Empty));
    }
    // Read before the transaction: on SQLite its first statement must be its first write.
    let owner = organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or(AppError::Forbidden)?;
    let txn = db.begin().await?;
    let model = insert(&txn, &owner, Some(user_id), changes, parsed_keywords).await?;
    let keywords = keywords_of(&txn, model.id).await?;
    audit::record(
        &txn,
        actor,
        Change {
            action: "case_study.create",
            entity: ENTITY,
            entity_id: Some(model.id),
            organization_id: Some(organization_id),
            before: None,
            after: Some(snapshot(&model, &keywords)),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Inserts a draft owned by `owner` (the insert is the transaction's first write). Without a
/// population, the case takes the owner's figure and the year it refers to.
pub(crate) async fn insert(
    txn: &DatabaseTransaction,
    owner: &organization::Model,
    created_by: Option<Uuid>,
    changes: CaseStudyChanges,
    parsed_keywords: Option<Vec<(String, String)>>,
) -> AppResult<case_study::Model> {
    let now = Utc::now();
    let mut model = case_study::Model {
        id: Uuid::now_v7(),
        organization_id: owner.id,
        population: owner.population,
        population_year: owner.population_as_of.map(|d| d.year()),
        population_band: owner.population.map(PopulationBand::of),
        title: String::new(),
        summary: None,
        category_id: None,
        stage: CaseStage::Operating,
        overview: None,
        details: to_json(&CaseStudyDetails::default())?,
        contact: None,
        licence: None,
        audience: Audience::Private,
        council_id: None,
        status: CaseStatus::Draft,
        version: 1,
        published_at: None,
        created_by_user_id: created_by,
        created_at: now,
        updated_at: now,
        fiscal_year: None,
    };
    changes.apply(&mut model)?;
    case_study::Entity::insert(model.clone().into_active_model().reset_all())
        .exec_without_returning(txn)
        .await?;
    check_references(txn, &model).await?;
    keywords::set(txn, model.id, &parsed_keywords.unwrap_or_default()).await?;
    Ok(model)
}

/// Takes the case for a change: the guarded `UPDATE` that starts the transaction (see the
/// module documentation). Returns the case as it is, or why the viewer may not change it.
async fn claim(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    id: Uuid,
    expected_version: Option<i32>,
    states: &[CaseStatus],
    action: &'static str,
) -> AppResult<case_study::Model> {
    let organization_id = viewer.organization_id().unwrap_or_default();
    let mut update = case_study::Entity::update_many()
        .col_expr(
            case_study::Column::Version,
            Expr::col(case_study::Column::Version),
        )
        .filter(case_study::Column::Id.eq(id))
        .filter(case_study::Column::OrganizationId.eq(organization_id))
        .filter(case_study::Column::Status.is_in(states.iter().copied()));
    if let Some(version) = expected_version {
        update = update.filter(case_study::Column::Version.eq(version));
    }
    if access::can_edit(viewer, organization_id)
        && let Some(model) = update.exec_with_returning(txn).await?.into_iter().next()
    {
        return Ok(model);
    }
    // Why not: the same order of questions a reader would ask.
    let found = case_study::Entity::find_by_id(id)
        .filter(access::readable_case_studies(viewer))
        .one(txn)
        .await?;
    let Some(model) = found else {
        return Err(AppError::not_found(ENTITY));
    };
    access::ensure_can_edit(viewer, model.organization_id)?;
    if !states.contains(&model.status) {
        return Err(AppError::transition(
            ENTITY,
            action,
            format!("{:?}", model.status).to_uppercase(),
        ));
    }
    Err(AppError::Conflict {
        field: "input.expectedVersion".into(),
    })
}

/// Writes the changed case. A change of content (`edit`) to a published case keeps the
/// previous version first; a change of state does not. The change goes into the audit trail
/// as `actor`'s; without an actor (data loaded by `seed`) it is not a change anyone made.
async fn save(
    txn: &DatabaseTransaction,
    actor: Option<&Actor>,
    action: &'static str,
    edit: bool,
    before: case_study::Model,
    mut after: case_study::Model,
    keywords_before: &[keyword::Model],
) -> AppResult<case_study::Model> {
    let now = Utc::now();
    if edit && before.status == CaseStatus::Published {
        case_study_version::Entity::insert(case_study_version::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_study_id: Set(before.id),
            version: Set(before.version),
            snapshot: Set(snapshot(&before, keywords_before)),
            created_by_user_id: Set(actor.and_then(|a| a.user_id)),
            created_at: Set(now),
        })
        .exec_without_returning(txn)
        .await?;
    }
    after.version = before.version + 1;
    after.updated_at = now;
    let saved = after
        .clone()
        .into_active_model()
        .reset_all()
        .update(txn)
        .await?;
    let keywords = keywords_of(txn, saved.id).await?;
    match saved.status {
        CaseStatus::Published => index(txn, &saved, &keywords).await?,
        CaseStatus::Archived => search::remove(txn, SearchKind::CaseStudy, saved.id).await?,
        CaseStatus::Draft => {}
    }
    if let Some(actor) = actor {
        audit::record(
            txn,
            actor,
            Change {
                action,
                entity: ENTITY,
                entity_id: Some(saved.id),
                organization_id: Some(saved.organization_id),
                before: Some(snapshot(&before, keywords_before)),
                after: Some(snapshot(&saved, &keywords)),
            },
        )
        .await?;
    }
    Ok(saved)
}

/// Changes a draft or a published case; a published case keeps its previous version.
/// With `expected_version`, refuses (`CONFLICT`) when the case changed since.
#[instrument(skip_all, fields(case_study = %id))]
pub async fn update(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
    expected_version: Option<i32>,
    changes: CaseStudyChanges,
) -> AppResult<case_study::Model> {
    access::ensure_signed_in(viewer)?;
    let parsed_keywords = changes.check()?;
    let txn = db.begin().await?;
    let before = claim(
        &txn,
        viewer,
        id,
        expected_version,
        &[CaseStatus::Draft, CaseStatus::Published],
        "update",
    )
    .await?;
    let keywords_before = keywords_of(&txn, id).await?;
    let mut after = before.clone();
    changes.apply(&mut after)?;
    if after.status == CaseStatus::Published {
        check_complete(&after)?;
    }
    check_references(&txn, &after).await?;
    if let Some(parsed) = parsed_keywords {
        keywords::set(&txn, id, &parsed).await?;
    }
    let saved = save(
        &txn,
        Some(actor),
        "case_study.update",
        true,
        before,
        after,
        &keywords_before,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Publishes a draft to its audience and puts it into the search index.
#[instrument(skip_all, fields(case_study = %id))]
pub async fn publish(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
) -> AppResult<case_study::Model> {
    access::ensure_signed_in(viewer)?;
    let txn = db.begin().await?;
    let before = claim(&txn, viewer, id, None, &[CaseStatus::Draft], "publish").await?;
    let saved = publish_claimed(&txn, Some(actor), before).await?;
    txn.commit().await?;
    Ok(saved)
}

/// A published case needs a summary and a category (on publishing, and on every edit after).
fn check_complete(model: &case_study::Model) -> AppResult<()> {
    let mut missing = Vec::new();
    if model.summary.as_deref().is_none_or(|s| s.trim().is_empty()) {
        missing.push("summary");
    }
    if model.category_id.is_none() {
        missing.push("categoryId");
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(AppError::rule(Incomplete { missing }))
    }
}

/// Publishes a claimed draft: checks it is complete, dates it, indexes it (`actor`: see
/// [`save`]).
pub(crate) async fn publish_claimed(
    txn: &DatabaseTransaction,
    actor: Option<&Actor>,
    before: case_study::Model,
) -> AppResult<case_study::Model> {
    check_complete(&before)?;
    let keywords = keywords_of(txn, before.id).await?;
    let now = Utc::now();
    let mut after = before.clone();
    after.status = CaseStatus::Published;
    after.published_at = Some(before.published_at.unwrap_or(now));
    after.fiscal_year = Some(before.fiscal_year.unwrap_or(fiscal::of_instant(now)));
    save(
        txn,
        actor,
        "case_study.publish",
        false,
        before,
        after,
        &keywords,
    )
    .await
}

/// Withdraws a draft or a published case: kept, read-only, out of the index.
#[instrument(skip_all, fields(case_study = %id))]
pub async fn archive(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
) -> AppResult<case_study::Model> {
    access::ensure_signed_in(viewer)?;
    let txn = db.begin().await?;
    let before = claim(
        &txn,
        viewer,
        id,
        None,
        &[CaseStatus::Draft, CaseStatus::Published],
        "archive",
    )
    .await?;
    let keywords = keywords_of(&txn, id).await?;
    let mut after = before.clone();
    after.status = CaseStatus::Archived;
    let saved = save(
        &txn,
        Some(actor),
        "case_study.archive",
        false,
        before,
        after,
        &keywords,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Adds a follow-up to a published case (a change: the previous version is kept).
#[instrument(skip_all, fields(case_study = %id))]
pub async fn add_follow_up(
    db: &DatabaseConnection,
    viewer: &Viewer,
    actor: &Actor,
    id: Uuid,
    follow_up: FollowUp,
) -> AppResult<case_study::Model> {
    access::ensure_signed_in(viewer)?;
    if let Some(notes) = &follow_up.notes {
        text::check_text("input.notes", notes, record::LONG)?;
    }
    check_year("input.date", Some(follow_up.date.0.year()))?;
    let txn = db.begin().await?;
    let before = claim(
        &txn,
        viewer,
        id,
        None,
        &[CaseStatus::Published],
        "add a follow-up to",
    )
    .await?;
    let keywords = keywords_of(&txn, id).await?;
    let mut details = parse_details(&before)?;
    details.follow_ups.push(follow_up);
    let mut after = before.clone();
    after.details = to_json(&details)?;
    let saved = save(
        &txn,
        Some(actor),
        "case_study.add_follow_up",
        true,
        before,
        after,
        &keywords,
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// One case the viewer may read.
pub async fn find(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: Uuid,
) -> AppResult<Option<case_study::Model>> {
    Ok(case_study::Entity::find_by_id(id)
        .filter(access::readable_case_studies(viewer))
        .one(db)
        .await?)
}

/// The categories, top level first, each level by position.
pub async fn categories(db: &DatabaseConnection) -> AppResult<Vec<case_category::Model>> {
    Ok(case_category::Entity::find()
        .order_by_asc(case_category::Column::Position)
        .order_by_asc(case_category::Column::Name)
        .all(db)
        .await?)
}
