//! Data a fresh database starts with.
//!
//! Reference data (every installation): the 1,788 local governments from the Ministry's code
//! list, the populations the reference material gives, the councils it describes and the
//! case-study categories.
//! Demo data (development only, [`demo`]): demo organisations' users, one per role.

pub mod advisors;
pub mod case_studies;
pub mod courses;
pub mod demo;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use entity::enums::{CouncilKind, CouncilMemberRole};
use entity::{case_category, council, council_member, organization};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use uuid::Uuid;

pub use demo::DemoAccount;

use crate::organizations::reference;

const CODE_LIST: &str = include_str!("local_government_codes.csv");
const POPULATIONS: &str = include_str!("populations.csv");

/// Loads the reference data into an empty database; leaves a loaded one alone.
pub async fn reference_data<C: ConnectionTrait + TransactionTrait>(db: &C) -> anyhow::Result<()> {
    if organization::Entity::find().count(db).await? == 0 {
        let rows = reference::parse_code_list(CODE_LIST)?;
        let report = reference::import(db, &rows).await?;
        apply_populations(db).await?;
        tracing::info!(
            inserted = report.inserted,
            "loaded the local government code list"
        );
    }
    if council::Entity::find().count(db).await? == 0 {
        councils(db).await?;
    }
    if case_category::Entity::find().count(db).await? == 0 {
        case_studies::categories(db).await?;
    }
    Ok(())
}

/// Sets the populations given by the reference material (`populations.csv`: code, name,
/// population, as_of, source).
async fn apply_populations<C: ConnectionTrait>(db: &C) -> anyhow::Result<()> {
    let mut reader = csv::Reader::from_reader(POPULATIONS.as_bytes());
    for record in reader.records() {
        let record = record?;
        let code = record.get(0).unwrap_or("");
        let population: i64 = record.get(2).unwrap_or("").parse().context("population")?;
        let as_of = record
            .get(3)
            .filter(|s| !s.is_empty())
            .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
            .transpose()?;
        organization::Entity::update_many()
            .col_expr(organization::Column::Population, Expr::value(population))
            .col_expr(organization::Column::PopulationAsOf, Expr::value(as_of))
            .filter(organization::Column::Code.eq(code))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A council to create: name, kind, description, secretariat code, members.
struct CouncilSeed {
    name: &'static str,
    kind: CouncilKind,
    description: &'static str,
    secretariat: Option<&'static str>,
    members: Members,
    chair: Option<&'static str>,
}

enum Members {
    /// The prefecture (by its 2-digit number) and every municipality in it.
    PrefectureAndMunicipalities(&'static str),
    Codes(&'static [&'static str]),
}

const NARA_COUNCIL: &str = "奈良県地域デジタル化推進協議会";
const KOCHI_COUNCIL: &str = "高知県電子自治体推進協議会";
const KAMIKAWA_COUNCIL: &str = "電算事務共同処理協議会（上川管内7町）";

fn council_seeds() -> Vec<(CouncilSeed, Vec<CouncilSeed>)> {
    use CouncilKind::*;
    let nara = || Members::PrefectureAndMunicipalities("29");
    let kochi = || Members::PrefectureAndMunicipalities("39");
    vec![
        (
            CouncilSeed {
                name: NARA_COUNCIL,
                kind: Council,
                description: "Nara prefecture and its municipalities working as equals on the digitalisation of government and the region: joint training, study sessions and joint research.",
                secretariat: Some("290009"),
                members: nara(),
                chair: None,
            },
            vec![
                CouncilSeed {
                    name: "奈良県地域デジタル化推進協議会 第一分科会（マイナンバーカード・システム標準化・行政手続電子化）",
                    kind: Subcommittee,
                    description: "Thematic subcommittee on the My Number card, system standardisation and online procedures. Its members are taken to be the council's.",
                    secretariat: Some("290009"),
                    members: nara(),
                    chair: None,
                },
                CouncilSeed {
                    name: "奈良県地域デジタル化推進協議会 第二分科会（AI・RPA・テレワーク）",
                    kind: Subcommittee,
                    description: "Thematic subcommittee on AI, RPA and telework. Its members are taken to be the council's.",
                    secretariat: Some("290009"),
                    members: nara(),
                    chair: None,
                },
                CouncilSeed {
                    name: "奈良県地域デジタル化推進協議会 第三分科会（地域社会デジタル化）",
                    kind: Subcommittee,
                    description: "Thematic subcommittee on the digitalisation of local communities. Its members are taken to be the council's.",
                    secretariat: Some("290009"),
                    members: nara(),
                    chair: None,
                },
            ],
        ),
        (
            CouncilSeed {
                name: KOCHI_COUNCIL,
                kind: Council,
                description: "Kochi prefecture, its municipalities and private companies digitalising local government for better services and leaner administration; the practical work happens in working groups. Secretariat: the prefecture's digital policy division.",
                secretariat: Some("390003"),
                members: kochi(),
                chair: Some("390003"),
            },
            vec![
                CouncilSeed {
                    name: "高知県電子自治体推進協議会 デジタル化推進ワーキンググループ",
                    kind: WorkingGroup,
                    description: "Led by the prefecture: standardisation of systems, online procedures, AI and RPA, the digital divide, and BPR (paper, seals and face-to-face reviews).",
                    secretariat: Some("390003"),
                    members: kochi(),
                    chair: Some("390003"),
                },
                CouncilSeed {
                    name: "高知県電子自治体推進協議会 情報セキュリティ・共同化ワーキンググループ",
                    kind: WorkingGroup,
                    description: "Led by Konan city with Kochi city and Shimanto town as deputies: a joint body for stronger security and shared systems among the prefecture's municipalities.",
                    secretariat: Some("392111"),
                    members: kochi(),
                    chair: Some("392111"),
                },
            ],
        ),
        (
            CouncilSeed {
                name: KAMIKAWA_COUNCIL,
                kind: JointProcessing,
                description: "Seven neighbouring towns in Hokkaido's Kamikawa area that process their computing work jointly (My Number, family registers, resident records) and cooperate on procurement and LGWAN. The reference material does not give the council's full official name or its secretariat.",
                secretariat: None,
                members: Members::Codes(&[
                    "014532", "014541", "014559", "014567", "014575", "014583", "014591",
                ]),
                chair: None,
            },
            vec![CouncilSeed {
                name: "電算事務共同処理協議会（上川管内7町） 標準化移行チーム",
                kind: WorkingGroup,
                description: "The seven towns' team for the move to standardised systems.",
                secretariat: None,
                members: Members::Codes(&[
                    "014532", "014541", "014559", "014567", "014575", "014583", "014591",
                ]),
                chair: None,
            }],
        ),
    ]
}

async fn councils<C: ConnectionTrait + TransactionTrait>(db: &C) -> anyhow::Result<()> {
    let txn = db.begin().await?;
    let organizations = organization::Entity::find().all(&txn).await?;
    let id_of = |code: &str| {
        organizations
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.id)
            .with_context(|| format!("no organisation {code}"))
    };
    let now = Utc::now();
    for (parent, children) in council_seeds() {
        let parent_id = insert_council(&txn, &parent, None, &organizations, &id_of, now).await?;
        for child in children {
            insert_council(&txn, &child, Some(parent_id), &organizations, &id_of, now).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

async fn insert_council<C: ConnectionTrait>(
    db: &C,
    seed: &CouncilSeed,
    parent_id: Option<Uuid>,
    organizations: &[organization::Model],
    id_of: &impl Fn(&str) -> anyhow::Result<Uuid>,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<Uuid> {
    let id = Uuid::now_v7();
    council::Entity::insert(council::ActiveModel {
        id: Set(id),
        name: Set(seed.name.to_owned()),
        description: Set(Some(seed.description.to_owned())),
        kind: Set(seed.kind),
        parent_id: Set(parent_id),
        secretariat_organization_id: Set(seed.secretariat.map(id_of).transpose()?),
        archived_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(db)
    .await?;
    let member_ids: Vec<Uuid> = match &seed.members {
        Members::PrefectureAndMunicipalities(prefix) => organizations
            .iter()
            .filter(|o| o.code.starts_with(prefix) && o.code.len() == 6)
            .map(|o| o.id)
            .collect(),
        Members::Codes(codes) => codes
            .iter()
            .map(|c| id_of(c))
            .collect::<anyhow::Result<_>>()?,
    };
    let chair = seed.chair.map(id_of).transpose()?;
    let rows: Vec<council_member::ActiveModel> = member_ids
        .into_iter()
        .map(|organization_id| council_member::ActiveModel {
            council_id: Set(id),
            organization_id: Set(organization_id),
            role: Set(if Some(organization_id) == chair {
                CouncilMemberRole::Chair
            } else {
                CouncilMemberRole::Member
            }),
            joined_at: Set(now),
        })
        .collect();
    council_member::Entity::insert_many(rows).exec(db).await?;
    Ok(id)
}
