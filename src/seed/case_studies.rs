//! Case-study data: the category list (reference data, every installation) and the demo
//! cases (development only).
//!
//! The categories follow the reference material: the Ministry's case sheets file Kanazawa
//! under 人材確保・育成 › DXの取組の中核を担う人材の育成 (seed 001), and the guidebook groups its
//! municipal cases by four themes and adds the prefectures' support programmes (seed 002).
//!
//! The demo cases (`case_studies.json`) are the guidebook's twelve municipal cases and two
//! prefectural programmes, Nara's chat for its municipalities (shared within the prefecture
//! only), and Kanazawa's case sheet with the measured effects of seed 000. Texts are written
//! anew; names, figures, dates and costs are the reference material's.

use anyhow::Context;
use chrono::Utc;
use entity::enums::{Audience, CaseStage};
use entity::{case_category, case_study, organization};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::case_studies::record::{CaseStudyDetails, Contact};
use crate::case_studies::{self, CaseStudyChanges};

/// The two-level category list: top-level name, subcategory names, in order.
pub const CATEGORIES: &[(&str, &[&str])] = &[
    (
        "人材確保・育成",
        &[
            "DXの取組の中核を担う人材の育成",
            "人材育成を活性化する計画や制度の工夫",
            "実務に即した人材育成",
            "総務省アドバイザーの活用",
            "ITパスポートの活用",
        ],
    ),
    (
        "都道府県による市町村支援",
        &[
            "デジタル人材バンク・アドバイザー派遣",
            "伴走支援と人材発掘",
            "自治体間の情報共有",
        ],
    ),
];

/// Loads the category list.
pub async fn categories<C: ConnectionTrait + TransactionTrait>(db: &C) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    let now = Utc::now();
    for (position, (name, children)) in CATEGORIES.iter().enumerate() {
        let parent = Uuid::now_v7();
        let rows = std::iter::once((parent, None, *name, position))
            .chain(
                children
                    .iter()
                    .enumerate()
                    .map(|(i, child)| (Uuid::now_v7(), Some(parent), *child, i)),
            )
            .map(
                |(id, parent_id, name, position)| case_category::ActiveModel {
                    id: Set(id),
                    parent_id: Set(parent_id),
                    name: Set(name.to_owned()),
                    position: Set(position as i32),
                    created_at: Set(now),
                },
            );
        for row in rows {
            case_category::Entity::insert(row)
                .exec_without_returning(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// One demo case as `case_studies.json` writes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoCase {
    /// The owner's code.
    organization: String,
    title: String,
    summary: String,
    /// A subcategory's name.
    category: String,
    keywords: Vec<String>,
    #[serde(default)]
    stage: Option<CaseStage>,
    #[serde(default)]
    overview: Option<String>,
    details: CaseStudyDetails,
    #[serde(default)]
    contact: Option<Contact>,
    audience: Audience,
    fiscal_year: i32,
}

const DEMO_CASES: &str = include_str!("case_studies.json");

/// Loads the demo cases, published, unless they are there (one query when they are).
pub async fn ensure(db: &DatabaseConnection) -> anyhow::Result<()> {
    let cases: Vec<DemoCase> =
        serde_json::from_str(DEMO_CASES).context("src/seed/case_studies.json")?;
    let first = cases.first().context("no demo cases")?;
    let loaded = case_study::Entity::find()
        .filter(case_study::Column::Title.eq(first.title.as_str()))
        .one(db)
        .await?
        .is_some();
    if loaded {
        return Ok(());
    }
    let categories = case_category::Entity::find().all(db).await?;
    for case in cases {
        let owner = organization::Entity::find()
            .filter(organization::Column::Code.eq(case.organization.as_str()))
            .one(db)
            .await?
            .with_context(|| format!("no organisation {}", case.organization))?;
        let category = categories
            .iter()
            .find(|c| c.name == case.category)
            .with_context(|| format!("no category {}", case.category))?;
        let changes = CaseStudyChanges {
            title: Some(case.title),
            summary: Some(Some(case.summary)),
            category_id: Some(Some(category.id)),
            keywords: Some(case.keywords),
            stage: case.stage,
            overview: Some(case.overview),
            details: Some(case.details),
            contact: Some(case.contact),
            audience: Some(case.audience),
            fiscal_year: Some(Some(case.fiscal_year)),
            ..Default::default()
        };
        let parsed = changes
            .check()
            .map_err(|e| anyhow::anyhow!("demo case of {}: {e:?}", owner.code))?;
        let txn = db.begin().await?;
        let draft = case_studies::insert(&txn, &owner, None, changes, parsed)
            .await
            .map_err(|e| anyhow::anyhow!("demo case of {}: {e:?}", owner.code))?;
        case_studies::publish_claimed(&txn, None, draft)
            .await
            .map_err(|e| anyhow::anyhow!("demo case of {}: {e:?}", owner.code))?;
        txn.commit().await?;
    }
    Ok(())
}
