//! The course catalogue: creating, publishing, finding and sharing courses, the status
//! machine, cost shares, training summaries, the demo courses, and the cost of nested fields.
//! Enrolment has its own module (`enrolment.rs`); the helpers here serve both.

use chrono::{Duration, Utc};
use entity::enums::Role;
use serde_json::{Value, json};

use crate::helpers::{
    IKOMA_EDITOR, IKOMA_MEMBER, KANAZAWA_EDITOR, KOCHI_ADMIN, NARA_ADMIN, NARA_CITY_EDITOR,
    NARA_CITY_MEMBER, NARA_EDITOR, TestApp, error_code, on_each_backend,
};

pub const CREATE: &str = "mutation($input: CreateCourseInput!) { createCourse(input: $input) { course { id status title seatsLeft capacity startsAt sessions { id startsAt } } } }";
pub const PUBLISH: &str =
    "mutation($id: ID!) { publishCourse(input: { id: $id }) { course { id status } } }";
pub const ENROLL: &str = "mutation($course: ID!, $p: ParticipantInput) { enroll(input: { courseId: $course, participant: $p }) { status waitlistPosition enrollment { id status waitlistPosition participantName createdAt organization { code } } course { seatsLeft waitlistLength } } }";
pub const CANCEL_ENROLLMENT: &str = "mutation($id: ID!) { cancelEnrollment(input: { id: $id }) { enrollment { id status cancellationReason } } }";
pub const ENROLMENT_STATUS: &str = "query($id: ID!) { node(id: $id) { ... on Enrollment { status waitlistPosition offerExpiresAt cancellationReason completedHours completedOn participantName } } }";

/// An instant `days` from now, RFC 3339.
pub fn in_days(days: i64) -> String {
    (Utc::now() + Duration::days(days)).to_rfc3339()
}

/// A valid `CreateCourseInput`, with `overrides` merged in.
pub fn course_input(overrides: Value) -> Value {
    let mut input = json!({
        "title": "情報セキュリティ基礎研修",
        "summary": "新任職員のための基礎",
        "jobGrades": ["NEW_HIRE"],
        "skillAreas": ["SECURITY"],
        "level": 1,
        "format": "LECTURE",
        "totalHours": 3.0,
        "capacity": 10,
        "audience": "PREFECTURE",
        "enrolmentOpensAt": in_days(-1),
        "enrolmentClosesAt": in_days(20),
    });
    // A session of three hours.
    let start = Utc::now() + Duration::days(30);
    input["sessions"] = json!([{
        "startsAt": start.to_rfc3339(),
        "endsAt": (start + Duration::hours(3)).to_rfc3339(),
        "venue": "奈良県庁",
    }]);
    if let (Some(target), Some(changes)) = (input.as_object_mut(), overrides.as_object()) {
        for (key, value) in changes {
            target.insert(key.clone(), value.clone());
        }
    }
    input
}

/// An access token for a service account of the organisation with `code`.
pub async fn token_for(app: &TestApp, code: &str, role: Role) -> String {
    koiki::scripts::token_for(
        &app.state.db,
        &app.state.keys,
        code,
        role,
        chrono::Duration::hours(1),
    )
    .await
    .expect("token")
}

/// Creates a draft course; returns its id.
pub async fn create_course(app: &TestApp, token: &str, overrides: Value) -> String {
    let body = app
        .gql_as(token, CREATE, json!({ "input": course_input(overrides) }))
        .await;
    body["data"]["createCourse"]["course"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("course created: {body}"))
        .to_owned()
}

/// Creates and publishes a course; returns its id.
pub async fn published_course(app: &TestApp, token: &str, overrides: Value) -> String {
    let id = create_course(app, token, overrides).await;
    let body = app.gql_as(token, PUBLISH, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["publishCourse"]["course"]["status"], "PUBLISHED",
        "{body}"
    );
    id
}

/// Enrols a named staff member; returns `data.enroll` (or the whole body on error).
pub async fn enroll_staff(app: &TestApp, token: &str, course: &str, name: &str) -> Value {
    let body = app
        .gql_as(
            token,
            ENROLL,
            json!({ "course": course, "p": { "name": name, "jobGrade": "GENERAL_STAFF", "department": "総務課" } }),
        )
        .await;
    if body["errors"].is_null() {
        body["data"]["enroll"].clone()
    } else {
        body
    }
}

/// The global id of the council whose name starts with `prefix` (the shortest such name).
pub async fn council_id(app: &TestApp, prefix: &str) -> String {
    let body = app
        .gql(
            "{ councils(first: 50) { edges { node { id name } } } }",
            json!({}),
        )
        .await;
    body["data"]["councils"]["edges"]
        .as_array()
        .expect("councils")
        .iter()
        .map(|e| &e["node"])
        .filter(|n| n["name"].as_str().is_some_and(|s| s.starts_with(prefix)))
        .min_by_key(|n| n["name"].as_str().map_or(usize::MAX, str::len))
        .and_then(|n| n["id"].as_str())
        .expect("council")
        .to_owned()
}

/// The ids of a connection's nodes, in order.
pub fn node_ids(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| e["node"]["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

const COURSE: &str = "query($id: ID!) { course(id: $id) { id title status host { code } seatsLeft } node(id: $id) { id } }";

#[tokio::test]
async fn a_host_creates_a_draft_that_only_its_coordinators_see_until_it_is_published() {
    on_each_backend(async |app| {
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let body = app
            .gql_as(
                &editor,
                CREATE,
                json!({ "input": course_input(json!({ "coHostCodes": ["292010"], "seatsPerOrganization": 3 })) }),
            )
            .await;
        let course = &body["data"]["createCourse"]["course"];
        assert_eq!(course["status"], "DRAFT", "{body}");
        assert_eq!(course["seatsLeft"], 10);
        assert_eq!(course["startsAt"], course["sessions"][0]["startsAt"], "{body}");
        let id = course["id"].as_str().expect("id").to_owned();
        let session = course["sessions"][0]["id"]
            .as_str()
            .expect("session")
            .to_owned();
        let session_node = "query($id: ID!) { node(id: $id) { ... on CourseSession { startsAt course { id } } } }";

        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let member = token_for(app, "290009", Role::Member).await;
        // The host's editors and admins see the draft; its members, others and anonymous
        // viewers do not, through `course` or `node`.
        for (who, token, sees) in [
            ("editor", Some(&editor), true),
            ("admin", Some(&admin), true),
            ("member", Some(&member), false),
            ("another organisation", Some(&city), false),
            ("anonymous", None, false),
        ] {
            let (_, body) = app.post_gql(token.map(String::as_str), COURSE, json!({ "id": id })).await;
            assert_eq!(body["data"]["course"]["id"].is_string(), sees, "{who}: {body}");
            assert_eq!(body["data"]["node"]["id"].is_string(), sees, "{who}: {body}");
        }

        // A session is as visible as its course.
        let (city_editor, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let hidden = app
            .gql_as(&city_editor, session_node, json!({ "id": session }))
            .await;
        assert!(hidden["data"]["node"].is_null(), "{hidden}");
        let seen = app.gql_as(&editor, session_node, json!({ "id": session })).await;
        assert_eq!(seen["data"]["node"]["course"]["id"], id.as_str(), "{seen}");

        app.gql_as(&editor, PUBLISH, json!({ "id": id })).await;
        let shown = app
            .gql_as(&city_editor, session_node, json!({ "id": session }))
            .await;
        assert_eq!(shown["data"]["node"]["course"]["id"], id.as_str(), "{shown}");
        let body = app.gql_as(&city, COURSE, json!({ "id": id })).await;
        assert_eq!(body["data"]["course"]["status"], "PUBLISHED", "{body}");
        assert_eq!(body["data"]["course"]["host"]["code"], "290009");
        // PREFECTURE audience: Nara's municipalities see it, Kanazawa does not.
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let body = app.gql_as(&kanazawa, COURSE, json!({ "id": id })).await;
        assert!(body["data"]["course"].is_null(), "{body}");
        assert!(body["data"]["node"].is_null(), "{body}");
        // Only the host writes it.
        let body = app
            .gql_as(
                &city,
                "mutation($id: ID!) { updateCourse(input: { id: $id, title: \"乗っ取り\" }) { course { title } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = app
            .gql_as(&kanazawa, "mutation($id: ID!) { cancelCourse(input: { id: $id }) { course { id } } }", json!({ "id": id }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
    })
    .await;
}

#[tokio::test]
async fn courses_are_found_by_text_skill_grade_format_level_host_window_and_dates() {
    on_each_backend(async |app| {
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let start = |days: i64| {
            let at = Utc::now() + Duration::days(days);
            json!([{ "startsAt": at.to_rfc3339(), "endsAt": (at + Duration::hours(2)).to_rfc3339(), "online": true }])
        };
        let rpa = published_course(
            app,
            &editor,
            json!({ "title": "ＲＰＡ 実践講座 計測用", "skillAreas": ["RPA", "BPR"], "jobGrades": ["MID_LEVEL"], "format": "HANDS_ON", "level": 3, "sessions": start(40) }),
        )
        .await;
        let data = published_course(
            app,
            &editor,
            json!({ "title": "データ利活用入門 計測用", "skillAreas": ["DATA_USE"], "jobGrades": ["GENERAL_STAFF", "MANAGEMENT"], "format": "WORKSHOP", "level": 1, "sessions": start(10) }),
        )
        .await;
        let closed = published_course(
            app,
            &editor,
            json!({ "title": "締切済み講座 計測用", "enrolmentOpensAt": in_days(-10), "enrolmentClosesAt": in_days(-1), "sessions": start(20) }),
        )
        .await;
        let _draft = create_course(app, &editor, json!({ "title": "下書き 計測用" })).await;
        let (city, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let find = async |filter: Value| {
            let body = app
                .gql_as(
                    &city,
                    "query($f: CourseFilterInput) { courses(filter: $f, first: 50) { totalCount edges { node { id } } } }",
                    json!({ "f": filter }),
                )
                .await;
            assert!(body["errors"].is_null(), "{filter}: {body}");
            node_ids(&body["data"]["courses"])
        };
        // Search folds width and case: "rpa" finds "ＲＰＡ".
        assert_eq!(find(json!({ "search": "rpa 実践" })).await, [rpa.as_str()]);
        // Starts-at order by default: data (10 days) before closed (20) before rpa (40).
        assert_eq!(find(json!({ "search": "計測用" })).await, [data.as_str(), closed.as_str(), rpa.as_str()]);
        assert_eq!(find(json!({ "search": "計測用", "skillAreas": ["BPR"] })).await, [rpa.as_str()]);
        // "DATA_USE" must not match inside another value, nor "_" act as a wildcard.
        assert_eq!(find(json!({ "search": "計測用", "skillAreas": ["DATA_USE", "AI"] })).await, [data.as_str()]);
        assert_eq!(find(json!({ "search": "計測用", "jobGrades": ["MANAGEMENT"] })).await, [data.as_str()]);
        assert_eq!(find(json!({ "search": "計測用", "formats": ["HANDS_ON", "WORKSHOP"] })).await, [data.as_str(), rpa.as_str()]);
        assert_eq!(find(json!({ "search": "計測用", "levels": [3] })).await, [rpa.as_str()]);
        assert_eq!(find(json!({ "search": "計測用", "openForEnrolment": false })).await, [closed.as_str()]);
        assert_eq!(find(json!({ "search": "計測用", "openForEnrolment": true })).await, [data.as_str(), rpa.as_str()]);
        assert_eq!(
            find(json!({ "search": "計測用", "startsAfter": in_days(15), "startsBefore": in_days(30) })).await,
            [closed.as_str()]
        );
        // A municipality's code selects its prefecture; another prefecture finds nothing.
        assert_eq!(find(json!({ "search": "計測用", "hostPrefectureCode": "292095" })).await.len(), 3);
        assert!(find(json!({ "search": "計測用", "hostPrefectureCode": "170003" })).await.is_empty());
        assert_eq!(find(json!({ "search": "計測用", "hostOrganizationCode": "290009", "statuses": ["PUBLISHED"] })).await.len(), 3);

        // Ordered by title, descending, paged two at a time with cursors.
        let q = "query($after: String) { courses(filter: { search: \"計測用\" }, first: 2, after: $after, orderBy: { field: TITLE, direction: DESC }) { edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } }";
        let first = app.gql_as(&city, q, json!({ "after": null })).await;
        let second = app
            .gql_as(&city, q, json!({ "after": first["data"]["courses"]["pageInfo"]["endCursor"] }))
            .await;
        assert_eq!(first["data"]["courses"]["pageInfo"]["hasNextPage"], true, "{first}");
        assert_eq!(second["data"]["courses"]["pageInfo"]["hasNextPage"], false, "{second}");
        let titles: Vec<String> = [&first, &second]
            .iter()
            .flat_map(|b| b["data"]["courses"]["edges"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e["node"]["title"].as_str().map(str::to_owned))
            .collect();
        let mut sorted = titles.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(titles.len(), 3);
        if app.backend == crate::helpers::Backend::Sqlite {
            assert_eq!(titles, sorted, "byte order on SQLite");
        }
        // A cursor of one order is refused by another.
        let cursor = first["data"]["courses"]["pageInfo"]["endCursor"].clone();
        let body = app
            .gql_as(
                &city,
                "query($after: String) { courses(first: 2, after: $after, orderBy: { field: STARTS_AT }) { totalCount } }",
                json!({ "after": cursor }),
            )
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        // Bad filters name their field.
        for (filter, field) in [
            (json!({ "levels": [6] }), "filter.levels.0"),
            (json!({ "hostPrefectureCode": "290008" }), "filter.hostPrefectureCode"),
            // Control characters are refused for every string of a request, before the
            // course rules see it; the field is the variable's path.
            (json!({ "search": "a\u{0}b" }), "f.search"),
            (json!({ "startsAfter": in_days(5), "startsBefore": in_days(1) }), "filter.startsBefore"),
        ] {
            let body = app
                .gql_as(&city, "query($f: CourseFilterInput) { courses(filter: $f) { totalCount } }", json!({ "f": filter }))
                .await;
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
    })
    .await;
}

const UPDATE: &str = "mutation($input: UpdateCourseInput!) { updateCourse(input: $input) { course { id capacity title summary seatsPerOrganization enrolmentClosesAt } } }";

#[tokio::test]
async fn bad_course_input_is_a_validation_error_naming_the_field_and_changes_nothing() {
    on_each_backend(async |app| {
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let audits_before = audit_count(app).await;
        let courses_before = course_count(app).await;
        let start = Utc::now() + Duration::days(5);
        for (overrides, field) in [
            (json!({ "enrolmentOpensAt": in_days(3), "enrolmentClosesAt": in_days(2) }), "enrolmentClosesAt"),
            (
                json!({ "sessions": [{ "startsAt": start.to_rfc3339(), "endsAt": (start - Duration::hours(1)).to_rfc3339(), "venue": "県庁" }] }),
                "sessions.0.endsAt",
            ),
            (json!({ "sessions": [{ "startsAt": start.to_rfc3339(), "endsAt": (start + Duration::hours(1)).to_rfc3339() }] }), "sessions.0.venue"),
            (json!({ "capacity": 0 }), "capacity"),
            (json!({ "capacity": 5, "seatsPerOrganization": 6 }), "seatsPerOrganization"),
            (json!({ "level": 9 }), "level"),
            (json!({ "title": "  " }), "title"),
            (json!({ "title": "改行\nあり" }), "title"),
            (json!({ "summary": "x".repeat(4001) }), "summary"),
            (json!({ "skillAreas": [] }), "skillAreas"),
            (json!({ "feeRule": "SPLIT_EVENLY" }), "feeAmount"),
            (json!({ "feeAmount": 100 }), "feeAmount"),
            (json!({ "offerClaimHours": 1000 }), "offerClaimHours"),
            (json!({ "audience": "COUNCIL" }), "councilId"),
            (json!({ "coHostCodes": ["290009"] }), "coHostCodes.0"),
            (json!({ "coHostCodes": ["292011"] }), "coHostCodes.0"),
        ] {
            let body = app
                .gql_as(&editor, CREATE, json!({ "input": course_input(overrides.clone()) }))
                .await;
            assert_eq!(error_code(&body), "VALIDATION", "{overrides}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{overrides}: {body}");
        }
        // A council the host does not belong to.
        let kamikawa = council_id(app, "電算事務共同処理協議会").await;
        let body = app
            .gql_as(&editor, CREATE, json!({ "input": course_input(json!({ "audience": "COUNCIL", "councilId": kamikawa })) }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "councilId", "{body}");
        assert_eq!(course_count(app).await, courses_before);
        assert_eq!(audit_count(app).await, audits_before, "refusals leave no trace");

        // Capacity below current enrolment, on a published course with enrolments.
        let course = published_course(app, &editor, json!({ "capacity": 3 })).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        for name in ["一", "二", "三"] {
            assert_eq!(enroll_staff(app, &city, &course, name).await["status"], "ENROLLED");
        }
        let before = app.gql_as(&editor, COURSE, json!({ "id": course })).await;
        let audits = audit_count(app).await;
        let body = app
            .gql_as(&editor, UPDATE, json!({ "input": { "id": course, "capacity": 2, "title": "変更しない" } }))
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "capacity");
        assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("at least 3"), "{body}");
        let body = app
            .gql_as(&editor, UPDATE, json!({ "input": { "id": course, "seatsPerOrganization": 2 } }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "seatsPerOrganization", "{body}");
        let body = app
            .gql_as(&editor, UPDATE, json!({ "input": { "id": course, "enrolmentClosesAt": in_days(-5) } }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "enrolmentClosesAt", "{body}");
        assert_eq!(app.gql_as(&editor, COURSE, json!({ "id": course })).await, before);
        assert_eq!(audit_count(app).await, audits);

        // Updates that fit apply, `null` clears, and leaving a field out keeps it.
        let body = app
            .gql_as(&editor, UPDATE, json!({ "input": { "id": course, "capacity": 5, "summary": null, "enrolmentClosesAt": in_days(40) } }))
            .await;
        let updated = &body["data"]["updateCourse"]["course"];
        assert_eq!(updated["capacity"], 5, "{body}");
        assert!(updated["summary"].is_null());
        assert_eq!(updated["title"], "情報セキュリティ基礎研修");
        // Japanese messages on request.
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&editor)
            .header("Accept-Language", "ja")
            .json(&json!({ "query": UPDATE, "variables": { "input": { "id": course, "capacity": 1 } } }))
            .send()
            .await
            .expect("sent");
        let body: Value = response.json().await.expect("json");
        assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("3以上"), "{body}");
    })
    .await;
}

async fn audit_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::audit_event::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count")
}

async fn course_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::course::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count")
}

#[tokio::test]
async fn the_course_status_machine_refuses_what_it_does_not_allow() {
    on_each_backend(async |app| {
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let action = |name: &str| {
            format!("mutation($id: ID!) {{ {name}(input: {{ id: $id }}) {{ course {{ status }} }} }}")
        };
        let run = async |name: &str, id: &str| app.gql_as(&editor, &action(name), json!({ "id": id })).await;
        let draft = create_course(app, &editor, json!({})).await;
        let body = run("completeCourse", &draft).await;
        assert_eq!(error_code(&body), "INVALID_TRANSITION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["state"], "DRAFT");
        assert_eq!(run("publishCourse", &draft).await["data"]["publishCourse"]["course"]["status"], "PUBLISHED");
        assert_eq!(error_code(&run("publishCourse", &draft).await), "INVALID_TRANSITION");
        assert_eq!(run("completeCourse", &draft).await["data"]["completeCourse"]["course"]["status"], "COMPLETED");
        for name in ["publishCourse", "completeCourse", "cancelCourse"] {
            let body = run(name, &draft).await;
            assert_eq!(error_code(&body), "INVALID_TRANSITION", "{name}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["state"], "COMPLETED");
        }
        let body = app
            .gql_as(&editor, UPDATE, json!({ "input": { "id": draft, "title": "終わった研修" } }))
            .await;
        assert_eq!(error_code(&body), "INVALID_TRANSITION", "{body}");
        let other = create_course(app, &editor, json!({})).await;
        assert_eq!(run("cancelCourse", &other).await["data"]["cancelCourse"]["course"]["status"], "CANCELLED");
        let body = app
            .gql_as(
                &editor,
                "mutation($id: ID!, $s: SessionInput!) { addCourseSession(input: { courseId: $id, session: $s }) { session { id } } }",
                json!({ "id": other, "s": { "startsAt": in_days(3), "endsAt": in_days(4), "online": true } }),
            )
            .await;
        assert_eq!(error_code(&body), "INVALID_TRANSITION", "{body}");
        // Unknown and malformed ids.
        let body = run("publishCourse", "not-an-id").await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
    })
    .await;
}

#[tokio::test]
async fn sessions_are_added_and_edited_and_keep_the_course_start_current() {
    on_each_backend(async |app| {
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let course = create_course(app, &editor, json!({ "sessions": [] })).await;
        let add = "mutation($id: ID!, $s: SessionInput!) { addCourseSession(input: { courseId: $id, session: $s }) { session { id hours venue online } course { startsAt } } }";
        let later = Utc::now() + Duration::days(20);
        let earlier = Utc::now() + Duration::days(10);
        let body = app
            .gql_as(&editor, add, json!({ "id": course, "s": { "startsAt": later.to_rfc3339(), "endsAt": (later + Duration::minutes(90)).to_rfc3339(), "venue": " 県庁 " } }))
            .await;
        let payload = &body["data"]["addCourseSession"];
        assert_eq!(payload["session"]["hours"], 1.5, "{body}");
        assert_eq!(payload["session"]["venue"], "県庁");
        let first_start = payload["course"]["startsAt"].clone();
        let session = payload["session"]["id"].as_str().expect("session").to_owned();
        let body = app
            .gql_as(&editor, add, json!({ "id": course, "s": { "startsAt": earlier.to_rfc3339(), "endsAt": (earlier + Duration::hours(1)).to_rfc3339(), "online": true } }))
            .await;
        assert_ne!(body["data"]["addCourseSession"]["course"]["startsAt"], first_start, "{body}");
        let edit = "mutation($input: UpdateCourseSessionInput!) { updateCourseSession(input: $input) { session { startsAt endsAt venue online } course { startsAt } } }";
        let body = app
            .gql_as(&editor, edit, json!({ "input": { "id": session, "endsAt": (later - Duration::hours(1)).to_rfc3339() } }))
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "endsAt");
        let body = app
            .gql_as(&editor, edit, json!({ "input": { "id": session, "venue": null } }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "venue", "{body}");
        let body = app
            .gql_as(&editor, edit, json!({ "input": { "id": session, "venue": null, "online": true, "note": "録画あり" } }))
            .await;
        assert_eq!(body["data"]["updateCourseSession"]["session"]["online"], true, "{body}");
        // Someone else's session is not found; the sessions list is in start order.
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let body = app.gql_as(&city, edit, json!({ "input": { "id": session, "online": false } })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let body = app
            .gql_as(&editor, "query($id: ID!) { course(id: $id) { sessions { startsAt } } }", json!({ "id": course }))
            .await;
        let starts: Vec<&str> = body["data"]["course"]["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .filter_map(|s| s["startsAt"].as_str())
            .collect();
        assert_eq!(starts.len(), 2);
        assert!(starts[0] < starts[1], "{body}");
    })
    .await;
}

#[tokio::test]
async fn cost_shares_follow_the_fee_rule_and_show_other_organisations_only_to_the_host() {
    on_each_backend(async |app| {
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let course = published_course(
            app,
            &editor,
            json!({ "capacity": 10, "feeRule": "SPLIT_BY_HEADCOUNT", "feeAmount": 100000 }),
        )
        .await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (ikoma, _) = app.sign_in(IKOMA_EDITOR).await;
        let heguri = token_for(app, "293423", Role::Editor).await;
        for (token, n) in [(&city, 3), (&ikoma, 2), (&heguri, 2)] {
            for i in 0..n {
                assert_eq!(enroll_staff(app, token, &course, &format!("受講者{i}")).await["status"], "ENROLLED");
            }
        }
        // A waitlisted or cancelled participant does not count.
        let q = "query($id: ID!) { costShares(courseId: $id) { feeRule totalYen complete shares { organization { code } participants amountYen } } }";
        let body = app.gql_as(&editor, q, json!({ "id": course })).await;
        let shares = &body["data"]["costShares"];
        assert_eq!(shares["complete"], true, "{body}");
        assert_eq!(shares["totalYen"], 100000);
        assert_eq!(
            shares["shares"],
            json!([
                { "organization": { "code": "292010" }, "participants": 3, "amountYen": 42857 },
                { "organization": { "code": "292095" }, "participants": 2, "amountYen": 28572 },
                { "organization": { "code": "293423" }, "participants": 2, "amountYen": 28571 },
            ])
        );
        // A participating organisation sees its own share only.
        let body = app.gql_as(&ikoma, q, json!({ "id": course })).await;
        assert_eq!(body["data"]["costShares"]["complete"], false, "{body}");
        assert_eq!(body["data"]["costShares"]["shares"], json!([{ "organization": { "code": "292095" }, "participants": 2, "amountYen": 28572 }]));
        // Someone who cannot see the course gets NOT_FOUND.
        let (kochi, _) = app.sign_in(KOCHI_ADMIN).await;
        assert_eq!(error_code(&app.gql_as(&kochi, q, json!({ "id": course })).await), "NOT_FOUND");
        // An even split; the one leftover yen goes to the first code.
        let body = app
            .gql_as(
                &editor,
                "mutation($input: UpdateCourseInput!) { updateCourse(input: $input) { course { feeRule } } }",
                json!({ "input": { "id": course, "feeRule": "SPLIT_EVENLY" } }),
            )
            .await;
        assert_eq!(body["data"]["updateCourse"]["course"]["feeRule"], "SPLIT_EVENLY", "{body}");
        let body = app.gql_as(&editor, q, json!({ "id": course })).await;
        let yen: Vec<i64> = body["data"]["costShares"]["shares"]
            .as_array()
            .expect("shares")
            .iter()
            .filter_map(|s| s["amountYen"].as_i64())
            .collect();
        assert_eq!(yen, [33334, 33333, 33333], "{body}");
    })
    .await;
}

#[tokio::test]
async fn the_demo_courses_follow_the_reference_material() {
    on_each_backend(async |app| {
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let body = app
            .gql_as(
                &kanazawa,
                r#"{ courses(filter: { hostOrganizationCode: "172014" }, orderBy: { field: STARTS_AT }) { totalCount edges { node { title status capacity totalHours jobGrades format sessions { startsAt } viewerEnrollments { status } } } } }"#,
                json!({}),
            )
            .await;
        let courses = body["data"]["courses"]["edges"].as_array().expect("courses");
        assert_eq!(courses.len(), 2, "{body}");
        let last_year = &courses[0]["node"];
        assert_eq!(last_year["status"], "COMPLETED");
        assert_eq!(last_year["capacity"], 20);
        assert_eq!(last_year["totalHours"], 120.0);
        assert_eq!(last_year["format"], "PROJECT_BASED");
        assert_eq!(last_year["jobGrades"], json!(["DIGITAL_PROMOTION_LEADER"]));
        assert_eq!(last_year["sessions"].as_array().map(Vec::len), Some(4));
        assert_eq!(courses[1]["node"]["status"], "PUBLISHED");

        // A Nara municipality's coordinator finds the council's courses, among them the
        // security basics for new staff, the executives' course and the subcommittee's.
        let (ikoma, _) = app.sign_in(IKOMA_EDITOR).await;
        let body = app
            .gql_as(
                &ikoma,
                r#"{ courses(filter: { hostPrefectureCode: "290009", openForEnrolment: true }) { edges { node { title council { name } seatsPerOrganization feeRule seatsLeft waitlistLength } } } }"#,
                json!({}),
            )
            .await;
        let titles: Vec<&str> = body["data"]["courses"]["edges"]
            .as_array()
            .expect("courses")
            .iter()
            .filter_map(|e| e["node"]["title"].as_str())
            .collect();
        for expected in ["情報セキュリティ基礎研修", "幹部職員特別研修", "生成AI", "RPA"] {
            assert!(titles.iter().any(|t| t.contains(expected)), "{expected}: {titles:?}");
        }
        let ai = body["data"]["courses"]["edges"]
            .as_array()
            .and_then(|e| e.iter().find(|e| e["node"]["title"].as_str().unwrap_or("").contains("生成AI")))
            .map(|e| e["node"].clone())
            .expect("AI workshop");
        assert_eq!(ai["seatsLeft"], 0, "{ai}");
        assert_eq!(ai["waitlistLength"], 2, "{ai}");
        // Kochi sees none of Nara's council courses.
        let (kochi, _) = app.sign_in(KOCHI_ADMIN).await;
        let body = app
            .gql_as(&kochi, r#"{ courses(filter: { hostPrefectureCode: "290009" }) { totalCount } }"#, json!({}))
            .await;
        assert_eq!(body["data"]["courses"]["totalCount"], 0, "{body}");
        // Every enrolment status is there.
        let (nara, _) = app.sign_in(NARA_ADMIN).await;
        for status in ["ENROLLED", "WAITLISTED", "OFFERED", "CANCELLED"] {
            let body = app
                .gql_as(&nara, "query($s: EnrollmentStatus) { enrollments(filter: { status: $s }) { totalCount } }", json!({ "s": status }))
                .await;
            assert!(body["data"]["enrollments"]["totalCount"].as_i64().unwrap_or(0) > 0, "{status}: {body}");
        }
        for status in ["COMPLETED", "NO_SHOW"] {
            let body = app
                .gql_as(&kanazawa, "query($s: EnrollmentStatus) { enrollments(filter: { status: $s }) { totalCount } }", json!({ "s": status }))
                .await;
            assert!(body["data"]["enrollments"]["totalCount"].as_i64().unwrap_or(0) > 0, "{status}: {body}");
        }
        // The Nara city member enrolled themself in the AI workshop.
        let (member, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let body = app
            .gql_as(&member, "{ enrollments { edges { node { status viewerIsParticipant course { title } } } } }", json!({}))
            .await;
        let mine = &body["data"]["enrollments"]["edges"][0]["node"];
        assert_eq!(mine["viewerIsParticipant"], true, "{body}");
        assert!(mine["course"]["title"].as_str().unwrap_or("").contains("生成AI"));
        // Last year's leaders count in Kanazawa's training summary.
        let fy = koiki::fiscal::of_instant(Utc::now()) - 1;
        let body = app
            .gql_as(
                &kanazawa,
                "query($fy: Int!) { trainingSummary(organizationCode: \"172014\", fiscalYear: $fy) { completions leadersTrained hours } }",
                json!({ "fy": fy }),
            )
            .await;
        assert_eq!(body["data"]["trainingSummary"]["leadersTrained"], 18, "{body}");
    })
    .await;
}

#[tokio::test]
async fn training_summaries_are_for_the_organisation_and_its_prefecture() {
    on_each_backend(async |app| {
        let fy = koiki::fiscal::of_instant(Utc::now());
        let q = "query($code: String!, $fy: Int!, $all: Boolean) { trainingSummary(organizationCode: $code, fiscalYear: $fy, includeMunicipalities: $all) { organization { code } fiscalYear includesMunicipalities completions participants hours leadersTrained byJobGrade { jobGrade completions hours } bySkillArea { skillArea completions } } }";
        let (ikoma, _) = app.sign_in(IKOMA_MEMBER).await;
        let (nara, _) = app.sign_in(NARA_EDITOR).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (kochi, _) = app.sign_in(KOCHI_ADMIN).await;
        let vars = |code: &str, all: bool| json!({ "code": code, "fy": fy, "all": all });
        let own = app.gql_as(&ikoma, q, vars("292095", false)).await;
        assert_eq!(own["data"]["trainingSummary"]["organization"]["code"], "292095", "{own}");
        let prefecture = app.gql_as(&nara, q, vars("292095", false)).await;
        assert_eq!(prefecture["data"]["trainingSummary"], own["data"]["trainingSummary"], "{prefecture}");
        assert_eq!(error_code(&app.gql_as(&city, q, vars("292095", false)).await), "FORBIDDEN");
        assert_eq!(error_code(&app.gql_as(&kochi, q, vars("292095", false)).await), "FORBIDDEN");
        assert_eq!(error_code(&app.gql_as(&ikoma, q, vars("290009", false)).await), "FORBIDDEN");
        assert_eq!(error_code(&app.gql(q, vars("292095", false)).await), "UNAUTHENTICATED");
        let body = app.gql_as(&ikoma, q, vars("292096", false)).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "organizationCode", "{body}");
        let body = app.gql_as(&ikoma, q, json!({ "code": "292095", "fy": 1999 })).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "fiscalYear", "{body}");
        // A prefecture may count its municipalities with itself; a municipality cannot.
        let wide = app.gql_as(&nara, q, vars("290009", true)).await;
        assert_eq!(wide["data"]["trainingSummary"]["includesMunicipalities"], true, "{wide}");
        let narrow = app.gql_as(&ikoma, q, vars("292095", true)).await;
        assert_eq!(narrow["data"]["trainingSummary"]["includesMunicipalities"], false, "{narrow}");
    })
    .await;
}

/// Inserts `n` published courses hosted by Nara prefecture, shared nationwide, each with two
/// sessions, a co-host (Nara city), and two enrolments of staff of Yamatotakada (which has
/// no demo enrolments; one enrolled with attendance, one waitlisted), straight into the
/// database: the statement counts below need volume, not the API's rules.
async fn many_courses(app: &TestApp, n: usize, tag: &str) {
    use entity::course::{JobGradeList, SkillAreaList};
    use entity::enums::*;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
    use uuid::Uuid;
    let db = &app.state.db;
    let org = |code: &'static str| async move {
        entity::organization::Entity::find()
            .filter(entity::organization::Column::Code.eq(code))
            .one(db)
            .await
            .expect("query")
            .expect(code)
            .id
    };
    let (nara, city, takada) = (
        org("290009").await,
        org("292010").await,
        org("292028").await,
    );
    let now = Utc::now();
    let mut courses = Vec::new();
    let mut sessions = Vec::new();
    let mut co_hosts = Vec::new();
    let mut enrollments = Vec::new();
    let mut attendances = Vec::new();
    for i in 0..n {
        let id = Uuid::now_v7();
        let starts = now + Duration::days(10 + i as i64);
        courses.push(entity::course::ActiveModel {
            id: Set(id),
            host_organization_id: Set(nara),
            co_host_council_id: Set(None),
            title: Set(format!("{tag} {i:03}")),
            summary: Set(None),
            job_grades: Set(JobGradeList(vec![JobGrade::GeneralStaff])),
            skill_areas: Set(SkillAreaList(vec![SkillArea::Rpa])),
            level: Set(1),
            format: Set(CourseFormat::Lecture),
            total_hours: Set(Some(2.0)),
            entry_conditions: Set(None),
            capacity: Set(1),
            seats_per_organization: Set(None),
            seats_taken: Set(1),
            enrolment_opens_at: Set(None),
            enrolment_closes_at: Set(None),
            self_enrolment: Set(false),
            fee_rule: Set(FeeRule::Free),
            fee_amount: Set(None),
            offer_claim_hours: Set(0),
            audience: Set(Audience::Nationwide),
            council_id: Set(None),
            status: Set(CourseStatus::Published),
            starts_at: Set(Some(starts)),
            created_by_user_id: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            revision: Set(2),
            search_key: Set(koiki::text::fold(&format!("{tag} {i:03}|"))),
        });
        co_hosts.push(entity::course_co_host::ActiveModel {
            course_id: Set(id),
            organization_id: Set(city),
        });
        let mut first_session = None;
        for day in 0..2 {
            let session = Uuid::now_v7();
            first_session.get_or_insert(session);
            sessions.push(entity::course_session::ActiveModel {
                id: Set(session),
                course_id: Set(id),
                starts_at: Set(starts + Duration::days(day)),
                ends_at: Set(starts + Duration::days(day) + Duration::hours(1)),
                venue: Set(Some("県庁".into())),
                online: Set(false),
                note: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        for (k, status) in [EnrollmentStatus::Enrolled, EnrollmentStatus::Waitlisted]
            .into_iter()
            .enumerate()
        {
            let enrollment = Uuid::now_v7();
            enrollments.push(entity::enrollment::ActiveModel {
                id: Set(enrollment),
                course_id: Set(id),
                organization_id: Set(takada),
                user_id: Set(None),
                participant_key: Set(format!("staff:{takada}:{tag}{i}-{k}")),
                participant_name: Set(format!("{tag} 受講者 {i:03}-{k}")),
                participant_department: Set(None),
                participant_job_grade: Set(Some(JobGrade::GeneralStaff)),
                status: Set(status),
                waitlist_seq: Set((status == EnrollmentStatus::Waitlisted).then_some(2)),
                offer_expires_at: Set(None),
                completed_hours: Set(None),
                completed_on: Set(None),
                enrolled_by_user_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                cancellation_reason: Set(None),
            });
            if status == EnrollmentStatus::Enrolled {
                attendances.push(entity::course_attendance::ActiveModel {
                    enrollment_id: Set(enrollment),
                    session_id: Set(first_session.expect("session")),
                    attended: Set(true),
                    recorded_by_user_id: Set(None),
                    recorded_at: Set(now),
                });
            }
        }
    }
    entity::course::Entity::insert_many(courses)
        .exec(db)
        .await
        .expect("courses");
    entity::course_co_host::Entity::insert_many(co_hosts)
        .exec(db)
        .await
        .expect("co-hosts");
    entity::course_session::Entity::insert_many(sessions)
        .exec(db)
        .await
        .expect("sessions");
    entity::enrollment::Entity::insert_many(enrollments)
        .exec(db)
        .await
        .expect("enrolments");
    entity::course_attendance::Entity::insert_many(attendances)
        .exec(db)
        .await
        .expect("attendance");
}

// Each loader appears at one depth of these queries only. The organisation directory, say,
// serves both a course's host and an enrolment's organisation; asked for at two depths, its
// two batches sometimes merge when a page is small and quick, which would make the counts
// differ by luck rather than by design. Hosts are counted here, enrolments' organisations in
// the next test.

#[tokio::test]
async fn nested_course_fields_cost_the_same_statements_for_10_and_100_courses() {
    on_each_backend(async |app| {
        many_courses(app, 110, "計数").await;
        let city = token_for(app, "292028", Role::Editor).await;
        let q = "query($n: Int!) { courses(first: $n, filter: { search: \"計数\" }) { totalCount edges { node { title host { name } coHosts { code } council { name } coHostCouncil { name } sessions { startsAt venue } seatsLeft waitlistLength openForEnrolment viewerCanManage viewerEnrollments { status waitlistPosition attendance { attended session { startsAt } } course { title } } } } } }";
        let (small, body) = app.statements_for_as(&city, q, json!({ "n": 10 })).await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"]["courses"]["edges"].as_array().map(Vec::len), Some(10));
        let node = &body["data"]["courses"]["edges"][0]["node"];
        assert_eq!(node["sessions"].as_array().map(Vec::len), Some(2), "{node}");
        assert_eq!(node["coHosts"], json!([{ "code": "292010" }]));
        assert_eq!(node["waitlistLength"], 1);
        let statuses: Vec<(&str, &Value)> = node["viewerEnrollments"]
            .as_array()
            .expect("enrolments")
            .iter()
            .map(|e| (e["status"].as_str().unwrap_or(""), &e["waitlistPosition"]))
            .collect();
        assert_eq!(statuses, [("ENROLLED", &Value::Null), ("WAITLISTED", &json!(1))], "{node}");
        assert_eq!(node["viewerEnrollments"][0]["attendance"][0]["attended"], true, "{node}");
        let (large, body) = app.statements_for_as(&city, q, json!({ "n": 100 })).await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"]["courses"]["edges"].as_array().map(Vec::len), Some(100));
        assert_eq!(small, large, "statements: {small} for 10 courses, {large} for 100");
    })
    .await;
}

#[tokio::test]
async fn nested_enrollment_fields_cost_the_same_statements_for_10_and_100_enrollments() {
    on_each_backend(async |app| {
        many_courses(app, 60, "件数").await;
        let city = token_for(app, "292028", Role::Editor).await;
        let q = "query($n: Int!) { enrollments(first: $n, filter: { organizationCode: \"292028\" }, orderBy: { field: PARTICIPANT_NAME, direction: DESC }) { totalCount edges { node { participantName status waitlistPosition offerExpiresAt organization { code } attendance { attended session { venue } } course { title sessions { startsAt } waitlistLength } } } } }";
        let (small, body) = app.statements_for_as(&city, q, json!({ "n": 10 })).await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"]["enrollments"]["edges"].as_array().map(Vec::len), Some(10));
        let (large, body) = app.statements_for_as(&city, q, json!({ "n": 100 })).await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"]["enrollments"]["edges"].as_array().map(Vec::len), Some(100));
        let waiting = body["data"]["enrollments"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter(|e| e["node"]["waitlistPosition"] == json!(1))
            .count();
        assert!(waiting > 10, "{waiting} waitlisted with a position");
        assert_eq!(small, large, "statements: {small} for 10 enrolments, {large} for 100");
    })
    .await;
}

#[tokio::test]
async fn the_sharing_rules_in_sql_agree_with_the_rules_in_memory() {
    use entity::enums::{Audience, CourseStatus, OrganizationKind};
    use koiki::access::{self, CourseFacts, EnrollmentFacts, RecordFacts, ViewerFacts};
    use koiki::auth::viewer::{SignedIn, Viewer};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    on_each_backend(async |app| {
        // Beyond the demo data: a draft, a private course, and an enrolment of each kind.
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        create_course(app, &editor, json!({ "title": "下書き" })).await;
        let private = published_course(
            app,
            &editor,
            json!({ "audience": "PRIVATE", "selfEnrolment": true }),
        )
        .await;
        assert_eq!(
            enroll_staff(app, &editor, &private, "県職員").await["status"],
            "ENROLLED"
        );
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let body = app
            .gql_as(&admin, ENROLL, json!({ "course": private }))
            .await;
        assert_eq!(body["data"]["enroll"]["status"], "ENROLLED", "{body}");
        let db = &app.state.db;
        let orgs = entity::organization::Entity::find()
            .all(db)
            .await
            .expect("organisations");
        let courses = entity::course::Entity::find()
            .all(db)
            .await
            .expect("courses");
        let enrollments = entity::enrollment::Entity::find()
            .all(db)
            .await
            .expect("enrolments");
        let users = entity::user::Entity::find().all(db).await.expect("users");
        assert!(courses.len() >= 10 && enrollments.len() > 50);
        let org_by_id = |id| orgs.iter().find(|o| o.id == id).expect("organisation");
        let facts_of = |c: &entity::course::Model| {
            let host = org_by_id(c.host_organization_id);
            CourseFacts {
                record: RecordFacts {
                    owner_id: host.id,
                    owner_prefecture_id: if host.kind == OrganizationKind::Prefecture {
                        Some(host.id)
                    } else {
                        host.prefecture_id
                    },
                    audience: c.audience,
                    council_id: c.council_id,
                },
                status: c.status,
            }
        };
        // Viewers: each demo user (and every role at a few organisations), and anonymous.
        let mut viewers = vec![Viewer::Anonymous];
        for u in &users {
            let o = org_by_id(u.organization_id);
            viewers.push(Viewer::User(SignedIn {
                user_id: u.id,
                organization_id: o.id,
                organization_code: o.code.clone(),
                organization_kind: o.kind,
                prefecture_id: if o.kind == OrganizationKind::Prefecture {
                    Some(o.id)
                } else {
                    o.prefecture_id
                },
                roles: u.roles.0.clone(),
            }));
        }
        let mut checked = 0;
        for viewer in &viewers {
            let council_ids = match viewer.organization_id() {
                Some(id) => koiki::organizations::council_ids_of(db, id)
                    .await
                    .expect("councils"),
                None => Vec::new(),
            };
            let facts = ViewerFacts {
                council_ids: council_ids.into_iter().collect(),
            };
            let mut sql: Vec<_> = entity::course::Entity::find()
                .filter(access::course_readable(viewer))
                .all(db)
                .await
                .expect("courses")
                .into_iter()
                .map(|c| c.id)
                .collect();
            sql.sort();
            let mut rule: Vec<_> = courses
                .iter()
                .filter(|c| access::can_read_course(viewer, &facts_of(c), &facts))
                .map(|c| c.id)
                .collect();
            rule.sort();
            assert_eq!(sql, rule, "courses for {viewer:?}");
            let mut sql: Vec<_> = entity::enrollment::Entity::find()
                .filter(access::enrollment_readable(viewer))
                .all(db)
                .await
                .expect("enrolments")
                .into_iter()
                .map(|e| e.id)
                .collect();
            sql.sort();
            let mut rule: Vec<_> = enrollments
                .iter()
                .filter(|e| {
                    let course = courses
                        .iter()
                        .find(|c| c.id == e.course_id)
                        .expect("course");
                    access::can_read_enrollment(
                        viewer,
                        &EnrollmentFacts {
                            participant_user_id: e.user_id,
                            organization_id: e.organization_id,
                            host_organization_id: course.host_organization_id,
                        },
                    )
                })
                .map(|e| e.id)
                .collect();
            rule.sort();
            assert_eq!(sql, rule, "enrolments for {viewer:?}");
            checked += 1;
        }
        assert!(checked > 10);
        // Not vacuous: drafts exist for nobody but their host, and somebody sees a council course.
        let anonymous = entity::course::Entity::find()
            .filter(access::course_readable(&Viewer::Anonymous))
            .filter(entity::course::Column::Audience.ne(Audience::Public))
            .all(db)
            .await
            .expect("courses");
        assert!(anonymous.is_empty());
        assert!(
            courses
                .iter()
                .any(|c| c.audience == Audience::Council && c.status == CourseStatus::Published)
        );
    })
    .await;
}

#[tokio::test]
async fn the_enrolment_migration_goes_down_and_up_again() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::EntityTrait;
    on_each_backend(async |app| {
        let db = &app.state.db;
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let mine = names
            .iter()
            .position(|n| n == "m20261124_000008_enrolment")
            .expect("registered");
        // Down to before this migration (and any registered after it), over the demo data.
        let steps = u32::try_from(names.len() - mine).expect("steps");
        Migrator::down(db, Some(steps)).await.expect("down");
        assert!(
            entity::course::Entity::find().one(db).await.is_err(),
            "the revision and search key columns are gone"
        );
        Migrator::up(db, None).await.expect("up again");
        assert!(
            Migrator::get_pending_migrations(db)
                .await
                .expect("pending")
                .is_empty()
        );
        // The API works on the re-migrated schema, the one-active-enrolment rule included.
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let course = published_course(app, &editor, json!({})).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let first = enroll_staff(app, &city, &course, "再移行").await;
        assert_eq!(first["status"], "ENROLLED");
        assert_eq!(
            error_code(&enroll_staff(app, &city, &course, "再移行").await),
            "CONFLICT"
        );
        // The partial unique index itself, below the rules: a second active row for the same
        // person is refused by the database, a cancelled one is not.
        let (_, id) =
            koiki::graphql::ids::decode_any("id", first["enrollment"]["id"].as_str().expect("id"))
                .expect("id");
        let row = entity::enrollment::Entity::find_by_id(id)
            .one(db)
            .await
            .expect("query")
            .expect("row");
        let copy = |status| {
            let mut model: entity::enrollment::ActiveModel = row.clone().into();
            model.id = sea_orm::Set(uuid::Uuid::now_v7());
            model.status = sea_orm::Set(status);
            model
        };
        use entity::enums::EnrollmentStatus;
        assert!(
            entity::enrollment::Entity::insert(copy(EnrollmentStatus::Waitlisted))
                .exec(db)
                .await
                .is_err(),
            "a second active enrolment of one person"
        );
        assert!(
            entity::enrollment::Entity::insert(copy(EnrollmentStatus::Cancelled))
                .exec(db)
                .await
                .is_ok(),
            "cancelled enrolments stay out of the index"
        );
    })
    .await;
}
