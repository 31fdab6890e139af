//! The demo data set: one user per role in a few organisations, so that a newcomer can sign
//! in and try every kind of access, and each area's demo records. Development only; the
//! passwords are published.

use anyhow::Context;
use chrono::Utc;
use entity::enums::{OrganizationKind, Role};
use entity::user::RoleList;
use entity::{organization, user};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::password;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "koiki-demo-2026";

/// The platform operator's organisation (a fictional national body).
pub const OPERATOR_CODE: &str = "KOIKI-OPS";

/// A demo sign-in, as printed at start.
#[derive(Clone, Debug)]
pub struct DemoAccount {
    pub email: &'static str,
    pub organization_code: &'static str,
    pub organization_name: String,
    pub roles: &'static [Role],
}

/// email, display name, organisation code, roles.
const ACCOUNTS: &[(&str, &str, &str, &[Role])] = &[
    (
        "operator@koiki.example.jp",
        "運営 太郎",
        OPERATOR_CODE,
        &[Role::Operator],
    ),
    (
        "admin@pref-nara.example.jp",
        "奈良 管理",
        "290009",
        &[Role::Admin],
    ),
    (
        "editor@pref-nara.example.jp",
        "奈良 編集",
        "290009",
        &[Role::Editor],
    ),
    (
        "editor@city-nara.example.jp",
        "奈良市 編集",
        "292010",
        &[Role::Editor],
    ),
    (
        "member@city-nara.example.jp",
        "奈良市 職員",
        "292010",
        &[Role::Member],
    ),
    (
        "editor@city-kanazawa.example.jp",
        "金沢 編集",
        "172014",
        &[Role::Editor],
    ),
    (
        "admin@pref-kochi.example.jp",
        "高知 管理",
        "390003",
        &[Role::Admin],
    ),
    (
        "editor@town-oyama.example.jp",
        "小山町 編集",
        "223441",
        &[Role::Editor],
    ),
    (
        "advisor@pref-nara.example.jp",
        "見本 一郎",
        "290009",
        &[Role::Advisor],
    ),
    (
        "editor@city-kochi.example.jp",
        "高知市 編集",
        "392014",
        &[Role::Editor],
    ),
    (
        "admin@national-dx.example.jp",
        "全国DX 管理",
        super::advisors::NATIONAL_BODY_CODE,
        &[Role::Admin],
    ),
    (
        "editor@city-ikoma.example.jp",
        "生駒市 研修担当",
        "292095",
        &[Role::Editor],
    ),
    (
        "member@city-ikoma.example.jp",
        "生駒市 職員",
        "292095",
        &[Role::Member],
    ),
    (
        "editor@city-tsukuba.example.jp",
        "つくば市 研修担当",
        "082201",
        &[Role::Editor],
    ),
    (
        "member@city-kasama.example.jp",
        "笠間市 職員",
        "082163",
        &[Role::Member],
    ),
];

/// Creates the demo organisations, accounts and the areas' demo data that are missing;
/// returns the accounts.
pub async fn ensure(db: &DatabaseConnection) -> anyhow::Result<Vec<DemoAccount>> {
    let now = Utc::now();
    if find_org(db, OPERATOR_CODE).await?.is_none() {
        let name = "Koiki運営事務局";
        let kana = "コウイキウンエイジムキョク";
        organization::Entity::insert(organization::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(OPERATOR_CODE.to_owned()),
            name: Set(name.to_owned()),
            name_kana: Set(kana.to_owned()),
            search_key: Set(crate::organizations::search_key(name, kana)),
            kind: Set(OrganizationKind::National),
            prefecture_id: Set(None),
            population: Set(None),
            population_as_of: Set(None),
            archived_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(db)
        .await?;
    }
    super::advisors::ensure_organizations(db).await?;
    let mut accounts = Vec::new();
    let mut hash: Option<String> = None;
    for (email, display_name, code, roles) in ACCOUNTS {
        let organization = find_org(db, code)
            .await?
            .with_context(|| format!("no organisation {code}"))?;
        let exists = user::Entity::find()
            .filter(user::Column::Email.eq(*email))
            .one(db)
            .await?
            .is_some();
        if !exists {
            // One hash for all: they share the published demo password.
            let password_hash = match &hash {
                Some(h) => h.clone(),
                None => {
                    let h = password::hash(DEMO_PASSWORD.to_owned())
                        .await
                        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
                    hash = Some(h.clone());
                    h
                }
            };
            user::Entity::insert(user::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(organization.id),
                email: Set((*email).to_owned()),
                display_name: Set((*display_name).to_owned()),
                password_hash: Set(Some(password_hash)),
                roles: Set(RoleList(roles.to_vec())),
                disabled_at: Set(None),
                last_sign_in_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec(db)
            .await?;
        }
        accounts.push(DemoAccount {
            email,
            organization_code: code,
            organization_name: organization.name,
            roles,
        });
    }
    super::advisors::ensure(db).await?;
    crate::seed::case_studies::ensure(db).await?;
    crate::seed::courses::ensure(db).await?;
    Ok(accounts)
}

async fn find_org(
    db: &DatabaseConnection,
    code: &str,
) -> anyhow::Result<Option<organization::Model>> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Code.eq(code))
        .one(db)
        .await?)
}
