//! Domain enums stored as short SCREAMING_SNAKE_CASE strings and exposed as
//! GraphQL enums.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// 団体区分: the kind of an organisation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrganizationKind {
    /// 都道府県: a prefecture.
    #[sea_orm(string_value = "PREFECTURE")]
    Prefecture,
    /// 市: a city.
    #[sea_orm(string_value = "CITY")]
    City,
    /// 町: a town.
    #[sea_orm(string_value = "TOWN")]
    Town,
    /// 村: a village.
    #[sea_orm(string_value = "VILLAGE")]
    Village,
    /// 特別区: one of Tokyo's special wards.
    #[sea_orm(string_value = "SPECIAL_WARD")]
    SpecialWard,
    /// 国の機関: a national government body.
    #[sea_orm(string_value = "NATIONAL")]
    National,
    /// 連携団体: a partner organisation outside local government.
    #[sea_orm(string_value = "PARTNER")]
    Partner,
}

/// 公開範囲: who may see a record, from narrowest to widest.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Audience {
    /// 非公開: only the owning organisation.
    #[sea_orm(string_value = "PRIVATE")]
    Private,
    /// 県内: organisations in the owner's prefecture.
    #[sea_orm(string_value = "PREFECTURE")]
    Prefecture,
    /// 協議会内: members of the linked council.
    #[sea_orm(string_value = "COUNCIL")]
    Council,
    /// 全国: every signed-in organisation.
    #[sea_orm(string_value = "NATIONWIDE")]
    Nationwide,
    /// 一般公開: anyone, without signing in.
    #[sea_orm(string_value = "PUBLIC")]
    Public,
}

/// 権限: a role a user holds within their organisation.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// 運営者: operates the whole service.
    #[sea_orm(string_value = "OPERATOR")]
    Operator,
    /// 管理者: administers their organisation's users and settings.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
    /// 編集者: creates and edits their organisation's records.
    #[sea_orm(string_value = "EDITOR")]
    Editor,
    /// 一般職員: reads records and makes requests.
    #[sea_orm(string_value = "MEMBER")]
    Member,
    /// アドバイザー: an advisor signing in to manage their own dispatches.
    #[sea_orm(string_value = "ADVISOR")]
    Advisor,
}

/// 協議会区分: the kind of a council.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CouncilKind {
    /// 協議会: a council of organisations.
    #[sea_orm(string_value = "COUNCIL")]
    Council,
    /// 部会: a subcommittee of a council.
    #[sea_orm(string_value = "SUBCOMMITTEE")]
    Subcommittee,
    /// ワーキンググループ: a working group of a council.
    #[sea_orm(string_value = "WORKING_GROUP")]
    WorkingGroup,
    /// 共同処理: a body for joint processing of affairs (e.g. a 一部事務組合).
    #[sea_orm(string_value = "JOINT_PROCESSING")]
    JointProcessing,
}

/// 協議会での役割: an organisation's role in a council.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    async_graphql::Enum,
    Serialize,
    Deserialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CouncilMemberRole {
    /// 会長: chairs the council.
    #[sea_orm(string_value = "CHAIR")]
    Chair,
    /// 構成団体: an ordinary member.
    #[sea_orm(string_value = "MEMBER")]
    Member,
    /// 事務局: runs the council's secretariat.
    #[sea_orm(string_value = "SECRETARIAT")]
    Secretariat,
}
