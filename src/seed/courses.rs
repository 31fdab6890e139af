//! Demo courses and enrolments, after the reference material: Kanazawa's digital
//! administration leader programme (seed 000: May to November, about 120 hours, 20 people),
//! the Nara regional digitalisation council's courses (seed 002: security basics for new
//! staff of the prefecture and its municipalities, a special course for executives, the
//! second subcommittee's AI and RPA workshops), data-use courses per job grade in the style
//! of Tsukuba and an IT Passport course in the style of Kasama (seed 002), and enrolments
//! in every status. Texts are written for the demo; participants are fictional.
//!
//! Dates follow the current fiscal year, so the demo always has courses open for enrolment,
//! courses under way and courses completed last year.

use std::collections::HashMap;

use anyhow::Context;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use entity::enums::{
    Audience, CancellationReason, CourseFormat, CourseStatus, EnrollmentStatus, FeeRule, JobGrade,
    SkillArea,
};
use entity::{
    council, course, course_co_host, course_organization_seat, course_session, enrollment,
    organization, user,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    Set, TransactionTrait,
};
use uuid::Uuid;

use crate::courses::catalogue::CourseSettings;
use crate::courses::enrolment::staff_key;
use crate::fiscal;

/// The course whose presence says the demo courses are loaded.
const MARKER_TITLE: &str = "デジタル行政推進リーダー育成プログラム（前年度）";

const NARA_COUNCIL: &str = "奈良県地域デジタル化推進協議会";
const NARA_SECOND_SUBCOMMITTEE: &str = "奈良県地域デジタル化推進協議会 第二分科会";

/// A moment on a Tokyo calendar.
fn tokyo(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    date.and_hms_opt(hour, minute, 0)
        .and_then(|t| fiscal::tokyo().from_local_datetime(&t).single())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A date in fiscal year `fy` (April to March).
fn in_year(fy: i32, month: u32, day: u32) -> NaiveDate {
    let year = if month >= 4 { fy } else { fy + 1 };
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// One demo participant.
struct Person {
    org: &'static str,
    name: String,
    department: Option<&'static str>,
    grade: Option<JobGrade>,
    status: EnrollmentStatus,
    /// A demo account, for a participant who signs in.
    user: Option<&'static str>,
    hours: Option<f64>,
    completed_on: Option<NaiveDate>,
    reason: Option<CancellationReason>,
    offer_expires_at: Option<DateTime<Utc>>,
}

fn person(
    org: &'static str,
    name: impl Into<String>,
    department: &'static str,
    grade: JobGrade,
    status: EnrollmentStatus,
) -> Person {
    Person {
        org,
        name: name.into(),
        department: Some(department),
        grade: Some(grade),
        status,
        user: None,
        hours: None,
        completed_on: None,
        reason: None,
        offer_expires_at: None,
    }
}

impl Person {
    fn completed(mut self, hours: f64, on: NaiveDate) -> Self {
        self.status = EnrollmentStatus::Completed;
        self.hours = Some(hours);
        self.completed_on = Some(on);
        self
    }

    fn withdrawn(mut self) -> Self {
        self.status = EnrollmentStatus::Cancelled;
        self.reason = Some(CancellationReason::Withdrawn);
        self
    }

    fn account(mut self, email: &'static str) -> Self {
        self.user = Some(email);
        self
    }

    fn offered_until(mut self, deadline: DateTime<Utc>) -> Self {
        self.status = EnrollmentStatus::Offered;
        self.offer_expires_at = Some(deadline);
        self
    }
}

/// A demo session: start, end, venue, online.
type DemoSession = (DateTime<Utc>, DateTime<Utc>, Option<&'static str>, bool);

/// One demo course.
struct Demo {
    host: &'static str,
    settings: CourseSettings,
    /// Council names (prefix match) for `council_id` and `co_host_council_id`.
    council: Option<&'static str>,
    co_host_council: Option<&'static str>,
    co_hosts: &'static [&'static str],
    status: CourseStatus,
    sessions: Vec<DemoSession>,
    people: Vec<Person>,
}

#[expect(
    clippy::too_many_arguments,
    reason = "a course's essentials, named at each call"
)]
fn settings(
    title: &str,
    summary: &str,
    job_grades: &[JobGrade],
    skill_areas: &[SkillArea],
    level: i32,
    format: CourseFormat,
    total_hours: f64,
    capacity: i32,
    audience: Audience,
) -> CourseSettings {
    CourseSettings {
        title: title.to_owned(),
        summary: Some(summary.to_owned()),
        job_grades: job_grades.to_vec(),
        skill_areas: skill_areas.to_vec(),
        level,
        format,
        total_hours: Some(total_hours),
        entry_conditions: None,
        capacity,
        seats_per_organization: None,
        enrolment_opens_at: None,
        enrolment_closes_at: None,
        self_enrolment: false,
        fee_rule: FeeRule::Free,
        fee_amount: None,
        offer_claim_hours: 0,
        audience,
        council_id: None,
        co_host_council_id: None,
    }
}

fn demo_courses(now: DateTime<Utc>) -> Vec<Demo> {
    use CourseFormat::*;
    use EnrollmentStatus::*;
    use JobGrade::*;
    use SkillArea::*;
    let fy = fiscal::of_instant(now);
    let last = fy - 1;
    let today = now.with_timezone(&fiscal::tokyo()).date_naive();
    let days = |n: i64| today + Duration::days(n);
    let mut courses = Vec::new();

    // Kanazawa's leader programme: four stages from May to November. Last year's edition is
    // completed; this year's is under way with its 20 leaders.
    let leader_summary = "庁内のデジタル化を牽引するリーダーを育てる約7か月のプログラム。\
        ①マインドセットと基礎知識（eラーニング・講演）、②データ分析・RPA・ノーコードツールの演習、\
        ③現場の課題を聞き取って解決アプリを試作する業務改善プロジェクト、④次年度の施策提案、の4段階で進めます。";
    let leader_sessions = |year: i32| {
        vec![
            (
                tokyo(in_year(year, 5, 14), 9, 30),
                tokyo(in_year(year, 5, 14), 17, 0),
                Some("金沢市役所 研修室"),
                false,
            ),
            (
                tokyo(in_year(year, 7, 9), 9, 30),
                tokyo(in_year(year, 7, 9), 17, 0),
                Some("金沢市役所 研修室"),
                false,
            ),
            (
                tokyo(in_year(year, 9, 10), 13, 0),
                tokyo(in_year(year, 9, 10), 17, 0),
                Some("金沢市役所 研修室"),
                true,
            ),
            (
                tokyo(in_year(year, 11, 19), 13, 0),
                tokyo(in_year(year, 11, 19), 17, 0),
                Some("金沢市役所 会議室（成果発表）"),
                false,
            ),
        ]
    };
    let departments = [
        "総務課",
        "財政課",
        "市民課",
        "税務課",
        "福祉政策課",
        "こども未来課",
        "都市計画課",
        "環境政策課",
        "観光政策課",
        "デジタル行政戦略課",
    ];
    let mut leader = settings(
        MARKER_TITLE,
        leader_summary,
        &[DigitalPromotionLeader],
        &[
            DataUse,
            Rpa,
            NoCodeLowCode,
            ServiceDesign,
            ProjectManagement,
        ],
        3,
        ProjectBased,
        120.0,
        20,
        Audience::Prefecture,
    );
    leader.entry_conditions = Some(
        "所属長の推薦を受けた職員。期間中、業務改善プロジェクトに継続して取り組めること。".into(),
    );
    leader.enrolment_opens_at = Some(tokyo(in_year(last, 4, 1), 9, 0));
    leader.enrolment_closes_at = Some(tokyo(in_year(last, 4, 21), 17, 0));
    let finished = in_year(last, 11, 28);
    courses.push(Demo {
        host: "172014",
        settings: leader.clone(),
        council: None,
        co_host_council: None,
        co_hosts: &[],
        status: CourseStatus::Completed,
        sessions: leader_sessions(last),
        people: (1..=20)
            .map(|i| {
                let grade = if i % 3 == 0 { GeneralStaff } else { MidLevel };
                let p = person(
                    "172014",
                    format!("金沢 受講者{i:02}"),
                    departments[i % departments.len()],
                    grade,
                    Enrolled,
                );
                match i {
                    7 => p.withdrawn(),
                    13 => Person {
                        status: NoShow,
                        ..p
                    },
                    _ => p.completed(if i % 4 == 0 { 110.0 } else { 120.0 }, finished),
                }
            })
            .collect(),
    });
    let mut current = leader;
    current.title = "デジタル行政推進リーダー育成プログラム".into();
    current.enrolment_opens_at = Some(tokyo(in_year(fy, 4, 1), 9, 0));
    current.enrolment_closes_at = Some(tokyo(in_year(fy, 4, 21), 17, 0));
    courses.push(Demo {
        host: "172014",
        settings: current,
        council: None,
        co_host_council: None,
        co_hosts: &[],
        status: CourseStatus::Published,
        sessions: leader_sessions(fy),
        people: (1..=20)
            .map(|i| {
                person(
                    "172014",
                    format!("金沢 リーダー候補{i:02}"),
                    departments[(i + 3) % departments.len()],
                    if i % 4 == 0 { GeneralStaff } else { MidLevel },
                    Enrolled,
                )
            })
            .collect(),
    });

    // Nara council: security basics for new staff of the prefecture and municipalities.
    let mut security = settings(
        "県・市町村新任職員 情報セキュリティ基礎研修",
        "県と市町村が共同で利用する情報ハイウェイやセキュリティクラウドの仕組みを題材に、\
         新しく着任した職員が情報セキュリティの技術的な基礎と、事故が起きたときの初動を学びます。",
        &[NewHire],
        &[Security],
        1,
        Lecture,
        3.0,
        60,
        Audience::Council,
    );
    security.seats_per_organization = Some(5);
    security.enrolment_opens_at = Some(tokyo(days(-14), 9, 0));
    security.enrolment_closes_at = Some(tokyo(days(30), 17, 0));
    courses.push(Demo {
        host: "290009",
        settings: security,
        council: Some(NARA_COUNCIL),
        co_host_council: Some(NARA_COUNCIL),
        co_hosts: &[],
        status: CourseStatus::Published,
        sessions: vec![(
            tokyo(days(45), 13, 30),
            tokyo(days(45), 16, 30),
            Some("奈良県庁 第1研修室"),
            true,
        )],
        people: vec![
            person("292010", "奈良 新人一", "情報政策課", NewHire, Enrolled),
            person("292010", "奈良 新人二", "市民課", NewHire, Enrolled),
            person("292010", "奈良 新人三", "税務課", NewHire, Enrolled).withdrawn(),
            person("292095", "生駒 新人一", "総務課", NewHire, Enrolled),
            person("292095", "生駒 新人二", "市民課", NewHire, Enrolled),
            person("293423", "平群 新人一", "総務課", NewHire, Enrolled),
            person(
                "290009",
                "奈良県 新人一",
                "デジタル戦略課",
                NewHire,
                Enrolled,
            ),
        ],
    });

    // Nara council: a special course for executives on national law and policy trends.
    let mut executives = settings(
        "幹部職員特別研修 デジタル行政をめぐる国の動向",
        "新しい法制度や法令改正など、自治体のデジタル化に関わる国の大きな動きを幹部職員向けに解説します。",
        &[Management],
        &[DxStrategy, SystemStandardization],
        2,
        Lecture,
        2.0,
        40,
        Audience::Council,
    );
    executives.seats_per_organization = Some(2);
    executives.enrolment_opens_at = Some(tokyo(days(-7), 9, 0));
    executives.enrolment_closes_at = Some(tokyo(days(21), 17, 0));
    courses.push(Demo {
        host: "290009",
        settings: executives,
        council: Some(NARA_COUNCIL),
        co_host_council: Some(NARA_COUNCIL),
        co_hosts: &[],
        status: CourseStatus::Published,
        sessions: vec![(
            tokyo(days(30), 15, 0),
            tokyo(days(30), 17, 0),
            Some("奈良県庁 大会議室"),
            true,
        )],
        people: vec![
            person("292010", "奈良 部長一", "総務部", Management, Enrolled),
            person(
                "292036",
                "大和郡山 部長一",
                "企画政策部",
                Management,
                Enrolled,
            ),
            person("292095", "生駒 部長一", "経営企画部", Management, Enrolled),
        ],
    });

    // The council's second subcommittee (AI, RPA, telework): a generative AI workshop,
    // small and full, with a freed seat offered to the first in line.
    let mut ai = settings(
        "第二分科会 生成AI活用ワークショップ",
        "文章の要約や下書き作成など、生成AIを日々の業務に取り入れる方法を持ち寄った事例で試します。\
         利用上の注意点と庁内ルールの作り方も扱います。",
        &[GeneralStaff, MidLevel],
        &[Ai, DigitalLiteracy],
        2,
        Workshop,
        3.0,
        12,
        Audience::Council,
    );
    ai.seats_per_organization = Some(2);
    ai.self_enrolment = true;
    ai.offer_claim_hours = 48;
    ai.enrolment_opens_at = Some(tokyo(days(-10), 9, 0));
    ai.enrolment_closes_at = Some(tokyo(days(20), 17, 0));
    let mut ai_people = Vec::new();
    for (org, prefix) in [
        ("290009", "奈良県"),
        ("292010", "奈良"),
        ("292036", "大和郡山"),
        ("292044", "天理"),
        ("292052", "橿原"),
        ("292095", "生駒"),
    ] {
        for n in 1..=2 {
            ai_people.push(person(
                org,
                format!("{prefix} AI研修{n}"),
                "業務改革担当",
                MidLevel,
                Enrolled,
            ));
        }
    }
    // A Nara city member enrolled themself; a colleague of the same city withdrew, and the
    // seat was offered to the first eligible person in line.
    ai_people[3] = person(
        "292010",
        "奈良市 職員",
        "情報政策課",
        GeneralStaff,
        Enrolled,
    )
    .account("member@city-nara.example.jp");
    ai_people[2] = person("292010", "奈良 AI研修1", "業務改革担当", MidLevel, Enrolled).withdrawn();
    ai_people.push(
        person("293423", "平群 AI研修1", "総務課", GeneralStaff, Waitlisted).offered_until(tokyo(
            days(2),
            17,
            0,
        )),
    );
    ai_people.push(person(
        "292061",
        "桜井 AI研修1",
        "企画課",
        GeneralStaff,
        Waitlisted,
    ));
    ai_people.push(person(
        "292010",
        "奈良 AI研修3",
        "市民課",
        GeneralStaff,
        Waitlisted,
    ));
    courses.push(Demo {
        host: "290009",
        settings: ai,
        council: Some(NARA_SECOND_SUBCOMMITTEE),
        co_host_council: Some(NARA_SECOND_SUBCOMMITTEE),
        co_hosts: &[],
        status: CourseStatus::Published,
        sessions: vec![(
            tokyo(days(28), 13, 30),
            tokyo(days(28), 16, 30),
            Some("奈良県社会福祉総合センター"),
            false,
        )],
        people: ai_people,
    });

    // The second subcommittee's RPA hands-on, procured jointly: four seats per organisation
    // and a fixed total split by head count.
    let mut rpa = settings(
        "第二分科会 RPAシナリオ作成 実践講座（共同調達）",
        "定型の入力・転記作業を題材に、RPAのシナリオを一から作って動かします。\
         講座の費用総額は参加人数に応じて参加団体で按分します。",
        &[GeneralStaff, MidLevel, DigitalPromotionLeader],
        &[Rpa, Bpr],
        2,
        HandsOn,
        6.0,
        16,
        Audience::Council,
    );
    rpa.seats_per_organization = Some(4);
    rpa.fee_rule = FeeRule::SplitByHeadcount;
    rpa.fee_amount = Some(480_000);
    rpa.entry_conditions = Some("自席のパソコンで演習用ソフトを利用できること。".into());
    rpa.enrolment_opens_at = Some(tokyo(days(-20), 9, 0));
    rpa.enrolment_closes_at = Some(tokyo(days(10), 17, 0));
    let mut rpa_people = Vec::new();
    for (org, prefix, n) in [
        ("292010", "奈良", 4),
        ("292095", "生駒", 3),
        ("292036", "大和郡山", 2),
        ("293423", "平群", 1),
    ] {
        for i in 1..=n {
            rpa_people.push(person(
                org,
                format!("{prefix} RPA研修{i}"),
                "業務改革担当",
                if i == 1 {
                    DigitalPromotionLeader
                } else {
                    GeneralStaff
                },
                Enrolled,
            ));
        }
    }
    courses.push(Demo {
        host: "290009",
        settings: rpa,
        council: Some(NARA_SECOND_SUBCOMMITTEE),
        co_host_council: Some(NARA_SECOND_SUBCOMMITTEE),
        co_hosts: &["292010"],
        status: CourseStatus::Published,
        sessions: vec![
            (
                tokyo(days(35), 10, 0),
                tokyo(days(35), 13, 0),
                Some("奈良県庁 電算研修室"),
                false,
            ),
            (
                tokyo(days(42), 10, 0),
                tokyo(days(42), 13, 0),
                Some("奈良県庁 電算研修室"),
                false,
            ),
        ],
        people: rpa_people,
    });

    // Tsukuba-style data use, one course per job grade.
    let tsukuba = [
        (
            "データ利活用研修（主事・主任級）",
            "オープンデータとは何か、国の動きや分析・可視化の事例から、日々の業務でデータを使う意識を育てます。講義と個人ワーク。",
            GeneralStaff,
            Lecture,
            1,
            CourseStatus::Completed,
        ),
        (
            "データ利活用研修（主査級）",
            "よく使う文書の表を機械が読める形に直し、地図（GIS）で可視化するまでを実データで体験します。講義とワークショップ。",
            MidLevel,
            Workshop,
            2,
            CourseStatus::Published,
        ),
        (
            "データ利活用研修（課長補佐級）",
            "持っているデータの価値を見直し、どこまで公開できるかを話し合いながら、データを活かす業務体制を考えます。講義とワークショップ。",
            Management,
            Workshop,
            3,
            CourseStatus::Published,
        ),
    ];
    for (i, (title, summary, grade, format, level, status)) in tsukuba.into_iter().enumerate() {
        let mut s = settings(
            title,
            summary,
            &[grade],
            &[DataUse],
            level,
            format,
            3.5,
            30,
            Audience::Prefecture,
        );
        let completed = status == CourseStatus::Completed;
        let held = if completed {
            in_year(last, 10, 15)
        } else {
            days(40 + 7 * i as i64)
        };
        if !completed {
            s.enrolment_opens_at = Some(tokyo(days(-5), 9, 0));
            s.enrolment_closes_at = Some(tokyo(days(25), 17, 0));
        }
        let people = (1..=6)
            .map(|n| {
                let p = person(
                    "082201",
                    format!("つくば 受講者{i}{n}"),
                    "各課",
                    grade,
                    Enrolled,
                );
                if completed { p.completed(3.5, held) } else { p }
            })
            .collect();
        courses.push(Demo {
            host: "082201",
            settings: s,
            council: None,
            co_host_council: None,
            co_hosts: &[],
            status,
            sessions: vec![(
                tokyo(held, 13, 30),
                tokyo(held, 17, 0),
                Some("つくば市役所 会議室"),
                false,
            )],
            people,
        });
    }

    // Kasama-style IT Passport preparation: volunteers study online during working hours.
    let mut passport = settings(
        "ITパスポート取得支援講座（オンライン学習）",
        "手を挙げた職員が、民間のオンライン学習を業務時間内に受講してITパスポート試験の合格を目指します。\
         年度末には学んだことを生かした業務改善を所属長に提案します。",
        &[GeneralStaff, DigitalPromotionLeader],
        &[ItPassport, DigitalLiteracy],
        2,
        ELearning,
        40.0,
        15,
        Audience::Private,
    );
    passport.self_enrolment = true;
    passport.fee_rule = FeeRule::PerParticipant;
    passport.fee_amount = Some(8_800);
    passport.enrolment_opens_at = Some(tokyo(days(-7), 9, 0));
    passport.enrolment_closes_at = Some(tokyo(days(60), 17, 0));
    courses.push(Demo {
        host: "082163",
        settings: passport,
        council: None,
        co_host_council: None,
        co_hosts: &[],
        status: CourseStatus::Published,
        sessions: vec![(tokyo(days(65), 15, 0), tokyo(days(65), 16, 0), None, true)],
        people: (1..=5)
            .map(|n| {
                person(
                    "082163",
                    format!("笠間 ITリーダー{n}"),
                    "各課",
                    GeneralStaff,
                    Enrolled,
                )
            })
            .collect(),
    });

    courses
}

/// Loads the demo courses into a database that has none of them.
pub async fn ensure(db: &DatabaseConnection) -> anyhow::Result<()> {
    let loaded = course::Entity::find()
        .filter(course::Column::Title.eq(MARKER_TITLE))
        .count(db)
        .await?;
    if loaded > 0 {
        return Ok(());
    }
    let now = Utc::now();
    let organizations: HashMap<String, Uuid> = organization::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.code, o.id))
        .collect();
    let org = |code: &str| {
        organizations
            .get(code)
            .copied()
            .with_context(|| format!("no organisation {code}"))
    };
    let councils = council::Entity::find().all(db).await?;
    let council_id = |prefix: &str| {
        councils
            .iter()
            .filter(|c| c.name.starts_with(prefix))
            .min_by_key(|c| c.name.len())
            .map(|c| c.id)
            .with_context(|| format!("no council {prefix}"))
    };
    let users: HashMap<String, Uuid> = user::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.email, u.id))
        .collect();

    let txn = db.begin().await?;
    for demo in demo_courses(now) {
        insert(&txn, &demo, now, &org, &council_id, &users).await?;
    }
    txn.commit().await?;
    tracing::info!("loaded the demo courses");
    Ok(())
}

async fn insert<C: ConnectionTrait>(
    txn: &C,
    demo: &Demo,
    now: DateTime<Utc>,
    org: &impl Fn(&str) -> anyhow::Result<Uuid>,
    council_id: &impl Fn(&str) -> anyhow::Result<Uuid>,
    users: &HashMap<String, Uuid>,
) -> anyhow::Result<()> {
    let host_id = org(demo.host)?;
    let mut settings = demo.settings.clone();
    settings.council_id = demo.council.map(council_id).transpose()?;
    settings.co_host_council_id = demo.co_host_council.map(council_id).transpose()?;
    settings
        .check()
        .map_err(|e| anyhow::anyhow!("demo course {}: {e:?}", settings.title))?;
    let id = Uuid::now_v7();
    let holding: Vec<&Person> = demo
        .people
        .iter()
        .filter(|p| crate::courses::seats::HOLDS_SEAT.contains(&p.status))
        .collect();
    let created_at = demo
        .sessions
        .iter()
        .map(|s| s.0)
        .min()
        .map_or(now, |first| (first - Duration::days(60)).min(now));
    let mut model = course::ActiveModel {
        id: Set(id),
        host_organization_id: Set(host_id),
        seats_taken: Set(i32::try_from(holding.len())?),
        status: Set(demo.status),
        starts_at: Set(demo.sessions.iter().map(|s| s.0).min()),
        created_by_user_id: Set(None),
        created_at: Set(created_at),
        updated_at: Set(created_at),
        revision: Set(i64::try_from(demo.people.len())?),
        ..Default::default()
    };
    settings.write(&mut model);
    course::Entity::insert(model)
        .exec_without_returning(txn)
        .await?;
    for code in demo.co_hosts {
        course_co_host::Entity::insert(course_co_host::ActiveModel {
            course_id: Set(id),
            organization_id: Set(org(code)?),
        })
        .exec_without_returning(txn)
        .await?;
    }
    for (starts_at, ends_at, venue, online) in &demo.sessions {
        course_session::Entity::insert(course_session::ActiveModel {
            id: Set(Uuid::now_v7()),
            course_id: Set(id),
            starts_at: Set(*starts_at),
            ends_at: Set(*ends_at),
            venue: Set(venue.map(str::to_owned)),
            online: Set(*online),
            note: Set(None),
            created_at: Set(created_at),
            updated_at: Set(created_at),
        })
        .exec_without_returning(txn)
        .await?;
    }
    let mut per_organization: HashMap<Uuid, i32> = HashMap::new();
    for p in &holding {
        *per_organization.entry(org(p.org)?).or_default() += 1;
    }
    for (organization_id, seats_taken) in per_organization {
        course_organization_seat::Entity::insert(course_organization_seat::ActiveModel {
            course_id: Set(id),
            organization_id: Set(organization_id),
            seats_taken: Set(seats_taken),
        })
        .exec_without_returning(txn)
        .await?;
    }
    for (seq, p) in demo.people.iter().enumerate() {
        let organization_id = org(p.org)?;
        let user_id = p.user.and_then(|email| users.get(email).copied());
        enrollment::Entity::insert(enrollment::ActiveModel {
            id: Set(Uuid::now_v7()),
            course_id: Set(id),
            organization_id: Set(organization_id),
            user_id: Set(user_id),
            participant_key: Set(match user_id {
                Some(user) => format!("user:{user}"),
                None => staff_key(organization_id, &p.name),
            }),
            participant_name: Set(p.name.clone()),
            participant_department: Set(p.department.map(str::to_owned)),
            participant_job_grade: Set(p.grade),
            status: Set(p.status),
            waitlist_seq: Set((p.status == EnrollmentStatus::Waitlisted).then_some(seq as i64 + 1)),
            offer_expires_at: Set(p.offer_expires_at),
            completed_hours: Set(p.hours),
            completed_on: Set(p.completed_on),
            enrolled_by_user_id: Set(None),
            created_at: Set(created_at + Duration::minutes(seq as i64)),
            updated_at: Set(created_at + Duration::minutes(seq as i64)),
            cancellation_reason: Set(p.reason),
        })
        .exec_without_returning(txn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Datelike;

    use super::*;

    #[test]
    fn demo_courses_pass_the_course_rules_and_never_oversell() {
        let now = Utc::now();
        let courses = demo_courses(now);
        assert!(courses.len() >= 10);
        let mut statuses = std::collections::HashSet::new();
        for demo in &courses {
            let mut s = demo.settings.clone();
            if s.audience == Audience::Council {
                s.council_id = Some(Uuid::nil());
            }
            assert!(s.check().is_ok(), "{}", s.title);
            let holding = demo
                .people
                .iter()
                .filter(|p| crate::courses::seats::HOLDS_SEAT.contains(&p.status))
                .count();
            assert!(holding <= s.capacity as usize, "{}", s.title);
            if let Some(cap) = s.seats_per_organization {
                let mut per: HashMap<&str, i32> = HashMap::new();
                for p in demo
                    .people
                    .iter()
                    .filter(|p| crate::courses::seats::HOLDS_SEAT.contains(&p.status))
                {
                    *per.entry(p.org).or_default() += 1;
                }
                assert!(per.values().all(|n| *n <= cap), "{}", s.title);
            }
            for (start, end, venue, online) in &demo.sessions {
                assert!(end > start && (venue.is_some() || *online), "{}", s.title);
            }
            statuses.extend(demo.people.iter().map(|p| p.status));
        }
        // Enrolments in every status.
        assert_eq!(statuses.len(), 6, "{statuses:?}");
        // Kanazawa's programme runs May to November, 120 hours, 20 seats.
        let leader = &courses[0];
        assert_eq!(leader.settings.capacity, 20);
        assert_eq!(leader.settings.total_hours, Some(120.0));
        let months: Vec<u32> = leader
            .sessions
            .iter()
            .map(|s| s.0.with_timezone(&fiscal::tokyo()).month())
            .collect();
        assert_eq!(months, [5, 7, 9, 11]);
    }
}
