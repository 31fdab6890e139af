//! The Ministry's list of local government codes (総務省「全国地方公共団体コード」) as
//! reference data: parsing the list, and loading or updating organisations from it.
//!
//! The list's format: `code,prefecture,city,prefecture_kana,city_kana`, readings in
//! half-width katakana, an empty `city` for prefectures. A newer list in the same format
//! updates names and readings by code and adds new organisations (`koiki seed --organizations`).

use std::collections::HashMap;

use anyhow::{Context, bail};
use chrono::Utc;
use entity::enums::OrganizationKind;
use entity::organization;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionSession, TransactionTrait,
};
use uuid::Uuid;

use super::OrgCode;
use crate::text;

/// One row of the list, converted: full-width kana and a kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceRow {
    pub code: String,
    pub name: String,
    pub name_kana: String,
    pub kind: OrganizationKind,
    /// The prefecture's code, for municipalities.
    pub prefecture_code: Option<String>,
}

/// The kind of a municipality from its name: 市 city, 町 town, 村 village, 区 special ward.
pub fn municipality_kind(name: &str) -> Option<OrganizationKind> {
    match name.chars().last()? {
        '市' => Some(OrganizationKind::City),
        '町' => Some(OrganizationKind::Town),
        '村' => Some(OrganizationKind::Village),
        '区' => Some(OrganizationKind::SpecialWard),
        _ => None,
    }
}

/// Parses the list. Every code must pass the check-digit rule; any bad row fails the whole
/// list, naming the line.
pub fn parse_code_list(csv_text: &str) -> anyhow::Result<Vec<ReferenceRow>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().context("the list has no header")?.clone();
    let expected = ["code", "prefecture", "city", "prefecture_kana", "city_kana"];
    if headers.iter().map(str::trim).collect::<Vec<_>>() != expected {
        bail!("the header must be {}", expected.join(","));
    }
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        let record = record.with_context(|| format!("line {line}: not CSV"))?;
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let code =
            OrgCode::parse("code", field(0)).map_err(|e| anyhow::anyhow!("line {line}: {e:?}"))?;
        if !code.is_local_government() {
            bail!("line {line}: {} is not a local government code", field(0));
        }
        let row = if field(2).is_empty() {
            ReferenceRow {
                code: code.as_str().to_owned(),
                name: field(1).to_owned(),
                name_kana: text::full_width_kana(field(3)),
                kind: OrganizationKind::Prefecture,
                prefecture_code: None,
            }
        } else {
            let name = field(2).to_owned();
            let kind = municipality_kind(&name)
                .with_context(|| format!("line {line}: cannot tell the kind of {name}"))?;
            ReferenceRow {
                code: code.as_str().to_owned(),
                kind,
                name_kana: text::full_width_kana(field(4)),
                name,
                prefecture_code: code.prefecture_code(),
            }
        };
        if row.name.is_empty() {
            bail!("line {line}: the name is empty");
        }
        rows.push(row);
    }
    Ok(rows)
}

/// What an import changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub inserted: usize,
    pub updated: usize,
}

/// Loads the rows into `organizations`: new codes are inserted, known ones get the list's
/// name, reading and kind. One transaction: a failure changes nothing.
pub async fn import<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    rows: &[ReferenceRow],
) -> anyhow::Result<ImportReport> {
    let txn = db.begin().await?;
    let existing: HashMap<String, organization::Model> = organization::Entity::find()
        .all(&txn)
        .await?
        .into_iter()
        .map(|o| (o.code.clone(), o))
        .collect();
    let mut ids: HashMap<String, Uuid> = existing.iter().map(|(c, o)| (c.clone(), o.id)).collect();
    let mut report = ImportReport::default();
    let now = Utc::now();
    let mut fresh = Vec::new();
    // Prefectures first, so municipalities can point at them.
    let (prefectures, municipalities): (Vec<&ReferenceRow>, Vec<&ReferenceRow>) = rows
        .iter()
        .partition(|r| r.kind == OrganizationKind::Prefecture);
    for row in prefectures.into_iter().chain(municipalities) {
        let prefecture_id = match &row.prefecture_code {
            Some(code) => Some(
                *ids.get(code)
                    .with_context(|| format!("{} names unknown prefecture {code}", row.code))?,
            ),
            None => None,
        };
        match existing.get(&row.code) {
            Some(current) => {
                if current.name != row.name
                    || current.name_kana != row.name_kana
                    || current.kind != row.kind
                    || current.prefecture_id != prefecture_id
                {
                    let mut active: organization::ActiveModel = current.clone().into();
                    active.name = Set(row.name.clone());
                    active.name_kana = Set(row.name_kana.clone());
                    active.search_key = Set(super::search_key(&row.name, &row.name_kana));
                    active.kind = Set(row.kind);
                    active.prefecture_id = Set(prefecture_id);
                    active.updated_at = Set(now);
                    active.update(&txn).await?;
                    report.updated += 1;
                }
            }
            None => {
                let id = Uuid::now_v7();
                ids.insert(row.code.clone(), id);
                fresh.push(organization::ActiveModel {
                    id: Set(id),
                    code: Set(row.code.clone()),
                    name: Set(row.name.clone()),
                    name_kana: Set(row.name_kana.clone()),
                    search_key: Set(super::search_key(&row.name, &row.name_kana)),
                    kind: Set(row.kind),
                    prefecture_id: Set(prefecture_id),
                    population: Set(None),
                    population_as_of: Set(None),
                    archived_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                });
            }
        }
    }
    report.inserted = fresh.len();
    // Prefectures were pushed first, so each batch only points at rows already inserted.
    let mut batch = Vec::new();
    for model in fresh {
        batch.push(model);
        if batch.len() == 200 {
            organization::Entity::insert_many(std::mem::take(&mut batch))
                .exec(&txn)
                .await?;
        }
    }
    if !batch.is_empty() {
        organization::Entity::insert_many(batch).exec(&txn).await?;
    }
    txn.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUNDLED: &str = include_str!("../seed/local_government_codes.csv");

    #[test]
    fn the_bundled_list_has_every_prefecture_and_municipality() {
        let rows = parse_code_list(BUNDLED).expect("bundled list parses");
        assert_eq!(rows.len(), 1788);
        let count = |k| rows.iter().filter(|r| r.kind == k).count();
        assert_eq!(count(OrganizationKind::Prefecture), 47);
        assert_eq!(count(OrganizationKind::City), 792);
        assert_eq!(count(OrganizationKind::Town), 743);
        assert_eq!(count(OrganizationKind::Village), 183);
        assert_eq!(count(OrganizationKind::SpecialWard), 23);
        let kanazawa = rows.iter().find(|r| r.code == "172014").expect("Kanazawa");
        assert_eq!(kanazawa.name, "金沢市");
        assert_eq!(kanazawa.name_kana, "カナザワシ");
        assert_eq!(kanazawa.prefecture_code.as_deref(), Some("170003"));
    }

    #[test]
    fn a_wrong_check_digit_fails_the_list_naming_the_line() {
        let text = "code,prefecture,city,prefecture_kana,city_kana\n010006,北海道,,ﾎｯｶｲﾄﾞｳ,\n011003,北海道,札幌市,ﾎｯｶｲﾄﾞｳ,ｻｯﾎﾟﾛｼ\n";
        let error = parse_code_list(text).expect_err("bad check digit");
        assert!(format!("{error}").contains("line 3"), "{error}");
    }

    #[test]
    fn kinds_come_from_the_name() {
        assert_eq!(municipality_kind("四日市市"), Some(OrganizationKind::City));
        assert_eq!(municipality_kind("東神楽町"), Some(OrganizationKind::Town));
        assert_eq!(
            municipality_kind("十津川村"),
            Some(OrganizationKind::Village)
        );
        assert_eq!(
            municipality_kind("千代田区"),
            Some(OrganizationKind::SpecialWard)
        );
        assert_eq!(municipality_kind("どこか"), None);
    }
}
