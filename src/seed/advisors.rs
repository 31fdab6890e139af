//! Demo data of the advisor area: Nara's talent bank, Kochi's pool of former municipal staff
//! and a national pool, thirty advisors with plainly made-up names, and dispatch requests of
//! Nara and Kochi municipalities in different states.
//!
//! Facts from the reference material (seed 002): Nara's bank sends advisors at most about
//! three times per organisation, on DX strategy, promotion structure, online procedures,
//! system standardisation, the digital divide, information security, the My Number card and
//! data use; Kochi's advisors are former municipal staff who know the prefecture, working
//! on the themes of its council's working groups. Names, affiliations, bios and contact
//! addresses are invented (`example.jp`). Development only.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use entity::advisor::{Contact, ModeList, PrefectureCodeList, ThemeList};
use entity::dispatch_request::{DateRange, DateRanges, IdList};
use entity::enums::{
    AdvisorKind, AdvisorTheme, AssignmentStatus, Audience, DispatchMode, DispatchStatus,
    OrganizationKind, VisitMode, VisitStatus,
};
use entity::{
    advisor, advisor_pool, dispatch_assignment, dispatch_quota_counter, dispatch_request,
    dispatch_visit, organization, user,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use uuid::Uuid;

use crate::advisors::{self, profiles};
use crate::fiscal;
use crate::i18n::Lang;

/// The national body that runs the national pool (a fictional organisation).
pub const NATIONAL_BODY_CODE: &str = "NATIONAL-DX";
/// The pool whose presence says the advisor demo data is loaded.
const NARA_POOL: &str = "奈良県地域デジタル人材バンク";

/// Creates the fictional national body that runs the national pool, if missing (before the
/// demo accounts, one of which belongs to it).
pub async fn ensure_organizations(db: &DatabaseConnection) -> anyhow::Result<()> {
    let exists = organization::Entity::find()
        .filter(organization::Column::Code.eq(NATIONAL_BODY_CODE))
        .one(db)
        .await?
        .is_some();
    if !exists {
        let now = Utc::now();
        let (name, kana) = (
            "全国地域DX支援センター（架空）",
            "ゼンコクチイキディーエックスシエンセンター",
        );
        organization::Entity::insert(organization::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(NATIONAL_BODY_CODE.to_owned()),
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
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Pool {
    Nara,
    Kochi,
    National,
}

/// One demo advisor: pool, name, reading, kind, affiliation, themes, modes, archived.
struct AdvisorSeed {
    pool: Pool,
    name: &'static str,
    kana: &'static str,
    kind: AdvisorKind,
    affiliation: &'static str,
    themes: &'static [AdvisorTheme],
    modes: &'static [VisitMode],
    archived: bool,
}

const BOTH: &[VisitMode] = &[VisitMode::Onsite, VisitMode::Online];
const ONSITE: &[VisitMode] = &[VisitMode::Onsite];
const ONLINE: &[VisitMode] = &[VisitMode::Online];

fn advisor_seeds() -> Vec<AdvisorSeed> {
    use AdvisorKind::*;
    use AdvisorTheme::*;
    let a = |pool, name, kana, kind, affiliation, themes, modes| AdvisorSeed {
        pool,
        name,
        kana,
        kind,
        affiliation,
        themes,
        modes,
        archived: false,
    };
    let (n, k, x) = (Pool::Nara, Pool::Kochi, Pool::National);
    let mut seeds = vec![
        a(
            n,
            "見本 一郎",
            "ミホン イチロウ",
            DxAdvisor,
            "見本システムズ株式会社（架空）",
            &[DxStrategy, PromotionStructure],
            BOTH,
        ),
        a(
            n,
            "見本 花子",
            "ミホン ハナコ",
            RegionalInformatizationAdvisor,
            "見本情報化研究所（架空）",
            &[OnlineProcedures, Bpr],
            BOTH,
        ),
        a(
            n,
            "試験 次郎",
            "シケン ジロウ",
            CioDeputy,
            "試験コンサルティング（架空）",
            &[SystemStandardization, GovernmentCloud],
            BOTH,
        ),
        a(
            n,
            "試験 桜",
            "シケン サクラ",
            ItCoordinator,
            "試験ITサポート（架空）",
            &[DigitalDivide, StaffDevelopment],
            ONSITE,
        ),
        a(
            n,
            "仮野 健",
            "カリノ ケン",
            PrivateExpert,
            "仮野セキュリティ（架空）",
            &[InformationSecurity],
            BOTH,
        ),
        a(
            n,
            "仮野 葵",
            "カリノ アオイ",
            Academic,
            "架空大学 情報学部",
            &[DataUse, DxStrategy],
            ONLINE,
        ),
        a(
            n,
            "架空 誠",
            "カクウ マコト",
            CorporateSecondee,
            "架空通信株式会社",
            &[MyNumberCard, OnlineProcedures],
            ONSITE,
        ),
        a(
            n,
            "架空 結衣",
            "カクウ ユイ",
            DxAdvisor,
            "架空デジタル合同会社",
            &[AiRpa, Bpr],
            ONLINE,
        ),
        a(
            n,
            "例田 翔",
            "レイダ ショウ",
            RegionalInformatizationAdvisor,
            "例田地域情報化事務所（架空）",
            &[PromotionStructure, StaffDevelopment],
            BOTH,
        ),
        a(
            n,
            "例田 陽菜",
            "レイダ ヒナ",
            PrivateExpert,
            "例田データラボ（架空）",
            &[DataUse, AiRpa],
            ONLINE,
        ),
        a(
            n,
            "模擬 大輔",
            "モギ ダイスケ",
            FormerMunicipalStaff,
            "元 架空市 情報政策課",
            &[SystemStandardization, MyNumberCard],
            ONSITE,
        ),
        a(
            n,
            "模擬 美咲",
            "モギ ミサキ",
            CioDeputy,
            "模擬クラウド研究会（架空）",
            &[InformationSecurity, GovernmentCloud],
            BOTH,
        ),
        a(
            n,
            "仮屋 悠斗",
            "カリヤ ユウト",
            ItCoordinator,
            "仮屋ITコーディネート（架空）",
            &[DigitalDivide, OnlineProcedures],
            ONSITE,
        ),
        a(
            n,
            "仮屋 彩",
            "カリヤ アヤ",
            Academic,
            "架空大学 公共政策研究科",
            &[DxStrategy, DataUse],
            ONLINE,
        ),
        a(
            k,
            "見立 茂",
            "ミタテ シゲル",
            FormerMunicipalStaff,
            "元 架空市 情報政策課長",
            &[SystemStandardization, InformationSecurity],
            BOTH,
        ),
        a(
            k,
            "見立 和子",
            "ミタテ カズコ",
            FormerMunicipalStaff,
            "元 架空町 総務課",
            &[Bpr, OnlineProcedures],
            BOTH,
        ),
        a(
            k,
            "試作 勝",
            "シサク マサル",
            FormerMunicipalStaff,
            "元 架空市 行政改革推進室",
            &[AiRpa, Bpr],
            ONSITE,
        ),
        a(
            k,
            "試作 恵",
            "シサク メグミ",
            FormerMunicipalStaff,
            "元 架空村 住民課",
            &[DigitalDivide, StaffDevelopment],
            ONSITE,
        ),
        a(
            k,
            "仮名 剛",
            "カメイ ツヨシ",
            FormerMunicipalStaff,
            "元 架空市 企画課",
            &[PromotionStructure, DxStrategy],
            BOTH,
        ),
        a(
            k,
            "仮名 律子",
            "カメイ リツコ",
            FormerMunicipalStaff,
            "元 架空町 情報管理係",
            &[InformationSecurity, GovernmentCloud],
            ONLINE,
        ),
        a(
            k,
            "例示 浩",
            "レイジ ヒロシ",
            FormerMunicipalStaff,
            "元 架空市 市民課",
            &[SystemStandardization, MyNumberCard],
            ONSITE,
        ),
        a(
            k,
            "例示 典子",
            "レイジ ノリコ",
            FormerMunicipalStaff,
            "元 架空町 人事係",
            &[StaffDevelopment, Bpr],
            BOTH,
        ),
        a(
            x,
            "標本 大和",
            "ヒョウホン ヤマト",
            RegionalInformatizationAdvisor,
            "標本総合研究所（架空）",
            &[DxStrategy, DataUse],
            BOTH,
        ),
        a(
            x,
            "標本 光",
            "ヒョウホン ヒカル",
            DxAdvisor,
            "標本AIラボ（架空）",
            &[AiRpa, DataUse],
            ONLINE,
        ),
        a(
            x,
            "雛形 拓海",
            "ヒナガタ タクミ",
            CioDeputy,
            "雛形クラウド株式会社（架空）",
            &[GovernmentCloud, SystemStandardization],
            BOTH,
        ),
        a(
            x,
            "雛形 真央",
            "ヒナガタ マオ",
            CorporateSecondee,
            "雛形ペイメント株式会社（架空）",
            &[OnlineProcedures, MyNumberCard],
            ONSITE,
        ),
        a(
            x,
            "試行 修",
            "シコウ オサム",
            PrivateExpert,
            "試行セキュリティ研究所（架空）",
            &[InformationSecurity],
            ONLINE,
        ),
        a(
            x,
            "試行 舞",
            "シコウ マイ",
            Academic,
            "架空大学 人材開発センター",
            &[StaffDevelopment, PromotionStructure],
            BOTH,
        ),
        a(
            x,
            "模範 隆",
            "モハン タカシ",
            ItCoordinator,
            "模範ITコーディネート（架空）",
            &[DigitalDivide, Bpr],
            ONSITE,
        ),
        a(
            x,
            "模範 静香",
            "モハン シズカ",
            DxAdvisor,
            "模範DXパートナーズ（架空）",
            &[DxStrategy, Bpr, StaffDevelopment],
            BOTH,
        ),
    ];
    // One advisor has left Nara's bank: archived, kept for the history.
    if let Some(s) = seeds.iter_mut().find(|s| s.name == "仮屋 彩") {
        s.archived = true;
    }
    seeds
}

/// A short bio in our own words, from the advisor's themes.
fn bio(seed: &AdvisorSeed) -> String {
    let themes: Vec<&str> = seed
        .themes
        .iter()
        .map(|t| advisors::theme_label(*t, Lang::Ja))
        .collect();
    format!(
        "{}を中心に、団体の規模や体制に合わせて、課題の整理から実行までを一緒に考えます。",
        themes.join("・")
    )
}

/// A Tokyo wall-clock time on the day `days` from `now`.
fn tokyo_at(now: DateTime<Utc>, days: i64, hour: u32) -> DateTime<Utc> {
    let day = advisors::today(now + Duration::days(days));
    advisors::start_of_day(day) + Duration::hours(i64::from(hour))
}

/// Loads the advisor area's demo data unless it is there already (one query when it is).
pub async fn ensure(db: &DatabaseConnection) -> anyhow::Result<()> {
    let loaded = advisor_pool::Entity::find()
        .filter(advisor_pool::Column::Name.eq(NARA_POOL))
        .one(db)
        .await?
        .is_some();
    if loaded {
        return Ok(());
    }
    let txn = db.begin().await?;
    load(&txn).await?;
    txn.commit().await?;
    Ok(())
}

async fn org_id(txn: &DatabaseTransaction, code: &str) -> anyhow::Result<Uuid> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Code.eq(code))
        .one(txn)
        .await?
        .with_context(|| format!("no organisation {code}"))?
        .id)
}

async fn user_id(txn: &DatabaseTransaction, email: &str) -> anyhow::Result<Uuid> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(txn)
        .await?
        .with_context(|| format!("no demo account {email}"))?
        .id)
}

fn pool_model(
    owner: Uuid,
    name: &str,
    description: &str,
    audience: Audience,
    window: Option<(i32, i32)>,
    now: DateTime<Utc>,
) -> advisor_pool::Model {
    advisor_pool::Model {
        id: Uuid::now_v7(),
        owner_organization_id: owner,
        name: name.to_owned(),
        description: Some(description.to_owned()),
        audience,
        council_id: None,
        visits_per_org_per_year: advisors::pools::DEFAULT_QUOTA,
        max_onsite_days: advisors::pools::DEFAULT_MAX_ONSITE_DAYS,
        max_online_hours: advisors::pools::DEFAULT_MAX_ONLINE_HOURS,
        requesters_may_name_advisors: true,
        application_deadline_day: window.map(|(_, deadline)| deadline),
        archived_at: None,
        created_at: now,
        updated_at: now,
        application_opens_day: window.map(|(opens, _)| opens),
    }
}

async fn load(txn: &DatabaseTransaction) -> anyhow::Result<()> {
    let now = Utc::now();
    let nara = org_id(txn, "290009").await?;
    let kochi = org_id(txn, "390003").await?;
    let national = org_id(txn, NATIONAL_BODY_CODE).await?;
    let nara_city = org_id(txn, "292010").await?;
    let kochi_city = org_id(txn, "392014").await?;
    let advisor_user = user_id(txn, "advisor@pref-nara.example.jp").await?;
    let nara_admin = user_id(txn, "admin@pref-nara.example.jp").await?;
    let kochi_admin = user_id(txn, "admin@pref-kochi.example.jp").await?;
    let national_admin = user_id(txn, "admin@national-dx.example.jp").await?;
    let nara_city_editor = user_id(txn, "editor@city-nara.example.jp").await?;
    let kochi_city_editor = user_id(txn, "editor@city-kochi.example.jp").await?;

    let pools = [
        (
            Pool::Nara,
            pool_model(
                nara,
                NARA_POOL,
                "県が民間などのデジタル人材を登録し、市町村や県、広域で活動する団体へアドバイザーとして派遣します。派遣は1団体あたり年度3回まで。",
                Audience::Prefecture,
                None,
                now,
            ),
        ),
        (
            Pool::Kochi,
            pool_model(
                kochi,
                "高知県デジタル化支援アドバイザー（自治体OB）",
                "県内の自治体で長く情報政策を担ってきたOBが、地域の事情を踏まえて市町村の課題解決に伴走します。",
                Audience::Prefecture,
                None,
                now,
            ),
        ),
        (
            Pool::National,
            pool_model(
                national,
                "全国地域DXアドバイザーネットワーク（架空）",
                "全国の自治体が利用できるアドバイザーの名簿です。申請は毎月1日から20日まで受け付けます。",
                Audience::Nationwide,
                Some((1, 20)),
                now,
            ),
        ),
    ];
    let pool_of: HashMap<Pool, advisor_pool::Model> =
        pools.iter().map(|(k, p)| (*k, p.clone())).collect();
    advisor_pool::Entity::insert_many(
        pools
            .into_iter()
            .map(|(_, p)| advisor_pool::ActiveModel::from(p)),
    )
    .exec_without_returning(txn)
    .await?;

    let mut advisor_ids: HashMap<&'static str, Uuid> = HashMap::new();
    let mut rows = Vec::new();
    for (n, seed) in advisor_seeds().iter().enumerate() {
        let pool = &pool_of[&seed.pool];
        let prefectures: Vec<String> = match seed.pool {
            Pool::Nara => vec!["290009".into()],
            Pool::Kochi => vec!["390003".into()],
            Pool::National => vec![],
        };
        let id = Uuid::now_v7();
        advisor_ids.insert(seed.name, id);
        rows.push(advisor::ActiveModel::from(advisor::Model {
            id,
            pool_id: pool.id,
            owner_organization_id: pool.owner_organization_id,
            // The first of Nara's advisors signs in as the demo advisor.
            user_id: (n == 0).then_some(advisor_user),
            name: seed.name.to_owned(),
            name_kana: Some(seed.kana.to_owned()),
            kind: seed.kind,
            affiliation: Some(seed.affiliation.to_owned()),
            themes: ThemeList(seed.themes.to_vec()),
            prefecture_codes: PrefectureCodeList(prefectures.clone()),
            modes: ModeList(seed.modes.to_vec()),
            bio: Some(bio(seed)),
            contact: Some(Contact {
                email: Some(format!("advisor{:02}@talent-bank.example.jp", n + 1)),
                phone: None,
                note: Some("平日の日中に連絡がつきます。".into()),
            }),
            audience: pool.audience,
            council_id: None,
            archived_at: seed.archived.then_some(now),
            created_at: now,
            updated_at: now,
            search_key: profiles::search_key(seed.name, Some(seed.kana), Some(seed.affiliation)),
            theme_mask: advisors::theme_mask(seed.themes),
            mode_mask: advisors::mode_mask(seed.modes),
            prefecture_mask: advisors::prefecture_mask(&prefectures),
            schedule_version: 0,
        }));
    }
    advisor::Entity::insert_many(rows)
        .exec_without_returning(txn)
        .await?;
    let advisor = |name: &str| advisor_ids.get(name).copied().context("demo advisor");

    let requests = vec![
        DemoRequest {
            requester: nara_city,
            submitted_by: nara_city_editor,
            pool: Pool::Nara,
            themes: &[AdvisorTheme::DxStrategy, AdvisorTheme::PromotionStructure],
            problem: "初めてDX推進計画をつくるにあたり、庁内の推進体制のあり方と計画の骨子について助言がほしい。",
            mode: DispatchMode::Onsite,
            wished: (-90, -70),
            status: DispatchStatus::Closed,
            decided_by: Some(nara_admin),
            advisors: vec![(advisor("見本 一郎")?, AssignmentStatus::Assigned)],
            visits: vec![
                (-75, 10, 16, VisitMode::Onsite),
                (-74, 10, 15, VisitMode::Onsite),
            ],
            report: Some((
                advisor_user,
                "幹部向け勉強会と担当課ヒアリングを実施し、推進本部の設置と計画骨子の案を示した。次年度は分野別の実行計画づくりが課題。",
            )),
            feedback: Some((5, "庁内の合意形成の進め方まで具体的に示してもらえた。")),
            decline_reason: None,
        },
        DemoRequest {
            requester: nara_city,
            submitted_by: nara_city_editor,
            pool: Pool::Nara,
            themes: &[AdvisorTheme::OnlineProcedures, AdvisorTheme::Bpr],
            problem: "子育て関連の申請をオンライン化したいが、紙の様式と決裁の流れが複雑で、どこから見直すべきか分からない。",
            mode: DispatchMode::Onsite,
            wished: (14, 35),
            status: DispatchStatus::Approved,
            decided_by: Some(nara_admin),
            advisors: vec![(advisor("見本 一郎")?, AssignmentStatus::Assigned)],
            visits: vec![(21, 13, 17, VisitMode::Onsite)],
            report: None,
            feedback: None,
            decline_reason: None,
        },
        DemoRequest {
            requester: nara_city,
            submitted_by: nara_city_editor,
            pool: Pool::Nara,
            themes: &[AdvisorTheme::InformationSecurity],
            problem: "情報セキュリティポリシーの改定と、職員向けの標的型メール訓練の進め方を相談したい。",
            mode: DispatchMode::Hybrid,
            wished: (30, 45),
            status: DispatchStatus::Submitted,
            decided_by: None,
            advisors: vec![],
            visits: vec![],
            report: None,
            feedback: None,
            decline_reason: None,
        },
        DemoRequest {
            requester: kochi_city,
            submitted_by: kochi_city_editor,
            pool: Pool::Kochi,
            themes: &[AdvisorTheme::SystemStandardization],
            problem: "基幹業務システムの標準化に向けて、移行スケジュールと庁内の役割分担を点検してほしい。",
            mode: DispatchMode::Onsite,
            wished: (20, 60),
            status: DispatchStatus::Proposed,
            decided_by: None,
            advisors: vec![
                (advisor("見立 茂")?, AssignmentStatus::Proposed),
                (advisor("例示 浩")?, AssignmentStatus::Proposed),
            ],
            visits: vec![],
            report: None,
            feedback: None,
            decline_reason: None,
        },
        DemoRequest {
            requester: kochi_city,
            submitted_by: kochi_city_editor,
            pool: Pool::Kochi,
            themes: &[AdvisorTheme::Bpr, AdvisorTheme::OnlineProcedures],
            problem: "窓口業務の書面・押印・対面の見直しを進めたいが、各課の業務の洗い出しが進まない。",
            mode: DispatchMode::Onsite,
            wished: (-30, -15),
            status: DispatchStatus::Reported,
            decided_by: Some(kochi_admin),
            advisors: vec![(advisor("見立 和子")?, AssignmentStatus::Assigned)],
            visits: vec![(-20, 9, 12, VisitMode::Onsite)],
            report: Some((
                kochi_admin,
                "業務の棚卸しシートを使ったワークショップを行い、押印を廃止できる手続を3課で洗い出した。",
            )),
            feedback: None,
            decline_reason: None,
        },
        DemoRequest {
            requester: kochi_city,
            submitted_by: kochi_city_editor,
            pool: Pool::National,
            themes: &[AdvisorTheme::AiRpa],
            problem: "AI議事録作成ツールの導入を検討しており、他団体の活用状況と評価の観点を知りたい。",
            mode: DispatchMode::Online,
            wished: (10, 20),
            status: DispatchStatus::Declined,
            decided_by: Some(national_admin),
            advisors: vec![],
            visits: vec![],
            report: None,
            feedback: None,
            decline_reason: Some(
                "希望の時期は派遣の予定が埋まっているため、次の受付期間に改めてご相談ください。",
            ),
        },
        DemoRequest {
            requester: nara_city,
            submitted_by: nara_city_editor,
            pool: Pool::National,
            themes: &[AdvisorTheme::DataUse],
            problem: "オープンデータの公開方針づくりについて相談したい。",
            mode: DispatchMode::Online,
            wished: (40, 50),
            status: DispatchStatus::Cancelled,
            decided_by: None,
            advisors: vec![],
            visits: vec![],
            report: None,
            feedback: None,
            decline_reason: None,
        },
    ];
    let mut counters: HashMap<(Uuid, Uuid, i32), i32> = HashMap::new();
    for demo in requests {
        let pool = &pool_of[&demo.pool];
        if let Some(key) = demo.insert(txn, pool, now).await? {
            *counters.entry(key).or_default() += 1;
        }
    }
    for ((pool_id, organization_id, fiscal_year), used) in counters {
        dispatch_quota_counter::Entity::insert(dispatch_quota_counter::ActiveModel {
            pool_id: Set(pool_id),
            organization_id: Set(organization_id),
            fiscal_year: Set(fiscal_year),
            used: Set(used),
            updated_at: Set(now),
        })
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

/// A demo request; days are counted from today, hours are Tokyo time.
struct DemoRequest {
    requester: Uuid,
    submitted_by: Uuid,
    pool: Pool,
    themes: &'static [AdvisorTheme],
    problem: &'static str,
    mode: DispatchMode,
    wished: (i64, i64),
    status: DispatchStatus,
    decided_by: Option<Uuid>,
    advisors: Vec<(Uuid, AssignmentStatus)>,
    /// Day, start hour, end hour, mode.
    visits: Vec<(i64, u32, u32, VisitMode)>,
    report: Option<(Uuid, &'static str)>,
    feedback: Option<(i32, &'static str)>,
    decline_reason: Option<&'static str>,
}

impl DemoRequest {
    /// Inserts the request with its assignments and visits; returns the quota counter it
    /// holds a place in, if it does.
    async fn insert(
        self,
        txn: &DatabaseTransaction,
        pool: &advisor_pool::Model,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<(Uuid, Uuid, i32)>> {
        use DispatchStatus::*;
        let id = Uuid::now_v7();
        let day = |d: i64| advisors::today(now + Duration::days(d));
        let spans: Vec<(DateTime<Utc>, DateTime<Utc>, VisitMode)> = self
            .visits
            .iter()
            .map(|(d, from, to, mode)| (tokyo_at(now, *d, *from), tokyo_at(now, *d, *to), *mode))
            .collect();
        let first_visit = spans.iter().map(|s| s.0).min();
        let last_visit_end = spans.iter().map(|s| s.1).max();
        let counted = matches!(self.status, Approved | Completed | Reported | Closed);
        let fiscal_year = match first_visit {
            Some(at) if counted => fiscal::of_instant(at),
            _ => fiscal::of_date(day(self.wished.0)),
        };
        let held = matches!(self.status, Completed | Reported | Closed);
        // Submitted two weeks before the first wished day, and never in the future.
        let created = now + Duration::days((self.wished.0 - 14).min(-1));
        dispatch_request::Entity::insert(dispatch_request::ActiveModel::from(
            dispatch_request::Model {
                id,
                requester_organization_id: self.requester,
                pool_id: pool.id,
                submitted_by_user_id: self.submitted_by,
                themes: ThemeList(self.themes.to_vec()),
                problem: self.problem.to_owned(),
                desired_outcome: None,
                wished_dates: DateRanges(vec![DateRange {
                    from: day(self.wished.0),
                    to: day(self.wished.1),
                }]),
                mode: self.mode,
                visits_requested: i32::try_from(self.visits.len().max(1)).unwrap_or(1),
                onsite_days_requested: None,
                online_hours_requested: None,
                preferred_advisor_ids: IdList(vec![]),
                status: self.status,
                fiscal_year: Some(fiscal_year),
                decision_reason: self.decline_reason.map(str::to_owned),
                decided_by_user_id: self.decided_by,
                decided_at: self
                    .decided_by
                    .map(|_| (created + Duration::days(3)).min(now)),
                report: self.report.map(|(_, text)| text.to_owned()),
                reported_by_user_id: self.report.map(|(by, _)| by),
                reported_at: self
                    .report
                    .and(last_visit_end)
                    .map(|t| t + Duration::days(2)),
                feedback_rating: self.feedback.map(|(rating, _)| rating),
                feedback_comment: self.feedback.map(|(_, text)| text.to_owned()),
                closed_at: self
                    .feedback
                    .and(last_visit_end)
                    .map(|t| t + Duration::days(5)),
                cancelled_at: (self.status == Cancelled).then_some(now),
                created_at: created,
                updated_at: now,
                first_visit_at: first_visit,
                last_visit_ends_at: last_visit_end,
                quota_counted: counted,
                completed_at: held.then_some(last_visit_end).flatten(),
                cancel_reason: (self.status == Cancelled)
                    .then(|| "庁内で方針を再検討することになったため取り下げます。".to_owned()),
            },
        ))
        .exec_without_returning(txn)
        .await?;
        let mut assignments = Vec::new();
        let mut visits = Vec::new();
        for (advisor_id, status) in &self.advisors {
            assignments.push(dispatch_assignment::ActiveModel {
                id: Set(Uuid::now_v7()),
                dispatch_request_id: Set(id),
                advisor_id: Set(*advisor_id),
                status: Set(*status),
                preference_rank: Set(None),
                decline_reason: Set(None),
                created_at: Set(created),
                updated_at: Set(now),
            });
            if *status == AssignmentStatus::Assigned {
                for (starts_at, ends_at, mode) in &spans {
                    visits.push(dispatch_visit::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        dispatch_request_id: Set(id),
                        advisor_id: Set(*advisor_id),
                        starts_at: Set(*starts_at),
                        ends_at: Set(*ends_at),
                        mode: Set(*mode),
                        status: Set(if held {
                            VisitStatus::Held
                        } else {
                            VisitStatus::Scheduled
                        }),
                        created_at: Set(created),
                        updated_at: Set(now),
                    });
                }
            }
        }
        if !assignments.is_empty() {
            dispatch_assignment::Entity::insert_many(assignments)
                .exec_without_returning(txn)
                .await?;
        }
        if !visits.is_empty() {
            dispatch_visit::Entity::insert_many(visits)
                .exec_without_returning(txn)
                .await?;
        }
        Ok(counted.then_some((pool.id, self.requester, fiscal_year)))
    }
}
