//! Hashtag keywords (#OJT(職場内訓練), #DXアドバイザーの活用, …): one row per keyword in its
//! normalised form, so that the same keyword typed differently is one keyword.

use chrono::Utc;
use entity::{case_study_keyword, keyword};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::error::{AppError, AppResult, Invalid};
use crate::text;

/// Longest keyword, in characters.
pub const MAX_LENGTH: usize = 50;
/// Most keywords on one case.
pub const MAX_PER_CASE: usize = 20;

/// The normalised form two spellings of one keyword share: NFKC (full-width brackets and
/// letters become ASCII), kana folded, lower case, without the leading `#` and without
/// spaces. `#OJT(職場内訓練)` and `OJT（職場内訓練）` are both `ojt(職場内訓練)`.
pub fn normalise(raw: &str) -> String {
    text::fold(raw)
        .trim_start_matches('#')
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The keyword as shown: as written, without the leading `#` and surrounding spaces.
pub fn label(raw: &str) -> String {
    raw.trim().trim_start_matches(['#', '＃']).trim().to_owned()
}

/// Checks keyword input; returns (normalised name, label) pairs without duplicates.
pub fn parse(field: &str, raw: &[String]) -> AppResult<Vec<(String, String)>> {
    if raw.len() > MAX_PER_CASE {
        return Err(AppError::invalid(
            field,
            Invalid::Range {
                min: 0,
                max: MAX_PER_CASE as i64,
            },
        ));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, keyword) in raw.iter().enumerate() {
        let item = format!("{field}[{i}]");
        text::check_line(&item, keyword, MAX_LENGTH)?;
        let name = normalise(keyword);
        if name.is_empty() {
            return Err(AppError::invalid(item, Invalid::Empty));
        }
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, label(keyword)));
        }
    }
    Ok(out)
}

/// Sets the keywords of a case: creates the ones that are new (concurrent creators of the
/// same keyword meet in one row) and replaces the case's links.
pub async fn set<C: ConnectionTrait>(
    db: &C,
    case_study_id: Uuid,
    keywords: &[(String, String)],
) -> AppResult<Vec<keyword::Model>> {
    case_study_keyword::Entity::delete_many()
        .filter(case_study_keyword::Column::CaseStudyId.eq(case_study_id))
        .exec(db)
        .await?;
    if keywords.is_empty() {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    keyword::Entity::insert_many(keywords.iter().map(|(name, label)| keyword::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.clone()),
        label: Set(label.clone()),
        created_at: Set(now),
    }))
    .on_conflict(
        OnConflict::column(keyword::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let rows = keyword::Entity::find()
        .filter(keyword::Column::Name.is_in(keywords.iter().map(|(n, _)| n.clone())))
        .all(db)
        .await?;
    case_study_keyword::Entity::insert_many(rows.iter().map(|k| case_study_keyword::ActiveModel {
        case_study_id: Set(case_study_id),
        keyword_id: Set(k.id),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_keyword_however_it_is_typed() {
        assert_eq!(
            normalise("#OJT(職場内訓練)"),
            normalise("OJT（職場内訓練）")
        );
        assert_eq!(normalise("#OJT(職場内訓練)"), "ojt(職場内訓練)");
        assert_eq!(normalise("# ITパスポート"), normalise("ＩＴパスポート"));
        assert_eq!(
            normalise("＃DX アドバイザーの活用"),
            normalise("#DXアドバイザーの活用")
        );
        assert_ne!(normalise("#OJT"), normalise("#Off-JT"));
        assert_eq!(label("  #OJT(職場内訓練) "), "OJT(職場内訓練)");
        assert_eq!(label("＃人事交流"), "人事交流");
    }

    #[test]
    fn keyword_input_is_checked_and_deduplicated() {
        let raw = vec![
            "#OJT(職場内訓練)".to_owned(),
            "OJT（職場内訓練）".to_owned(),
        ];
        let parsed = parse("input.keywords", &raw).expect("parsed");
        assert_eq!(
            parsed,
            vec![("ojt(職場内訓練)".to_owned(), "OJT(職場内訓練)".to_owned())]
        );
        assert!(parse("input.keywords", &["#".to_owned()]).is_err());
        assert!(parse("input.keywords", &["a\u{0}".to_owned()]).is_err());
        assert!(parse("input.keywords", &vec!["x".to_owned(); 21]).is_err());
    }
}
