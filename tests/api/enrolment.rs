//! Enrolment: seats, the per-organisation cap, the fair waitlist, offers and their claim
//! window, who may enrol whom, attendance and completion, and the audit trail, on SQLite and
//! PostgreSQL; among them the issue's end-to-end scenario and the 200-client race.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, Utc};
use entity::enums::Role;
use futures::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::courses::{
    CANCEL_ENROLLMENT, ENROLL, ENROLMENT_STATUS, council_id, enroll_staff, in_days,
    published_course, token_for,
};
use crate::helpers::{
    IKOMA_EDITOR, IKOMA_MEMBER, KANAZAWA_EDITOR, NARA_ADMIN, NARA_CITY_EDITOR, NARA_CITY_MEMBER,
    NARA_EDITOR, TestApp, error_code, on_each_backend,
};

const COMPLETE: &str = "mutation($input: RecordCompletionInput!) { recordCompletion(input: $input) { enrollment { id status completedHours completedOn } } }";
const ATTEND: &str = "mutation($input: RecordAttendanceInput!) { recordAttendance(input: $input) { attendance { attended session { id } } enrollment { id attendance { attended } } } }";
const CLAIM: &str = "mutation($id: ID!) { claimOffer(input: { id: $id }) { enrollment { id status offerExpiresAt } } }";
const SEATS: &str = "query($id: ID!) { course(id: $id) { seatsLeft seatsTaken waitlistLength } }";

fn id_of(enrolled: &Value) -> String {
    enrolled["enrollment"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("enrolment: {enrolled}"))
        .to_owned()
}

async fn status_of(app: &TestApp, token: &str, id: &str) -> Value {
    app.gql_as(token, ENROLMENT_STATUS, json!({ "id": id }))
        .await["data"]["node"]
        .clone()
}

#[tokio::test]
async fn a_nara_municipality_coordinator_enrols_three_staff_and_a_completion_counts_in_the_summary()
{
    on_each_backend(async |app| {
        // The prefecture, as the council's secretariat, offers a course to the council.
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let council = council_id(app, "奈良県地域デジタル化推進協議会").await;
        let course = published_course(
            app,
            &host,
            json!({
                "title": "協議会共同研修 業務フロー図の書き方（BPR入門）",
                "skillAreas": ["BPR", "DATA_USE"],
                "jobGrades": ["GENERAL_STAFF", "MID_LEVEL"],
                "format": "WORKSHOP",
                "totalHours": 3.5,
                "capacity": 2,
                "audience": "COUNCIL",
                "councilId": council,
                "coHostCouncilId": council,
            }),
        )
        .await;

        // Ikoma's coordinator finds it among the open courses of Nara prefecture.
        let (ikoma, _) = app.sign_in(IKOMA_EDITOR).await;
        let body = app
            .gql_as(
                &ikoma,
                r#"{ courses(filter: { search: "業務フロー", hostPrefectureCode: "290009", openForEnrolment: true, skillAreas: [BPR] }) { edges { node { id title seatsLeft council { name } } } } }"#,
                json!({}),
            )
            .await;
        let found = &body["data"]["courses"]["edges"][0]["node"];
        assert_eq!(found["id"], course.as_str(), "{body}");
        assert_eq!(found["seatsLeft"], 2);
        assert!(found["council"]["name"].as_str().unwrap_or("").starts_with("奈良県地域デジタル化推進協議会"));

        // Three staff: two seats, then the waitlist.
        let enrol = async |name: &str, grade: &str| {
            let body = app
                .gql_as(
                    &ikoma,
                    ENROLL,
                    json!({ "course": course, "p": { "name": name, "department": "市民課", "jobGrade": grade } }),
                )
                .await;
            assert!(body["errors"].is_null(), "{body}");
            body["data"]["enroll"].clone()
        };
        let first = enrol("生駒 花子", "GENERAL_STAFF").await;
        let second = enrol("生駒 次郎", "MID_LEVEL").await;
        let third = enrol("生駒 三郎", "GENERAL_STAFF").await;
        assert_eq!(first["status"], "ENROLLED");
        assert_eq!(second["status"], "ENROLLED");
        assert!(first["waitlistPosition"].is_null());
        assert_eq!(third["status"], "WAITLISTED", "{third}");
        assert_eq!(third["waitlistPosition"], 1);
        assert_eq!(third["enrollment"]["waitlistPosition"], 1);
        assert_eq!(third["course"], json!({ "seatsLeft": 0, "waitlistLength": 1 }));

        // One cancels; the waitlisted person is enrolled at once (no claim window).
        let body = app
            .gql_as(&ikoma, CANCEL_ENROLLMENT, json!({ "id": id_of(&first) }))
            .await;
        assert_eq!(body["data"]["cancelEnrollment"]["enrollment"]["status"], "CANCELLED", "{body}");
        assert_eq!(body["data"]["cancelEnrollment"]["enrollment"]["cancellationReason"], "WITHDRAWN");
        let promoted = status_of(app, &ikoma, &id_of(&third)).await;
        assert_eq!(promoted["status"], "ENROLLED", "{promoted}");
        assert!(promoted["waitlistPosition"].is_null());

        // The host sees the three and records the completion (hours default to the course's).
        let body = app
            .gql_as(
                &host,
                "query($id: ID!) { enrollments(filter: { courseId: $id }) { totalCount edges { node { participantName status organization { code } } } } }",
                json!({ "id": course }),
            )
            .await;
        assert_eq!(body["data"]["enrollments"]["totalCount"], 3, "{body}");
        let body = app
            .gql_as(&host, COMPLETE, json!({ "input": { "enrollmentId": id_of(&third) } }))
            .await;
        let completed = &body["data"]["recordCompletion"]["enrollment"];
        assert_eq!(completed["status"], "COMPLETED", "{body}");
        assert_eq!(completed["completedHours"], 3.5);
        let body = app
            .gql_as(&host, COMPLETE, json!({ "input": { "enrollmentId": id_of(&second), "outcome": "NO_SHOW" } }))
            .await;
        assert_eq!(body["data"]["recordCompletion"]["enrollment"]["status"], "NO_SHOW", "{body}");

        // The training summary counts it: for Ikoma, and for its prefecture.
        let fy = koiki::fiscal::of_instant(Utc::now());
        let q = "query($fy: Int!) { trainingSummary(organizationCode: \"292095\", fiscalYear: $fy) { completions participants hours leadersTrained byJobGrade { jobGrade completions hours } bySkillArea { skillArea completions hours } } }";
        let body = app.gql_as(&ikoma, q, json!({ "fy": fy })).await;
        assert_eq!(
            body["data"]["trainingSummary"],
            json!({
                "completions": 1,
                "participants": 1,
                "hours": 3.5,
                "leadersTrained": 0,
                "byJobGrade": [{ "jobGrade": "GENERAL_STAFF", "completions": 1, "hours": 3.5 }],
                "bySkillArea": [
                    { "skillArea": "DATA_USE", "completions": 1, "hours": 3.5 },
                    { "skillArea": "BPR", "completions": 1, "hours": 3.5 },
                ],
            }),
            "{body}"
        );
        let (nara, _) = app.sign_in(NARA_ADMIN).await;
        let body = app.gql_as(&nara, q, json!({ "fy": fy })).await;
        assert_eq!(body["data"]["trainingSummary"]["completions"], 1, "{body}");
        // The previous fiscal year has none of it.
        let body = app.gql_as(&ikoma, q, json!({ "fy": fy - 1 })).await;
        assert_eq!(body["data"]["trainingSummary"]["completions"], 0, "{body}");
    })
    .await;
}

/// Ten Nara municipalities.
const ORGS: [&str; 10] = [
    "292010", "292028", "292036", "292044", "292052", "292061", "292079", "292087", "292095",
    "292109",
];

/// Every order of `items`.
fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, first.clone());
            all.push(tail);
        }
    }
    all
}

/// Who the rule promotes when the seats of `cancelled` (their organisations) are freed one
/// after another: each freed seat goes to the first in `line` whose organisation is below
/// `cap`.
fn promoted_by_rule(
    cancelled: &[String],
    mut held: HashMap<String, i64>,
    mut line: Vec<(String, String)>,
    cap: i64,
) -> HashSet<String> {
    let mut promoted = HashSet::new();
    for org in cancelled {
        *held.entry(org.clone()).or_default() -= 1;
        if let Some(i) = line
            .iter()
            .position(|(_, o)| held.get(o).copied().unwrap_or(0) < cap)
        {
            let (id, o) = line.remove(i);
            *held.entry(o).or_default() += 1;
            promoted.insert(id);
        }
    }
    promoted
}

/// All enrolments of a course as its host sees them, in line order (waitlisted first, by
/// position): (id, organisation code, status, waitlist position, created at).
async fn roster(
    app: &TestApp,
    host: &str,
    course: &str,
) -> Vec<(String, String, String, Option<i64>, String)> {
    let q = "query($id: ID!, $after: String) { enrollments(filter: { courseId: $id }, first: 100, after: $after, orderBy: { field: WAITLIST_POSITION }) { pageInfo { hasNextPage endCursor } edges { node { id status waitlistPosition createdAt organization { code } } } } }";
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app
            .gql_as(host, q, json!({ "id": course, "after": after }))
            .await;
        let page = &body["data"]["enrollments"];
        for edge in page["edges"].as_array().unwrap_or_else(|| panic!("{body}")) {
            let n = &edge["node"];
            all.push((
                n["id"].as_str().unwrap_or("").to_owned(),
                n["organization"]["code"].as_str().unwrap_or("").to_owned(),
                n["status"].as_str().unwrap_or("").to_owned(),
                n["waitlistPosition"].as_i64(),
                n["createdAt"].as_str().unwrap_or("").to_owned(),
            ));
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
    all
}

#[tokio::test]
async fn two_hundred_simultaneous_enrolments_fill_twenty_seats_fairly_and_cancellations_promote_the_first_eligible()
 {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let council = council_id(app, "奈良県地域デジタル化推進協議会").await;
        let course = published_course(
            app,
            &host,
            json!({ "title": "同時申込の検証", "capacity": 20, "seatsPerOrganization": 5, "audience": "COUNCIL", "councilId": council }),
        )
        .await;
        let mut tokens = Vec::new();
        for code in ORGS {
            tokens.push(token_for(app, code, Role::Editor).await);
        }

        // 200 at once: 20 from each of the 10 organisations.
        let started = std::time::Instant::now();
        let answers = join_all((0..200).map(|i| {
            let (token, course) = (&tokens[i % 10], &course);
            async move {
                let body = app
                    .gql_as(token, ENROLL, json!({ "course": course, "p": { "name": format!("同時 職員{i:03}") } }))
                    .await;
                (ORGS[i % 10], body)
            }
        }))
        .await;
        eprintln!("200 enrolments in {:?} on {:?}", started.elapsed(), app.backend);
        let mut enrolled_per_org: HashMap<&str, i64> = HashMap::new();
        let mut accepted_positions = HashMap::new();
        for (org, body) in &answers {
            assert!(body["errors"].is_null(), "{body}");
            let enroll = &body["data"]["enroll"];
            match enroll["status"].as_str() {
                Some("ENROLLED") => *enrolled_per_org.entry(org).or_default() += 1,
                Some("WAITLISTED") => {
                    let position = enroll["waitlistPosition"].as_i64().expect("position");
                    accepted_positions.insert(id_of(enroll), position);
                }
                other => panic!("unexpected {other:?}: {body}"),
            }
        }
        assert_eq!(enrolled_per_org.values().sum::<i64>(), 20, "{enrolled_per_org:?}");
        assert!(enrolled_per_org.values().all(|n| *n <= 5), "{enrolled_per_org:?}");
        // The waitlist: positions 1..=180 without gaps or repeats, as given at acceptance.
        let mut positions: Vec<i64> = accepted_positions.values().copied().collect();
        positions.sort();
        assert_eq!(positions, (1..=180).collect::<Vec<_>>());
        // The server's view agrees: each keeps the position it was given, and acceptance
        // times run in the same order as the positions.
        let before = roster(app, &host, &course).await;
        assert_eq!(before.len(), 200);
        let waiting: Vec<_> = before.iter().filter(|e| e.2 == "WAITLISTED").collect();
        assert_eq!(waiting.len(), 180);
        for (i, (id, _, _, position, _)) in waiting.iter().enumerate() {
            assert_eq!(*position, Some(i as i64 + 1));
            assert_eq!(accepted_positions.get(id), position.as_ref(), "{id}");
        }
        let times: Vec<&String> = waiting.iter().map(|e| &e.4).collect();
        let mut sorted_times = times.clone();
        sorted_times.sort_by_key(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        assert_eq!(times, sorted_times, "waitlist order is acceptance order");
        let seats = app.gql_as(&host, SEATS, json!({ "id": course })).await;
        assert_eq!(seats["data"]["course"], json!({ "seatsLeft": 0, "seatsTaken": 20, "waitlistLength": 180 }));

        // Five concurrent cancellations of enrolled people.
        let enrolled: Vec<&(String, String, String, Option<i64>, String)> =
            before.iter().filter(|e| e.2 == "ENROLLED").collect();
        let cancelled: Vec<(String, String)> = enrolled
            .iter()
            .take(5)
            .map(|e| (e.0.clone(), e.1.clone()))
            .collect();
        let token_of = |code: &str| &tokens[ORGS.iter().position(|c| *c == code).expect("org")];
        let answers = join_all(cancelled.iter().map(|(id, org)| {
            app.gql_as(token_of(org), CANCEL_ENROLLMENT, json!({ "id": id }))
        }))
        .await;
        for body in &answers {
            assert_eq!(body["data"]["cancelEnrollment"]["enrollment"]["status"], "CANCELLED", "{body}");
        }
        let after = roster(app, &host, &course).await;
        let enrolled_before: HashSet<&String> = enrolled.iter().map(|e| &e.0).collect();
        let now_enrolled: Vec<_> = after.iter().filter(|e| e.2 == "ENROLLED").collect();
        assert_eq!(now_enrolled.len(), 20);
        let mut per_org: HashMap<&str, i64> = HashMap::new();
        for e in &now_enrolled {
            *per_org.entry(&e.1).or_default() += 1;
        }
        assert!(per_org.values().all(|n| *n <= 5), "{per_org:?}");
        let promoted: HashSet<String> = now_enrolled
            .iter()
            .filter(|e| !enrolled_before.contains(&e.0))
            .map(|e| e.0.clone())
            .collect();
        assert_eq!(promoted.len(), 5, "{promoted:?}");
        // Exactly who the rule picks, in whichever order the server took the cancellations.
        let held: HashMap<String, i64> = enrolled.iter().fold(HashMap::new(), |mut m, e| {
            *m.entry(e.1.clone()).or_default() += 1;
            m
        });
        let line: Vec<(String, String)> = waiting.iter().map(|e| (e.0.clone(), e.1.clone())).collect();
        let orgs: Vec<String> = cancelled.iter().map(|(_, org)| org.clone()).collect();
        let possible: Vec<HashSet<String>> = permutations(&orgs)
            .iter()
            .map(|order| promoted_by_rule(order, held.clone(), line.clone(), 5))
            .collect();
        assert!(possible.contains(&promoted), "promoted {promoted:?} is not what the rule gives");
        // The rest of the line closes up: 1..=175.
        let still: Vec<Option<i64>> = after.iter().filter(|e| e.2 == "WAITLISTED").map(|e| e.3).collect();
        assert_eq!(still, (1..=175).map(Some).collect::<Vec<_>>());
    })
    .await;
}

#[tokio::test]
async fn an_organisation_at_its_cap_keeps_its_place_in_line_but_is_skipped_until_it_has_room() {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let course = published_course(app, &host, json!({ "capacity": 3, "seatsPerOrganization": 2 })).await;
        let (a, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (b, _) = app.sign_in(IKOMA_EDITOR).await;
        let c = token_for(app, "293423", Role::Editor).await;
        let a1 = enroll_staff(app, &a, &course, "A1").await;
        let _a2 = enroll_staff(app, &a, &course, "A2").await;
        // A is at its cap: A3 waits although a seat is free, and B1 takes that seat.
        let a3 = enroll_staff(app, &a, &course, "A3").await;
        assert_eq!((a3["status"].as_str(), a3["waitlistPosition"].as_i64()), (Some("WAITLISTED"), Some(1)), "{a3}");
        let b1 = enroll_staff(app, &b, &course, "B1").await;
        assert_eq!(b1["status"], "ENROLLED", "{b1}");
        let b2 = enroll_staff(app, &b, &course, "B2").await;
        let c1 = enroll_staff(app, &c, &course, "C1").await;
        assert_eq!(b2["waitlistPosition"], 2);
        assert_eq!(c1["waitlistPosition"], 3);
        // B1 leaves: A3 is first but A is still full, so B2 gets the seat; A3 keeps first place.
        app.gql_as(&b, CANCEL_ENROLLMENT, json!({ "id": id_of(&b1) })).await;
        assert_eq!(status_of(app, &b, &id_of(&b2)).await["status"], "ENROLLED");
        let waiting = status_of(app, &a, &id_of(&a3)).await;
        assert_eq!((waiting["status"].as_str(), waiting["waitlistPosition"].as_i64()), (Some("WAITLISTED"), Some(1)));
        assert_eq!(status_of(app, &c, &id_of(&c1)).await["waitlistPosition"], 2);
        // A1 leaves: now A has room, and A3 (first in line) gets the seat before C1.
        app.gql_as(&a, CANCEL_ENROLLMENT, json!({ "id": id_of(&a1) })).await;
        assert_eq!(status_of(app, &a, &id_of(&a3)).await["status"], "ENROLLED");
        let last = status_of(app, &c, &id_of(&c1)).await;
        assert_eq!((last["status"].as_str(), last["waitlistPosition"].as_i64()), (Some("WAITLISTED"), Some(1)));
        // Raising the capacity gives the new seat to the line.
        let body = app
            .gql_as(&host, "mutation($id: ID!) { updateCourse(input: { id: $id, capacity: 4 }) { course { seatsLeft } } }", json!({ "id": course }))
            .await;
        assert_eq!(body["data"]["updateCourse"]["course"]["seatsLeft"], 0, "{body}");
        assert_eq!(status_of(app, &c, &id_of(&c1)).await["status"], "ENROLLED");
    })
    .await;
}

#[tokio::test]
async fn a_freed_seat_is_offered_until_the_claim_deadline_and_then_passes_on() {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let course =
            published_course(app, &host, json!({ "capacity": 1, "offerClaimHours": 24 })).await;
        let (a, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (b, _) = app.sign_in(IKOMA_EDITOR).await;
        let c = token_for(app, "293423", Role::Editor).await;
        let d = token_for(app, "292036", Role::Editor).await;
        let x = enroll_staff(app, &a, &course, "X").await;
        let y = enroll_staff(app, &b, &course, "Y").await;
        let z = enroll_staff(app, &c, &course, "Z").await;
        assert_eq!(x["status"], "ENROLLED");
        assert_eq!(z["waitlistPosition"], 2);

        // X leaves: the seat is held for Y (first in line) until the deadline.
        app.gql_as(&a, CANCEL_ENROLLMENT, json!({ "id": id_of(&x) }))
            .await;
        let offered = status_of(app, &b, &id_of(&y)).await;
        assert_eq!(offered["status"], "OFFERED", "{offered}");
        let deadline = chrono::DateTime::parse_from_rfc3339(
            offered["offerExpiresAt"].as_str().expect("deadline"),
        )
        .expect("time");
        let hours = (deadline.with_timezone(&Utc) - Utc::now()).num_minutes() as f64 / 60.0;
        assert!((23.5..=24.0).contains(&hours), "{hours}");
        let seats = app.gql_as(&host, SEATS, json!({ "id": course })).await;
        assert_eq!(
            seats["data"]["course"],
            json!({ "seatsLeft": 0, "seatsTaken": 1, "waitlistLength": 1 }),
            "the offer holds the seat"
        );
        assert_eq!(status_of(app, &c, &id_of(&z)).await["waitlistPosition"], 1);
        // Only Y's side may claim; Y claims.
        assert_eq!(
            error_code(&app.gql_as(&c, CLAIM, json!({ "id": id_of(&y) })).await),
            "NOT_FOUND"
        );
        let body = app.gql_as(&b, CLAIM, json!({ "id": id_of(&y) })).await;
        assert_eq!(
            body["data"]["claimOffer"]["enrollment"]["status"], "ENROLLED",
            "{body}"
        );
        assert!(body["data"]["claimOffer"]["enrollment"]["offerExpiresAt"].is_null());
        assert_eq!(
            error_code(&app.gql_as(&b, CLAIM, json!({ "id": id_of(&y) })).await),
            "INVALID_TRANSITION"
        );

        // Y leaves: Z is offered the seat and lets the deadline pass.
        app.gql_as(&b, CANCEL_ENROLLMENT, json!({ "id": id_of(&y) }))
            .await;
        assert_eq!(status_of(app, &c, &id_of(&z)).await["status"], "OFFERED");
        expire_offer(app, &id_of(&z)).await;
        let body = app.gql_as(&c, CLAIM, json!({ "id": id_of(&z) })).await;
        assert_eq!(error_code(&body), "OFFER_EXPIRED", "{body}");
        assert!(body["errors"][0]["extensions"]["expiredAt"].is_string());
        // The next enrolment of the course passes the lapsed offer's seat on first. Z may
        // enrol again (the lapsed offer no longer counts as Z's enrolment); the line is
        // empty, so Z gets the seat as a newcomer, and W, after Z, waits.
        let z_again = enroll_staff(app, &c, &course, "Z").await;
        assert_eq!(z_again["status"], "ENROLLED", "{z_again}");
        let w = enroll_staff(app, &d, &course, "W").await;
        assert_eq!(w["status"], "WAITLISTED", "{w}");
        let lapsed = status_of(app, &c, &id_of(&z)).await;
        assert_eq!(
            (
                lapsed["status"].as_str(),
                lapsed["cancellationReason"].as_str()
            ),
            (Some("CANCELLED"), Some("OFFER_EXPIRED"))
        );

        // The sweep does the same for a course nobody touches.
        let other =
            published_course(app, &host, json!({ "capacity": 1, "offerClaimHours": 2 })).await;
        let p = enroll_staff(app, &a, &other, "P").await;
        let q = enroll_staff(app, &b, &other, "Q").await;
        let r = enroll_staff(app, &c, &other, "R").await;
        app.gql_as(&a, CANCEL_ENROLLMENT, json!({ "id": id_of(&p) }))
            .await;
        assert_eq!(status_of(app, &b, &id_of(&q)).await["status"], "OFFERED");
        expire_offer(app, &id_of(&q)).await;
        let lapsed = koiki::courses::seats::sweep_expired_offers(&app.state.db, Utc::now())
            .await
            .expect("sweep");
        assert_eq!(lapsed, 1);
        assert_eq!(
            status_of(app, &b, &id_of(&q)).await["cancellationReason"],
            "OFFER_EXPIRED"
        );
        assert_eq!(status_of(app, &c, &id_of(&r)).await["status"], "OFFERED");
        let again = koiki::courses::seats::sweep_expired_offers(&app.state.db, Utc::now())
            .await
            .expect("sweep");
        assert_eq!(again, 0, "nothing left to sweep");
    })
    .await;
}

/// Moves an offer's deadline into the past, as if the claim window had run out.
async fn expire_offer(app: &TestApp, global_id: &str) {
    use sea_orm::sea_query::Expr;
    let (_, id) = koiki::graphql::ids::decode_any("id", global_id).expect("id");
    entity::enrollment::Entity::update_many()
        .col_expr(
            entity::enrollment::Column::OfferExpiresAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(entity::enrollment::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .expect("deadline moved");
}

#[tokio::test]
async fn enrolment_outside_the_window_or_in_a_course_that_is_not_open_is_closed() {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let later = published_course(app, &host, json!({ "enrolmentOpensAt": in_days(3), "enrolmentClosesAt": in_days(9) })).await;
        let body = enroll_staff(app, &city, &later, "早すぎ").await;
        assert_eq!(error_code(&body), "ENROLMENT_CLOSED", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "NOT_YET_OPEN");
        assert!(body["errors"][0]["extensions"]["opensAt"].is_string());
        let past = published_course(app, &host, json!({ "enrolmentOpensAt": in_days(-9), "enrolmentClosesAt": in_days(-3) })).await;
        let body = enroll_staff(app, &city, &past, "遅すぎ").await;
        assert_eq!(body["errors"][0]["extensions"]["reason"], "WINDOW_CLOSED", "{body}");
        let done = published_course(app, &host, json!({})).await;
        app.gql_as(&host, "mutation($id: ID!) { completeCourse(input: { id: $id }) { course { id } } }", json!({ "id": done })).await;
        let body = enroll_staff(app, &city, &done, "終了後").await;
        assert_eq!(body["errors"][0]["extensions"]["reason"], "COURSE_NOT_OPEN", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["courseStatus"], "COMPLETED");
        // A draft is not even visible to others; its own host cannot enrol into it.
        let draft = crate::courses::create_course(app, &host, json!({})).await;
        assert_eq!(error_code(&enroll_staff(app, &city, &draft, "下書き").await), "NOT_FOUND");
        assert_eq!(error_code(&enroll_staff(app, &host, &draft, "下書き").await), "ENROLMENT_CLOSED");
        // No enrolment was written.
        let body = app.gql_as(&host, "{ enrollments(filter: { organizationCode: \"292010\", status: WAITLISTED }) { totalCount } }", json!({})).await;
        let before = body["data"]["enrollments"]["totalCount"].clone();
        enroll_staff(app, &city, &past, "再試行").await;
        let body = app.gql_as(&host, "{ enrollments(filter: { organizationCode: \"292010\", status: WAITLISTED }) { totalCount } }", json!({})).await;
        assert_eq!(body["data"]["enrollments"]["totalCount"], before);
    })
    .await;
}

#[tokio::test]
async fn enrolling_the_same_person_twice_is_a_conflict_until_they_cancel() {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let course =
            published_course(app, &host, json!({ "capacity": 1, "selfEnrolment": true })).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let first = enroll_staff(app, &city, &course, "山田 太郎").await;
        assert_eq!(first["status"], "ENROLLED");
        for typed in ["山田 太郎", "山田太郎", "  山田　太郎 "] {
            let body = enroll_staff(app, &city, &course, typed).await;
            assert_eq!(error_code(&body), "CONFLICT", "{typed}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], "participant");
        }
        // The same name in another organisation is another person.
        let (ikoma, _) = app.sign_in(IKOMA_EDITOR).await;
        assert_eq!(
            enroll_staff(app, &ikoma, &course, "山田 太郎").await["status"],
            "WAITLISTED"
        );
        // A user enrolling themself twice, waitlisted or not.
        let (member, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let me = app
            .gql_as(&member, ENROLL, json!({ "course": course }))
            .await;
        assert_eq!(me["data"]["enroll"]["status"], "WAITLISTED", "{me}");
        let again = app
            .gql_as(&member, ENROLL, json!({ "course": course }))
            .await;
        assert_eq!(error_code(&again), "CONFLICT", "{again}");
        let seats = app.gql_as(&host, SEATS, json!({ "id": course })).await;
        assert_eq!(
            seats["data"]["course"]["waitlistLength"], 2,
            "refusals changed nothing"
        );
        // After cancelling, enrolling again is fine.
        app.gql_as(&city, CANCEL_ENROLLMENT, json!({ "id": id_of(&first) }))
            .await;
        let body = enroll_staff(app, &city, &course, "山田太郎").await;
        assert_eq!(body["status"], "WAITLISTED", "{body}");
        let body = app
            .gql_as(&city, CANCEL_ENROLLMENT, json!({ "id": id_of(&first) }))
            .await;
        assert_eq!(error_code(&body), "INVALID_TRANSITION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["state"], "CANCELLED");
    })
    .await;
}

#[tokio::test]
async fn members_enrol_only_themselves_and_only_where_the_course_allows_it() {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let coordinated = published_course(app, &host, json!({})).await;
        let open = published_course(app, &host, json!({ "selfEnrolment": true })).await;
        let (member, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let (coordinator, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let me = app.gql_as(&member, "{ viewer { user { id } } }", json!({})).await;
        let member_id = me["data"]["viewer"]["user"]["id"].as_str().expect("id").to_owned();
        let (ikoma, _) = app.sign_in(IKOMA_MEMBER).await;
        let ikoma_id = app.gql_as(&ikoma, "{ viewer { user { id } } }", json!({})).await["data"]["viewer"]["user"]["id"]
            .as_str()
            .expect("id")
            .to_owned();

        let body = app.gql_as(&member, ENROLL, json!({ "course": coordinated })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["reason"], "SELF_ENROLMENT_CLOSED");
        for p in [json!({ "name": "同僚" }), json!({ "userId": ikoma_id })] {
            let body = app.gql_as(&member, ENROLL, json!({ "course": open, "p": p })).await;
            assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
            assert_eq!(body["errors"][0]["extensions"]["reason"], "COORDINATORS_ONLY");
        }
        let body = app.gql_as(&member, ENROLL, json!({ "course": open, "p": { "jobGrade": "GENERAL_STAFF", "department": "情報政策課" } })).await;
        let mine = &body["data"]["enroll"]["enrollment"];
        assert_eq!(body["data"]["enroll"]["status"], "ENROLLED", "{body}");
        assert_eq!(mine["participantName"], "奈良市 職員");

        // Coordinators enrol colleagues with an account, but not other organisations' staff.
        let body = app
            .gql_as(&coordinator, ENROLL, json!({ "course": coordinated, "p": { "userId": member_id } }))
            .await;
        assert_eq!(body["data"]["enroll"]["status"], "ENROLLED", "{body}");
        let body = app
            .gql_as(&coordinator, ENROLL, json!({ "course": coordinated, "p": { "userId": ikoma_id } }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let body = app
            .gql_as(&coordinator, ENROLL, json!({ "course": coordinated, "p": { "userId": member_id, "name": "二重" } }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "participant.name", "{body}");
        let body = app
            .gql_as(&coordinator, ENROLL, json!({ "course": coordinated, "p": { "name": "  " } }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "participant.name", "{body}");
        // Refused for every string of a request, before the rules; named by the variable.
        let body = app
            .gql_as(&coordinator, ENROLL, json!({ "course": coordinated, "p": { "name": "制御\u{7}文字" } }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "p.name", "{body}");
        let body = app
            .gql_as(&coordinator, ENROLL, json!({ "course": coordinated, "p": { "name": "部署", "department": "x".repeat(101) } }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "participant.department", "{body}");
        // Advisors and anonymous callers do not enrol; other prefectures do not see the course.
        let advisor = token_for(app, "292010", Role::Advisor).await;
        assert_eq!(error_code(&app.gql_as(&advisor, ENROLL, json!({ "course": open })).await), "FORBIDDEN");
        assert_eq!(error_code(&app.gql(ENROLL, json!({ "course": open })).await), "UNAUTHENTICATED");
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        assert_eq!(error_code(&app.gql_as(&kanazawa, ENROLL, json!({ "course": open })).await), "NOT_FOUND");

        // Who sees the member's enrolment: they, their coordinator, the host; nobody else.
        let id = mine["id"].as_str().expect("id").to_owned();
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        for (who, token, sees) in [
            ("participant", &member, true),
            ("coordinator", &coordinator, true),
            ("host editor", &host, true),
            ("host admin", &admin, true),
            ("another town", &ikoma, false),
            ("another prefecture", &kanazawa, false),
        ] {
            let body = app.gql_as(token, ENROLMENT_STATUS, json!({ "id": id })).await;
            assert_eq!(body["data"]["node"]["status"].is_string(), sees, "{who}: {body}");
            let listed = app
                .gql_as(token, "query($c: ID!) { enrollments(filter: { courseId: $c }) { edges { node { id } } } }", json!({ "c": open }))
                .await;
            assert_eq!(crate::courses::node_ids(&listed["data"]["enrollments"]).contains(&id), sees, "{who}: {listed}");
        }
        let body = app.gql(ENROLMENT_STATUS, json!({ "id": id })).await;
        assert!(body["data"]["node"].is_null(), "{body}");
        // A colleague may not withdraw the member; the member may.
        let colleague = token_for(app, "292010", Role::Member).await;
        assert_eq!(error_code(&app.gql_as(&colleague, CANCEL_ENROLLMENT, json!({ "id": id })).await), "NOT_FOUND");
        let body = app.gql_as(&member, CANCEL_ENROLLMENT, json!({ "id": id })).await;
        assert_eq!(body["data"]["cancelEnrollment"]["enrollment"]["status"], "CANCELLED", "{body}");
    })
    .await;
}

#[tokio::test]
async fn the_host_records_attendance_and_completion_and_others_may_not() {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let course = published_course(app, &host, json!({ "capacity": 1 })).await;
        let session = app
            .gql_as(&host, "query($id: ID!) { course(id: $id) { sessions { id } } }", json!({ "id": course }))
            .await["data"]["course"]["sessions"][0]["id"]
            .as_str()
            .expect("session")
            .to_owned();
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let enrolled = id_of(&enroll_staff(app, &city, &course, "出席者").await);
        let waiting = id_of(&enroll_staff(app, &city, &course, "待機者").await);
        let input = json!({ "input": { "enrollmentId": enrolled, "sessionId": session, "attended": false } });
        assert_eq!(error_code(&app.gql_as(&city, ATTEND, input.clone()).await), "FORBIDDEN");
        let body = app.gql_as(&host, ATTEND, input).await;
        assert_eq!(body["data"]["recordAttendance"]["attendance"]["attended"], false, "{body}");
        let body = app
            .gql_as(&host, ATTEND, json!({ "input": { "enrollmentId": enrolled, "sessionId": session, "attended": true } }))
            .await;
        assert_eq!(body["data"]["recordAttendance"]["enrollment"]["attendance"], json!([{ "attended": true }]), "corrected, not doubled: {body}");
        let body = app
            .gql_as(&host, ATTEND, json!({ "input": { "enrollmentId": waiting, "sessionId": session, "attended": true } }))
            .await;
        assert_eq!(error_code(&body), "INVALID_TRANSITION", "{body}");
        let other = published_course(app, &host, json!({})).await;
        let other_session = app
            .gql_as(&host, "query($id: ID!) { course(id: $id) { sessions { id } } }", json!({ "id": other }))
            .await["data"]["course"]["sessions"][0]["id"]
            .clone();
        let body = app
            .gql_as(&host, ATTEND, json!({ "input": { "enrollmentId": enrolled, "sessionId": other_session, "attended": true } }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");

        for (input, field) in [
            (json!({ "enrollmentId": enrolled, "hours": -1.0 }), "hours"),
            (json!({ "enrollmentId": enrolled, "hours": 3000.0 }), "hours"),
            (json!({ "enrollmentId": enrolled, "completedOn": (Utc::now() + Duration::days(3)).format("%Y-%m-%d").to_string() }), "completedOn"),
            (json!({ "enrollmentId": enrolled, "outcome": "NO_SHOW", "hours": 1.0 }), "hours"),
        ] {
            let body = app.gql_as(&host, COMPLETE, json!({ "input": input })).await;
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{input}: {body}");
        }
        assert_eq!(error_code(&app.gql_as(&city, COMPLETE, json!({ "input": { "enrollmentId": enrolled } })).await), "FORBIDDEN");
        let body = app.gql_as(&host, COMPLETE, json!({ "input": { "enrollmentId": waiting } })).await;
        assert_eq!(error_code(&body), "INVALID_TRANSITION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["state"], "WAITLISTED");
        let yesterday = (Utc::now() - Duration::days(1)).format("%Y-%m-%d").to_string();
        let body = app
            .gql_as(&host, COMPLETE, json!({ "input": { "enrollmentId": enrolled, "hours": 2.5, "completedOn": yesterday } }))
            .await;
        assert_eq!(
            body["data"]["recordCompletion"]["enrollment"],
            json!({ "id": enrolled, "status": "COMPLETED", "completedHours": 2.5, "completedOn": yesterday }),
            "{body}"
        );
        // Completing the course cancels the line; the host may still correct a completion.
        app.gql_as(&host, "mutation($id: ID!) { completeCourse(input: { id: $id }) { course { id } } }", json!({ "id": course })).await;
        let lapsed = status_of(app, &host, &waiting).await;
        assert_eq!(lapsed["cancellationReason"], "COURSE_COMPLETED", "{lapsed}");
        let body = app
            .gql_as(&host, COMPLETE, json!({ "input": { "enrollmentId": enrolled, "outcome": "NO_SHOW" } }))
            .await;
        assert_eq!(body["data"]["recordCompletion"]["enrollment"]["status"], "NO_SHOW", "{body}");
        assert_eq!(error_code(&app.gql_as(&city, CANCEL_ENROLLMENT, json!({ "id": enrolled })).await), "INVALID_TRANSITION");
    })
    .await;
}

#[tokio::test]
async fn cancelling_a_course_cancels_every_open_enrolment_and_says_why() {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let course = published_course(app, &host, json!({ "capacity": 1, "offerClaimHours": 5 })).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let a = id_of(&enroll_staff(app, &city, &course, "A").await);
        let b = id_of(&enroll_staff(app, &city, &course, "B").await);
        let c = id_of(&enroll_staff(app, &city, &course, "C").await);
        app.gql_as(&city, CANCEL_ENROLLMENT, json!({ "id": a })).await;
        assert_eq!(status_of(app, &city, &b).await["status"], "OFFERED");
        let body = app
            .gql_as(&host, "mutation($id: ID!) { cancelCourse(input: { id: $id }) { course { status seatsTaken waitlistLength } } }", json!({ "id": course }))
            .await;
        assert_eq!(body["data"]["cancelCourse"]["course"], json!({ "status": "CANCELLED", "seatsTaken": 0, "waitlistLength": 0 }), "{body}");
        assert_eq!(status_of(app, &city, &a).await["cancellationReason"], "WITHDRAWN");
        for id in [&b, &c] {
            let s = status_of(app, &city, id).await;
            assert_eq!((s["status"].as_str(), s["cancellationReason"].as_str()), (Some("CANCELLED"), Some("COURSE_CANCELLED")), "{s}");
        }
        assert_eq!(error_code(&enroll_staff(app, &city, &course, "D").await), "ENROLMENT_CLOSED");
    })
    .await;
}

#[tokio::test]
async fn every_course_and_enrolment_mutation_is_audited_in_its_transaction() {
    on_each_backend(async |app| {
        let (host, _) = app.sign_in(NARA_EDITOR).await;
        let course = crate::courses::create_course(app, &host, json!({ "capacity": 1, "offerClaimHours": 1 })).await;
        app.gql_as(&host, "mutation($id: ID!) { updateCourse(input: { id: $id, title: \"改題\" }) { course { id } } }", json!({ "id": course })).await;
        let start = Utc::now() + Duration::days(8);
        let session = app
            .gql_as(
                &host,
                "mutation($id: ID!, $s: SessionInput!) { addCourseSession(input: { courseId: $id, session: $s }) { session { id } } }",
                json!({ "id": course, "s": { "startsAt": start.to_rfc3339(), "endsAt": (start + Duration::hours(1)).to_rfc3339(), "online": true } }),
            )
            .await["data"]["addCourseSession"]["session"]["id"]
            .as_str()
            .expect("session")
            .to_owned();
        app.gql_as(&host, "mutation($id: ID!) { updateCourseSession(input: { id: $id, note: \"資料は当日配布\" }) { session { id } } }", json!({ "id": session })).await;
        app.gql_as(&host, crate::courses::PUBLISH, json!({ "id": course })).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let a = id_of(&enroll_staff(app, &city, &course, "A").await);
        let b = id_of(&enroll_staff(app, &city, &course, "B").await);
        app.gql_as(&city, CANCEL_ENROLLMENT, json!({ "id": a })).await;
        app.gql_as(&city, CLAIM, json!({ "id": b })).await;
        app.gql_as(&host, ATTEND, json!({ "input": { "enrollmentId": b, "sessionId": session, "attended": true } })).await;
        app.gql_as(&host, COMPLETE, json!({ "input": { "enrollmentId": b } })).await;
        app.gql_as(&host, "mutation($id: ID!) { completeCourse(input: { id: $id }) { course { id } } }", json!({ "id": course })).await;
        let other = crate::courses::create_course(app, &host, json!({})).await;
        app.gql_as(&host, "mutation($id: ID!) { cancelCourse(input: { id: $id }) { course { id } } }", json!({ "id": other })).await;

        let events = entity::audit_event::Entity::find()
            .filter(entity::audit_event::Column::Entity.is_in(["Course", "CourseSession", "Enrollment"]))
            .all(&app.state.db)
            .await
            .expect("events");
        let actions: HashSet<&str> = events.iter().map(|e| e.action.as_str()).collect();
        for action in [
            "course.create",
            "course.update",
            "course.publish",
            "course.complete",
            "course.cancel",
            "course_session.create",
            "course_session.update",
            "enrollment.create",
            "enrollment.cancel",
            "enrollment.offer",
            "enrollment.claim",
            "enrollment.attendance",
            "enrollment.complete",
        ] {
            assert!(actions.contains(action), "{action} missing from {actions:?}");
        }
        let claim = events.iter().find(|e| e.action == "enrollment.claim").expect("claim");
        assert_eq!(claim.before.as_ref().map(|b| b["status"].clone()), Some(json!("OFFERED")));
        assert_eq!(claim.after.as_ref().map(|a| a["status"].clone()), Some(json!("ENROLLED")));
        assert!(claim.actor_user_id.is_some() && claim.request_id.is_some());
    })
    .await;
}
