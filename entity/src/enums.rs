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

// ---------------------------------------------------------------------------------------------
// Case studies and search
// ---------------------------------------------------------------------------------------------

/// 人口規模: the population band a case is compared by, as the Ministry's case sheets give it.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PopulationBand {
    /// 1万人未満: fewer than 10,000 people.
    #[sea_orm(string_value = "UNDER_10K")]
    #[graphql(name = "UNDER_10K")]
    #[serde(rename = "UNDER_10K")]
    Under10K,
    /// 1万人以上5万人未満: 10,000 to 49,999.
    #[sea_orm(string_value = "FROM_10K_TO_50K")]
    #[graphql(name = "FROM_10K_TO_50K")]
    #[serde(rename = "FROM_10K_TO_50K")]
    From10KTo50K,
    /// 5万人以上10万人未満: 50,000 to 99,999.
    #[sea_orm(string_value = "FROM_50K_TO_100K")]
    #[graphql(name = "FROM_50K_TO_100K")]
    #[serde(rename = "FROM_50K_TO_100K")]
    From50KTo100K,
    /// 10万人以上30万人未満: 100,000 to 299,999.
    #[sea_orm(string_value = "FROM_100K_TO_300K")]
    #[graphql(name = "FROM_100K_TO_300K")]
    #[serde(rename = "FROM_100K_TO_300K")]
    From100KTo300K,
    /// 30万人以上: 300,000 or more.
    #[sea_orm(string_value = "OVER_300K")]
    #[graphql(name = "OVER_300K")]
    #[serde(rename = "OVER_300K")]
    Over300K,
}

impl PopulationBand {
    /// The band of a population figure.
    pub fn of(population: i64) -> Self {
        match population {
            ..10_000 => Self::Under10K,
            10_000..50_000 => Self::From10KTo50K,
            50_000..100_000 => Self::From50KTo100K,
            100_000..300_000 => Self::From100KTo300K,
            _ => Self::Over300K,
        }
    }
}

/// 段階: how far the initiative a case describes has come.
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
pub enum CaseStage {
    /// 計画中: planned, not started.
    #[sea_orm(string_value = "PLANNED")]
    Planned,
    /// 試行中: piloted in part of the organisation.
    #[sea_orm(string_value = "PILOT")]
    Pilot,
    /// 運用中: in regular operation.
    #[sea_orm(string_value = "OPERATING")]
    Operating,
    /// 終了: stopped (the case says why).
    #[sea_orm(string_value = "DISCONTINUED")]
    Discontinued,
}

/// 公開状態: where a case study is in its life.
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
pub enum CaseStatus {
    /// 下書き: seen only by the owner organisation.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// 公開: seen by its audience.
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    /// 公開終了: withdrawn; kept, read-only, seen only by the owner organisation.
    #[sea_orm(string_value = "ARCHIVED")]
    Archived,
}

/// The kinds of records the cross-resource search finds.
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
pub enum SearchKind {
    /// 事例: case studies.
    #[sea_orm(string_value = "CASE_STUDY")]
    CaseStudy,
    /// 共同研修: joint courses.
    #[sea_orm(string_value = "COURSE")]
    Course,
    /// アドバイザー: advisors.
    #[sea_orm(string_value = "ADVISOR")]
    Advisor,
}

// ---------------------------------------------------------------------------------------
// Advisor pools and dispatch (人材バンク・派遣)
// ---------------------------------------------------------------------------------------

/// 支援テーマ: what an advisor helps with and what a dispatch request asks about.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdvisorTheme {
    /// DX戦略・方針の策定: DX strategy and policy.
    #[sea_orm(string_value = "DX_STRATEGY")]
    DxStrategy,
    /// 推進体制の整備: the structure that drives DX.
    #[sea_orm(string_value = "PROMOTION_STRUCTURE")]
    PromotionStructure,
    /// 行政手続の電子化: online administrative procedures.
    #[sea_orm(string_value = "ONLINE_PROCEDURES")]
    OnlineProcedures,
    /// システムの標準化・共通化: standardisation of core systems.
    #[sea_orm(string_value = "SYSTEM_STANDARDIZATION")]
    SystemStandardization,
    /// ガバメントクラウド: the government cloud.
    #[sea_orm(string_value = "GOVERNMENT_CLOUD")]
    GovernmentCloud,
    /// デジタルデバイド対策: the digital divide.
    #[sea_orm(string_value = "DIGITAL_DIVIDE")]
    DigitalDivide,
    /// 情報セキュリティ: information security.
    #[sea_orm(string_value = "INFORMATION_SECURITY")]
    InformationSecurity,
    /// マイナンバーカードの利活用: use of the My Number card.
    #[sea_orm(string_value = "MY_NUMBER_CARD")]
    MyNumberCard,
    /// データの利活用: data use.
    #[sea_orm(string_value = "DATA_USE")]
    DataUse,
    /// AI・RPA.
    #[sea_orm(string_value = "AI_RPA")]
    AiRpa,
    /// BPR: business process re-engineering (書面・押印・対面の見直し).
    #[sea_orm(string_value = "BPR")]
    Bpr,
    /// 人材育成: developing staff.
    #[sea_orm(string_value = "STAFF_DEVELOPMENT")]
    StaffDevelopment,
}

/// アドバイザーの区分: where an advisor comes from.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AdvisorKind {
    /// 地域情報化アドバイザー: the Ministry's regional informatisation advisor.
    #[sea_orm(string_value = "REGIONAL_INFORMATIZATION_ADVISOR")]
    RegionalInformatizationAdvisor,
    /// DXアドバイザー.
    #[sea_orm(string_value = "DX_ADVISOR")]
    DxAdvisor,
    /// 地域活性化起業人: a corporate secondee.
    #[sea_orm(string_value = "CORPORATE_SECONDEE")]
    CorporateSecondee,
    /// 自治体OB: former municipal staff.
    #[sea_orm(string_value = "FORMER_MUNICIPAL_STAFF")]
    FormerMunicipalStaff,
    /// CIO補佐官: a CIO deputy.
    #[sea_orm(string_value = "CIO_DEPUTY")]
    CioDeputy,
    /// ITコーディネータ: an IT coordinator.
    #[sea_orm(string_value = "IT_COORDINATOR")]
    ItCoordinator,
    /// 学識経験者: an academic.
    #[sea_orm(string_value = "ACADEMIC")]
    Academic,
    /// 民間専門家: a private-sector expert.
    #[sea_orm(string_value = "PRIVATE_EXPERT")]
    PrivateExpert,
}

/// 派遣形態: how one visit is held.
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
pub enum VisitMode {
    /// 現地: on site.
    #[sea_orm(string_value = "ONSITE")]
    Onsite,
    /// オンライン: online.
    #[sea_orm(string_value = "ONLINE")]
    Online,
}

/// 希望する派遣形態: how a request wants its visits held.
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
pub enum DispatchMode {
    /// 現地のみ: on site only.
    #[sea_orm(string_value = "ONSITE")]
    Onsite,
    /// オンラインのみ: online only.
    #[sea_orm(string_value = "ONLINE")]
    Online,
    /// 併用: some visits on site, some online.
    #[sea_orm(string_value = "HYBRID")]
    Hybrid,
}

/// 派遣依頼の状態: where a dispatch request is in its workflow.
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
pub enum DispatchStatus {
    /// 申請済み: waiting for the pool's decision.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    /// 候補提示: the pool proposed candidates; the requester may rank them.
    #[sea_orm(string_value = "PROPOSED")]
    Proposed,
    /// 派遣決定: advisors assigned and visits scheduled.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// 不承認: declined by the pool, with a reason.
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// 実施済み: the visits were held.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// 報告済み: the report is filed.
    #[sea_orm(string_value = "REPORTED")]
    Reported,
    /// 完了: the requester gave feedback.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// 取下げ: cancelled by the requester before the first visit.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// An advisor's part in a dispatch request.
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
pub enum AssignmentStatus {
    /// 候補: proposed by the pool for the requester to rank.
    #[sea_orm(string_value = "PROPOSED")]
    Proposed,
    /// 派遣決定: assigned to the dispatch.
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    /// 辞退: the advisor declined the assignment.
    #[sea_orm(string_value = "DECLINED")]
    Declined,
    /// 取消: no longer part of the request (not chosen, or the plan was withdrawn).
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// The state of one scheduled visit.
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
pub enum VisitStatus {
    /// 予定: booked.
    #[sea_orm(string_value = "SCHEDULED")]
    Scheduled,
    /// 実施: held.
    #[sea_orm(string_value = "HELD")]
    Held,
    /// 中止: cancelled; frees the advisor's time.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

// ---------------------------------------------------------------------------------------------
// Courses (共同研修) and enrolment (受講)
// ---------------------------------------------------------------------------------------------

/// 研修の状態: where a course is in its life. `DRAFT` → `PUBLISHED` → `COMPLETED`, or
/// `CANCELLED` from either of the first two.
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
pub enum CourseStatus {
    /// 作成中: seen only by the host's editors and admins.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// 募集中・実施中: shared with its audience; takes enrolments inside its window.
    #[sea_orm(string_value = "PUBLISHED")]
    Published,
    /// 終了: held; the host records completions.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// 中止: called off; every open enrolment was cancelled.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
}

/// 研修形式: how a course is taught.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CourseFormat {
    /// 講義: a lecture.
    #[sea_orm(string_value = "LECTURE")]
    Lecture,
    /// ワークショップ.
    #[sea_orm(string_value = "WORKSHOP")]
    Workshop,
    /// 演習・ハンズオン: hands-on exercises with the tools.
    #[sea_orm(string_value = "HANDS_ON")]
    HandsOn,
    /// eラーニング.
    #[sea_orm(string_value = "E_LEARNING")]
    ELearning,
    /// オンデマンド動画: recorded talks watched when convenient.
    #[sea_orm(string_value = "ON_DEMAND_VIDEO")]
    OnDemandVideo,
    /// プロジェクト型: a programme built around real improvement projects.
    #[sea_orm(string_value = "PROJECT_BASED")]
    ProjectBased,
}

/// 職層: the job grade a course targets or a participant holds.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobGrade {
    /// 管理職: managers and executives.
    #[sea_orm(string_value = "MANAGEMENT")]
    Management,
    /// 中堅職員: mid-level staff.
    #[sea_orm(string_value = "MID_LEVEL")]
    MidLevel,
    /// 一般職員: general staff.
    #[sea_orm(string_value = "GENERAL_STAFF")]
    GeneralStaff,
    /// 新規採用職員: new hires.
    #[sea_orm(string_value = "NEW_HIRE")]
    NewHire,
    /// デジタル推進リーダー: digital promotion leaders.
    #[sea_orm(string_value = "DIGITAL_PROMOTION_LEADER")]
    DigitalPromotionLeader,
}

/// スキル領域: what a course teaches.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SkillArea {
    /// デジタルリテラシー: digital basics for everyone.
    #[sea_orm(string_value = "DIGITAL_LITERACY")]
    DigitalLiteracy,
    /// DX戦略: strategy, plans and the legal and policy landscape.
    #[sea_orm(string_value = "DX_STRATEGY")]
    DxStrategy,
    /// データ利活用: data use, visualisation, open data, EBPM.
    #[sea_orm(string_value = "DATA_USE")]
    DataUse,
    /// BPR: business process re-engineering.
    #[sea_orm(string_value = "BPR")]
    Bpr,
    /// RPA: robotic process automation.
    #[sea_orm(string_value = "RPA")]
    Rpa,
    /// 情報セキュリティ・インシデント対応.
    #[sea_orm(string_value = "SECURITY")]
    Security,
    /// サービスデザイン.
    #[sea_orm(string_value = "SERVICE_DESIGN")]
    ServiceDesign,
    /// ノーコード・ローコード.
    #[sea_orm(string_value = "NO_CODE_LOW_CODE")]
    NoCodeLowCode,
    /// AI・生成AI.
    #[sea_orm(string_value = "AI")]
    Ai,
    /// プロジェクトマネジメント.
    #[sea_orm(string_value = "PROJECT_MANAGEMENT")]
    ProjectManagement,
    /// システム標準化・行政手続の電子化.
    #[sea_orm(string_value = "SYSTEM_STANDARDIZATION")]
    SystemStandardization,
    /// ITパスポート試験対策.
    #[sea_orm(string_value = "IT_PASSPORT")]
    ItPassport,
}

/// 費用負担の方法: how a course's cost is shared among participating organisations.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FeeRule {
    /// 無料.
    #[sea_orm(string_value = "FREE")]
    Free,
    /// 受講者1人あたりの受講料: `feeAmount` yen per participant.
    #[sea_orm(string_value = "PER_PARTICIPANT")]
    PerParticipant,
    /// 総額を受講者数で按分: a fixed total of `feeAmount` yen, split by head count.
    #[sea_orm(string_value = "SPLIT_BY_HEADCOUNT")]
    SplitByHeadcount,
    /// 総額を参加団体で均等割: a fixed total of `feeAmount` yen, split evenly among the
    /// participating organisations.
    #[sea_orm(string_value = "SPLIT_EVENLY")]
    SplitEvenly,
}

/// 受講状況: where one participant stands in a course.
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
pub enum EnrollmentStatus {
    /// 受講決定: holds a seat.
    #[sea_orm(string_value = "ENROLLED")]
    Enrolled,
    /// キャンセル待ち: in line for a seat, first come first served.
    #[sea_orm(string_value = "WAITLISTED")]
    Waitlisted,
    /// 繰り上げ通知中: a freed seat is held for this participant until the claim deadline.
    #[sea_orm(string_value = "OFFERED")]
    Offered,
    /// 取消し: withdrawn, offer lapsed, or the course was called off.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    /// 修了: completed, with hours and date.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// 欠席: held a seat and did not attend.
    #[sea_orm(string_value = "NO_SHOW")]
    NoShow,
}

/// 取消し理由: why an enrolment was cancelled.
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
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CancellationReason {
    /// The participant or their coordinator withdrew (or the host removed them).
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    /// An offered seat was not claimed before its deadline and passed to the next in line.
    #[sea_orm(string_value = "OFFER_EXPIRED")]
    OfferExpired,
    /// The host called the course off.
    #[sea_orm(string_value = "COURSE_CANCELLED")]
    CourseCancelled,
    /// The course was completed while this participant was still waiting.
    #[sea_orm(string_value = "COURSE_COMPLETED")]
    CourseCompleted,
}
