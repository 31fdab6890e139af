//! The sharing rules as the database applies them: the query condition of `access` must
//! select exactly the records its in-memory rule allows, for every viewer and audience.

use chrono::Utc;
use entity::enums::{Audience, OrganizationKind, Role};
use entity::{advisor_pool, council, organization};
use koiki::access::{self, RecordFacts, ViewerFacts};
use koiki::auth::viewer::{SignedIn, Viewer};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::helpers::on_each_backend;

const AUDIENCES: [Audience; 5] = [
    Audience::Private,
    Audience::Prefecture,
    Audience::Council,
    Audience::Nationwide,
    Audience::Public,
];

#[tokio::test]
async fn the_query_condition_agrees_with_the_rule_for_every_viewer_and_audience() {
    on_each_backend(async |app| {
        let db = &app.state.db;
        let orgs = organization::Entity::find()
            .all(db)
            .await
            .expect("organisations");
        let org = |code: &str| orgs.iter().find(|o| o.code == code).cloned().expect(code);
        let councils = council::Entity::find().all(db).await.expect("councils");
        let council_named = |prefix: &str| {
            councils
                .iter()
                .find(|c| c.name.starts_with(prefix))
                .map(|c| c.id)
                .expect(prefix)
        };
        let nara_council = council_named("奈良県地域デジタル化推進協議会");
        let kamikawa = council_named("電算事務共同処理協議会");

        // Owners: a Nara municipality, a prefecture, a Kamikawa town; every audience each.
        let owners = [org("292010"), org("390003"), org("014532")];
        let now = Utc::now();
        let mut records = Vec::new();
        for owner in &owners {
            for audience in AUDIENCES {
                let council_id = match (audience, owner.code.as_str()) {
                    (Audience::Council, "014532") => Some(kamikawa),
                    (Audience::Council, _) => Some(nara_council),
                    _ => None,
                };
                let id = Uuid::now_v7();
                advisor_pool::Entity::insert(advisor_pool::ActiveModel {
                    id: Set(id),
                    owner_organization_id: Set(owner.id),
                    name: Set(format!("{} {audience:?}", owner.name)),
                    description: Set(None),
                    audience: Set(audience),
                    council_id: Set(council_id),
                    visits_per_org_per_year: Set(3),
                    max_onsite_days: Set(3),
                    max_online_hours: Set(10),
                    requesters_may_name_advisors: Set(true),
                    application_deadline_day: Set(None),
                    application_opens_day: Set(None),
                    archived_at: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .exec(db)
                .await
                .expect("pool inserted");
                let owner_prefecture_id = match owner.kind {
                    OrganizationKind::Prefecture => Some(owner.id),
                    _ => owner.prefecture_id,
                };
                records.push((
                    id,
                    RecordFacts {
                        owner_id: owner.id,
                        owner_prefecture_id,
                        audience,
                        council_id,
                    },
                ));
            }
        }

        // Viewers: the owner, same prefecture (prefecture and a town), another prefecture,
        // council members across prefectures, the national operator body, anonymous.
        let viewer_orgs = [
            "292010", "290009", "293423", "390003", "392049", "014541", "172014",
        ];
        let role_sets: [&[Role]; 5] = [
            &[Role::Member],
            &[Role::Editor],
            &[Role::Admin],
            &[Role::Advisor],
            &[Role::Operator],
        ];
        let mut viewers = vec![(Viewer::Anonymous, ViewerFacts::default())];
        for code in viewer_orgs {
            let o = org(code);
            let council_ids = koiki::organizations::council_ids_of(db, o.id)
                .await
                .expect("councils");
            for roles in role_sets {
                let user = SignedIn {
                    user_id: Uuid::now_v7(),
                    organization_id: o.id,
                    organization_code: o.code.clone(),
                    organization_kind: o.kind,
                    prefecture_id: if o.kind == OrganizationKind::Prefecture {
                        Some(o.id)
                    } else {
                        o.prefecture_id
                    },
                    roles: roles.to_vec(),
                };
                viewers.push((
                    Viewer::User(user),
                    ViewerFacts {
                        council_ids: council_ids.iter().copied().collect(),
                    },
                ));
            }
        }

        let ids: Vec<Uuid> = records.iter().map(|(id, _)| *id).collect();
        let mut checked = 0;
        let mut visible_somewhere = 0;
        for (viewer, facts) in &viewers {
            let mut from_sql: Vec<Uuid> = advisor_pool::Entity::find()
                .filter(advisor_pool::Column::Id.is_in(ids.clone()))
                .filter(access::readable::<advisor_pool::Entity>(viewer))
                .all(db)
                .await
                .expect("query")
                .into_iter()
                .map(|p| p.id)
                .collect();
            from_sql.sort();
            let mut from_rule: Vec<Uuid> = records
                .iter()
                .filter(|(_, r)| access::can_read(viewer, r, facts))
                .map(|(id, _)| *id)
                .collect();
            from_rule.sort();
            assert_eq!(from_sql, from_rule, "viewer {viewer:?}");
            checked += records.len();
            visible_somewhere += from_rule.len();
        }
        assert_eq!(checked, (1 + 7 * 5) * 15);
        // Neither everything nor nothing: the comparison was not vacuous.
        assert!(
            visible_somewhere > viewers.len() * 3 && visible_somewhere < checked,
            "{visible_somewhere}"
        );

        // Spot checks against DESIGN.md, independent of both implementations.
        let sees = |viewer_code: &str, role: Role, owner_code: &str, audience: Audience| {
            let (viewer, facts) = viewers
                .iter()
                .find(|(v, _)| {
                    v.signed_in()
                        .is_some_and(|u| u.organization_code == viewer_code && u.roles == [role])
                })
                .expect("viewer");
            let owner = org(owner_code);
            let (_, record) = records
                .iter()
                .find(|(_, r)| r.owner_id == owner.id && r.audience == audience)
                .expect("record");
            access::can_read(viewer, record, facts)
        };
        assert!(
            sees("293423", Role::Member, "292010", Audience::Prefecture),
            "same prefecture"
        );
        assert!(
            !sees("392049", Role::Member, "292010", Audience::Prefecture),
            "Kochi sees no Nara PREFECTURE record"
        );
        assert!(
            sees("014541", Role::Member, "014532", Audience::Council),
            "Kamikawa towns share"
        );
        assert!(!sees("172014", Role::Editor, "014532", Audience::Council));
        assert!(sees("172014", Role::Editor, "390003", Audience::Nationwide));
        assert!(
            !sees("172014", Role::Advisor, "390003", Audience::Nationwide),
            "advisors are guests"
        );
        assert!(
            !sees("290009", Role::Admin, "292010", Audience::Private),
            "a prefecture does not see its municipalities' private records"
        );
    })
    .await;
}
