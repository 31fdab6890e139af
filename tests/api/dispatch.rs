//! Dispatch requests: the workflow from submission to feedback, the quota and the booking
//! rules (also under many simultaneous approvals), who sees a request, and bad input.

use chrono::{Datelike, Duration, Utc};
use entity::enums::VisitStatus;
use entity::{
    audit_event, dispatch_assignment, dispatch_quota_counter, dispatch_request, dispatch_visit,
};
use futures::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::advisors::{
    ADVISOR, KOCHI_CITY_EDITOR, KOCHI_POOL, LINKED_ADVISOR, NARA_POOL, NATIONAL_ADMIN, advisor_id,
    at, create_advisor, create_pool, data, day, fewest_statements, nodes, pool_id,
    test_fiscal_year,
};
use crate::helpers::{
    KANAZAWA_EDITOR, KOCHI_ADMIN, NARA_ADMIN, NARA_CITY_EDITOR, NARA_CITY_MEMBER, NARA_EDITOR,
    TestApp, error_code, on_each_backend,
};

const SUBMIT: &str = "mutation($input: SubmitDispatchRequestInput!) { submitDispatchRequest(input: $input) { dispatchRequest { id status fiscalYear themes mode wishedDates { from to } preferredAdvisors { name } requester { code } pool { name } } } }";
const APPROVE: &str = "mutation($input: ApproveDispatchRequestInput!) { approveDispatchRequest(input: $input) { dispatchRequest { id status fiscalYear countsTowardQuota firstVisitAt lastVisitEndsAt decisionReason visits { startsAt endsAt mode status advisor { name } } assignments { status advisor { name } } } } }";
const DECLINE: &str = "mutation($id: ID!, $reason: String!) { declineDispatchRequest(input: { requestId: $id, reason: $reason }) { dispatchRequest { status decisionReason countsTowardQuota } } }";
const CANCEL: &str = "mutation($id: ID!) { cancelDispatchRequest(input: { requestId: $id, reason: \"予定変更\" }) { dispatchRequest { status cancelReason countsTowardQuota visits { status } } } }";
const COMPLETE: &str = "mutation($id: ID!) { completeDispatchRequest(input: { requestId: $id }) { dispatchRequest { status completedAt visits { status } } } }";
const REPORT: &str = "mutation($id: ID!, $report: String!) { reportDispatchRequest(input: { requestId: $id, report: $report }) { dispatchRequest { status report reportedAt reportOverdue } } }";
const CLOSE: &str = "mutation($id: ID!, $rating: Int!, $comment: String) { closeDispatchRequest(input: { requestId: $id, rating: $rating, comment: $comment }) { dispatchRequest { status feedbackRating feedbackComment closedAt } } }";
const PROPOSE: &str = "mutation($id: ID!, $advisors: [ID!]!) { proposeAdvisors(input: { requestId: $id, advisorIds: $advisors }) { dispatchRequest { status assignments { status preferenceRank advisor { name } } } } }";
const RANK: &str = "mutation($id: ID!, $advisors: [ID!]!) { rankProposedAdvisors(input: { requestId: $id, advisorIds: $advisors }) { dispatchRequest { status assignments { status preferenceRank advisor { name } } } } }";
const DECLINE_ASSIGNMENT: &str = "mutation($id: ID!, $reason: String!) { declineAssignment(input: { requestId: $id, reason: $reason }) { dispatchRequest { status countsTowardQuota visits { status } assignments { status declineReason advisor { name } } } } }";
const QUOTA: &str = "query($code: String!, $year: Int) { quotaUsage(organizationCode: $code, fiscalYear: $year) { fiscalYear used limit remaining pool { name } organization { code } } }";
const REQUEST: &str =
    "query($id: ID!) { dispatchRequest(id: $id) { id status } node(id: $id) { id } }";

/// Submits a request to `pool` as `token`; `extra` overrides the defaults. Returns its id.
async fn submit(app: &TestApp, token: &str, pool: &str, extra: Value) -> String {
    let body = app
        .gql_as(token, SUBMIT, json!({ "input": submit_input(pool, extra) }))
        .await;
    data(&body, "submitDispatchRequest")["dispatchRequest"]["id"]
        .as_str()
        .expect("request id")
        .to_owned()
}

fn submit_input(pool: &str, extra: Value) -> Value {
    let mut input = json!({
        "poolId": pool,
        "themes": ["DX_STRATEGY"],
        "problem": "DX推進計画の進め方について助言がほしい。",
        "wishedDates": [{ "from": day(0).to_string(), "to": day(60).to_string() }],
        "mode": "ONSITE",
    });
    if let (Some(base), Some(more)) = (input.as_object_mut(), extra.as_object()) {
        base.extend(more.clone());
    }
    input
}

/// A visit on `day(n)` from `from` to `to` o'clock, Tokyo time.
fn visit(n: i64, from: u32, to: u32, mode: &str) -> Value {
    json!({ "startsAt": at(n, from), "endsAt": at(n, to), "mode": mode })
}

fn approve_vars(request: &str, advisors: &[impl AsRef<str>], visits: Vec<Value>) -> Value {
    let advisors: Vec<&str> = advisors.iter().map(AsRef::as_ref).collect();
    json!({ "input": { "requestId": request, "advisorIds": advisors, "visits": visits } })
}

async fn approve(
    app: &TestApp,
    token: &str,
    request: &str,
    advisors: &[impl AsRef<str>],
    visits: Vec<Value>,
) -> Value {
    app.gql_as(token, APPROVE, approve_vars(request, advisors, visits))
        .await
}

fn uuid(global: &str, type_name: &str) -> Uuid {
    koiki::graphql::ids::decode("id", type_name, global).expect("global id")
}

/// Moves a request's visits into the past, as if the days had come and gone.
async fn visits_held(app: &TestApp, request: &str, ended_days_ago: i64) {
    let id = uuid(request, "DispatchRequest");
    let end = Utc::now() - Duration::days(ended_days_ago);
    let start = end - Duration::hours(2);
    dispatch_visit::Entity::update_many()
        .set(dispatch_visit::ActiveModel {
            starts_at: Set(start),
            ends_at: Set(end),
            ..Default::default()
        })
        .filter(dispatch_visit::Column::DispatchRequestId.eq(id))
        .exec(&app.state.db)
        .await
        .expect("visits moved");
    dispatch_request::Entity::update_many()
        .set(dispatch_request::ActiveModel {
            first_visit_at: Set(Some(start)),
            last_visit_ends_at: Set(Some(end)),
            ..Default::default()
        })
        .filter(dispatch_request::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .expect("request moved");
}

/// Rows of the dispatch tables and the audit trail, to show a refusal changed nothing.
async fn footprint(app: &TestApp) -> [u64; 5] {
    let db = &app.state.db;
    [
        dispatch_request::Entity::find()
            .count(db)
            .await
            .expect("count"),
        dispatch_assignment::Entity::find()
            .count(db)
            .await
            .expect("count"),
        dispatch_visit::Entity::find()
            .count(db)
            .await
            .expect("count"),
        audit_event::Entity::find().count(db).await.expect("count"),
        dispatch_quota_counter::Entity::find()
            .all(db)
            .await
            .expect("counters")
            .iter()
            .map(|c| c.used as u64)
            .sum(),
    ]
}

/// Asserts that exactly one of simultaneous approvals succeeded and every other was refused
/// with `code`; returns the refusals' extensions.
fn exactly_one_approved<'a>(bodies: &'a [Value], code: &str) -> Vec<&'a Value> {
    let approved = bodies.iter().filter(|b| b["errors"].is_null()).count();
    assert_eq!(approved, 1, "{bodies:?}");
    let refused: Vec<&Value> = bodies.iter().filter(|b| !b["errors"].is_null()).collect();
    assert_eq!(refused.len(), bodies.len() - 1);
    for body in &refused {
        assert_eq!(error_code(body), code, "{body}");
    }
    refused
        .into_iter()
        .map(|b| &b["errors"][0]["extensions"])
        .collect()
}

fn quota_of<'a>(body: &'a Value, pool: &str) -> &'a Value {
    data(body, "quotaUsage")
        .as_array()
        .and_then(|list| list.iter().find(|q| q["pool"]["name"] == pool))
        .unwrap_or_else(|| panic!("no quota for {pool}: {body}"))
}

#[tokio::test]
async fn a_request_runs_from_submission_to_feedback_and_the_fourth_approval_of_the_year_is_refused()
{
    on_each_backend(async |app| {
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let (advisor, _) = app.sign_in(ADVISOR).await;
        let pool = pool_id(app, &city, NARA_POOL).await;
        let ichiro = advisor_id(app, &city, LINKED_ADVISOR).await;
        let year = test_fiscal_year();

        // A Nara municipality's editor asks, naming the advisor they would like.
        let body = app
            .gql_as(
                &city,
                SUBMIT,
                json!({ "input": submit_input(&pool, json!({ "themes": ["DX_STRATEGY", "PROMOTION_STRUCTURE"], "preferredAdvisorIds": [ichiro], "mode": "HYBRID", "onsiteDaysRequested": 1, "onlineHoursRequested": 2 })) }),
            )
            .await;
        let submitted = &data(&body, "submitDispatchRequest")["dispatchRequest"];
        assert_eq!(submitted["status"], "SUBMITTED");
        assert_eq!(submitted["fiscalYear"], year);
        assert_eq!(submitted["requester"]["code"], "292010");
        assert_eq!(submitted["preferredAdvisors"][0]["name"], LINKED_ADVISOR);
        let request = submitted["id"].as_str().expect("id").to_owned();

        // Nara's admin approves with the advisor and dates.
        let body = approve(
            app,
            &admin,
            &request,
            &[&ichiro],
            vec![visit(5, 10, 16, "ONSITE"), visit(12, 14, 16, "ONLINE")],
        )
        .await;
        let approved = &data(&body, "approveDispatchRequest")["dispatchRequest"];
        assert_eq!(approved["status"], "APPROVED");
        assert_eq!(approved["fiscalYear"], year);
        assert_eq!(approved["countsTowardQuota"], true);
        assert_eq!(approved["visits"].as_array().map(Vec::len), Some(2));
        assert_eq!(approved["visits"][0]["status"], "SCHEDULED");
        assert_eq!(approved["assignments"][0]["status"], "ASSIGNED");
        assert_eq!(approved["firstVisitAt"], format!("{}T01:00:00Z", day(5)));

        // The advisor sees it among their dispatches, but cannot mark it held beforehand.
        let mine = app
            .gql_as(&advisor, "{ dispatchRequests(filter: { status: [APPROVED] }) { edges { node { id } } } }", json!({}))
            .await;
        assert!(nodes(data(&mine, "dispatchRequests")).iter().any(|n| n["id"] == request.as_str()));
        let early = app.gql_as(&advisor, COMPLETE, json!({ "id": request })).await;
        assert_eq!(error_code(&early), "VISITS_NOT_HELD", "{early}");
        assert_eq!(early["errors"][0]["extensions"]["nextVisitAt"], format!("{}T01:00:00Z", day(5)));

        // The visits take place; the advisor marks them held and reports.
        visits_held(app, &request, 1).await;
        let body = app.gql_as(&advisor, COMPLETE, json!({ "id": request })).await;
        let completed = &data(&body, "completeDispatchRequest")["dispatchRequest"];
        assert_eq!(completed["status"], "COMPLETED");
        assert_eq!(completed["visits"][0]["status"], "HELD");
        let body = app
            .gql_as(&advisor, REPORT, json!({ "id": request, "report": "推進体制の案を説明し、\n次回までの宿題を整理した。" }))
            .await;
        let reported = &data(&body, "reportDispatchRequest")["dispatchRequest"];
        assert_eq!(reported["status"], "REPORTED");
        assert_eq!(reported["reportOverdue"], false);

        // The requester closes it with feedback.
        let body = app
            .gql_as(&city, CLOSE, json!({ "id": request, "rating": 4, "comment": "具体的で役に立った。" }))
            .await;
        let closed = &data(&body, "closeDispatchRequest")["dispatchRequest"];
        assert_eq!(closed["status"], "CLOSED");
        assert_eq!(closed["feedbackRating"], 4);
        let track = app
            .gql_as(&city, "query($id: ID!) { advisor(id: $id) { trackRecord { completedDispatches themes organizationsServed averageFeedback } } }", json!({ "id": ichiro }))
            .await;
        assert_eq!(
            data(&track, "advisor")["trackRecord"],
            json!({ "completedDispatches": 2, "themes": ["DX_STRATEGY", "PROMOTION_STRUCTURE"], "organizationsServed": 1, "averageFeedback": 4.5 })
        );

        // Two more approvals use the year's quota of three; the fourth is refused.
        let mut more = Vec::new();
        for _ in 0..3 {
            more.push(submit(app, &city, &pool, json!({})).await);
        }
        for (i, request) in more[..2].iter().enumerate() {
            let body = approve(app, &admin, request, &[&ichiro], vec![visit(20 + i as i64, 10, 12, "ONSITE")]).await;
            assert_eq!(data(&body, "approveDispatchRequest")["dispatchRequest"]["status"], "APPROVED");
        }
        let before = footprint(app).await;
        let refused = approve(app, &admin, &more[2], &[&ichiro], vec![visit(30, 10, 12, "ONSITE")]).await;
        assert_eq!(error_code(&refused), "DISPATCH_QUOTA_EXCEEDED", "{refused}");
        let extensions = &refused["errors"][0]["extensions"];
        assert_eq!((extensions["used"].clone(), extensions["limit"].clone()), (json!(3), json!(3)));
        assert_eq!(extensions["fiscalYear"], year);
        assert!(refused["errors"][0]["message"].as_str().unwrap_or("").contains("3 of its 3"));
        assert_eq!(footprint(app).await, before, "the refusal changed nothing");
        let still = app.gql_as(&city, REQUEST, json!({ "id": more[2] })).await;
        assert_eq!(data(&still, "dispatchRequest")["status"], "SUBMITTED");
        // Another fiscal year has its own quota.
        let next_year = approve(app, &admin, &more[2], &[&ichiro], vec![visit(400, 10, 12, "ONSITE")]).await;
        assert_eq!(data(&next_year, "approveDispatchRequest")["dispatchRequest"]["fiscalYear"], year + 1);

        let usage = app.gql_as(&city, QUOTA, json!({ "code": "292010", "year": year })).await;
        let nara = quota_of(&usage, NARA_POOL);
        assert_eq!((nara["used"].clone(), nara["limit"].clone(), nara["remaining"].clone()), (json!(3), json!(3), json!(0)));
        assert_eq!(quota_of(&usage, crate::advisors::NATIONAL_POOL)["used"], 0);

        // Every step is in the audit trail, with who did it and the record before and after.
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::EntityId.eq(uuid(&request, "DispatchRequest")))
            .order_by_asc(audit_event::Column::Id)
            .all(&app.state.db)
            .await
            .expect("events");
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["dispatch.submit", "dispatch.approve", "dispatch.complete", "dispatch.report", "dispatch.close"]
        );
        assert!(events[1..].iter().all(|e| e.before.is_some() && e.after.is_some()));
        assert_eq!(events[1].after.as_ref().map(|a| a["visits"].as_array().map(Vec::len)), Some(Some(2)));
        assert_eq!(events[4].after.as_ref().map(|a| a["status"].clone()), Some(json!("CLOSED")));
        assert_ne!(events[0].actor_user_id, events[1].actor_user_id);
    })
    .await;
}

#[tokio::test]
async fn twenty_simultaneous_approvals_with_one_place_left_approve_exactly_one() {
    on_each_backend(async |app| {
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let pool = create_pool(
            app,
            &admin,
            json!({ "name": "同時承認の試験", "quotaPerOrganizationPerYear": 3 }),
        )
        .await;
        // One advisor per request, so that nothing but the quota stands between them.
        let mut advisors = Vec::new();
        for i in 0..22 {
            advisors.push(
                create_advisor(app, &editor, &pool, &format!("並行 {i:02}"), json!({})).await,
            );
        }
        let mut requests = Vec::new();
        for _ in 0..22 {
            requests.push(submit(app, &city, &pool, json!({})).await);
        }
        for i in 0..2 {
            let body = approve(
                app,
                &admin,
                &requests[i],
                &[&advisors[i]],
                vec![visit(10, 10, 12, "ONSITE")],
            )
            .await;
            data(&body, "approveDispatchRequest");
        }
        let bodies = join_all((2..22).map(|i| {
            app.gql_as(
                &admin,
                APPROVE,
                approve_vars(
                    &requests[i],
                    &[&advisors[i]],
                    vec![visit(10, 10, 12, "ONSITE")],
                ),
            )
        }))
        .await;
        let refused = exactly_one_approved(&bodies, "DISPATCH_QUOTA_EXCEEDED");
        assert!(
            refused.iter().all(|e| e["used"] == 3 && e["limit"] == 3),
            "{refused:?}"
        );
        // The counter and the requests agree.
        let pool_uuid = uuid(&pool, "AdvisorPool");
        let counted = dispatch_request::Entity::find()
            .filter(dispatch_request::Column::PoolId.eq(pool_uuid))
            .filter(dispatch_request::Column::QuotaCounted.eq(true))
            .count(&app.state.db)
            .await
            .expect("count");
        assert_eq!(counted, 3);
        let visits = dispatch_visit::Entity::find()
            .filter(
                dispatch_visit::Column::DispatchRequestId
                    .is_in(requests.iter().map(|r| uuid(r, "DispatchRequest"))),
            )
            .count(&app.state.db)
            .await
            .expect("count");
        assert_eq!(visits, 3, "refused approvals booked nothing");
        let usage = app
            .gql_as(
                &city,
                QUOTA,
                json!({ "code": "292010", "year": test_fiscal_year() }),
            )
            .await;
        assert_eq!(quota_of(&usage, "同時承認の試験")["used"], 3);
    })
    .await;
}

/// A nationwide pool run by the national body, with ample quota, and one advisor.
async fn national_pool_with_advisor(app: &TestApp, admin: &str, name: &str) -> (String, String) {
    let pool = create_pool(app, admin, json!({ "name": name, "audience": "NATIONWIDE", "quotaPerOrganizationPerYear": 100, "maxOnlineHours": 10 })).await;
    let advisor = create_advisor(app, admin, &pool, &format!("{name} 担当"), json!({})).await;
    (pool, advisor)
}

#[tokio::test]
async fn twenty_simultaneous_approvals_of_one_advisor_at_one_time_book_exactly_one() {
    on_each_backend(async |app| {
        let (national, _) = app.sign_in(NATIONAL_ADMIN).await;
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let (pool, advisor) = national_pool_with_advisor(app, &national, "二重予約の試験").await;
        let mut requests = Vec::new();
        for _ in 0..20 {
            requests.push(submit(app, &kanazawa, &pool, json!({})).await);
        }
        // Twenty plans for the same afternoon, each a few minutes apart: all overlap.
        let bodies = join_all(requests.iter().enumerate().map(|(i, r)| {
            let starts = format!("{}T13:{:02}:00+09:00", day(40), i);
            let ends = format!("{}T15:{:02}:00+09:00", day(40), i);
            app.gql_as(
                &national,
                APPROVE,
                approve_vars(
                    r,
                    &[&advisor],
                    vec![json!({ "startsAt": starts, "endsAt": ends, "mode": "ONSITE" })],
                ),
            )
        }))
        .await;
        let refused = exactly_one_approved(&bodies, "CONFLICT");
        assert!(
            refused.iter().all(|e| e["clash"]["kind"] == "VISIT"),
            "{refused:?}"
        );
        let booked = dispatch_visit::Entity::find()
            .filter(dispatch_visit::Column::AdvisorId.eq(uuid(&advisor, "Advisor")))
            .filter(dispatch_visit::Column::Status.eq(VisitStatus::Scheduled))
            .count(&app.state.db)
            .await
            .expect("count");
        assert_eq!(booked, 1);
        let usage = app
            .gql_as(
                &kanazawa,
                QUOTA,
                json!({ "code": "172014", "year": test_fiscal_year() }),
            )
            .await;
        assert_eq!(
            quota_of(&usage, "二重予約の試験")["used"],
            1,
            "refusals took no quota"
        );
    })
    .await;
}

#[tokio::test]
async fn unavailable_periods_and_approvals_racing_for_one_advisor_never_overlap() {
    on_each_backend(async |app| {
        let (national, _) = app.sign_in(NATIONAL_ADMIN).await;
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let (pool, advisor) = national_pool_with_advisor(app, &national, "競合の試験").await;
        let mut requests = Vec::new();
        for _ in 0..10 {
            requests.push(submit(app, &kanazawa, &pool, json!({})).await);
        }
        const ADD: &str = "mutation($input: AddUnavailablePeriodInput!) { addUnavailablePeriod(input: $input) { unavailablePeriod { id } } }";
        // For each of ten days, an approval and an unavailable period race.
        let approvals = requests.iter().enumerate().map(|(i, r)| {
            app.gql_as(&national, APPROVE, approve_vars(r, &[&advisor], vec![visit(50 + i as i64, 10, 12, "ONSITE")]))
        });
        let periods = (0..10).map(|i| {
            app.gql_as(
                &national,
                ADD,
                json!({ "input": { "advisorId": advisor, "startsAt": at(50 + i, 9), "endsAt": at(50 + i, 13) } }),
            )
        });
        let (approvals, periods) = futures::join!(join_all(approvals), join_all(periods));
        for i in 0..10 {
            let (a, p) = (&approvals[i], &periods[i]);
            let winners = usize::from(a["errors"].is_null()) + usize::from(p["errors"].is_null());
            assert_eq!(winners, 1, "day {i}: {a} {p}");
            let loser = if a["errors"].is_null() { p } else { a };
            assert_eq!(error_code(loser), "CONFLICT", "{loser}");
        }
        // What is stored never overlaps.
        let visits = dispatch_visit::Entity::find()
            .filter(dispatch_visit::Column::AdvisorId.eq(uuid(&advisor, "Advisor")))
            .filter(dispatch_visit::Column::Status.ne(VisitStatus::Cancelled))
            .all(&app.state.db)
            .await
            .expect("visits");
        let periods = entity::advisor_unavailable_period::Entity::find()
            .filter(entity::advisor_unavailable_period::Column::AdvisorId.eq(uuid(&advisor, "Advisor")))
            .all(&app.state.db)
            .await
            .expect("periods");
        assert_eq!(visits.len() + periods.len(), 10);
        for v in &visits {
            assert!(periods.iter().all(|p| p.ends_at <= v.starts_at || v.ends_at <= p.starts_at));
        }
    })
    .await;
}

#[tokio::test]
async fn an_advisor_is_never_booked_while_unavailable_nor_twice_and_the_conflict_names_the_clash() {
    on_each_backend(async |app| {
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let (prefecture, _) = app.sign_in(NARA_EDITOR).await;
        let pool = pool_id(app, &admin, NARA_POOL).await;
        let hanako = advisor_id(app, &admin, "見本 花子").await;
        let add = "mutation($input: AddUnavailablePeriodInput!) { addUnavailablePeriod(input: $input) { unavailablePeriod { id } } }";
        let body = app
            .gql_as(&admin, add, json!({ "input": { "advisorId": hanako, "startsAt": at(20, 9), "endsAt": at(20, 17) } }))
            .await;
        data(&body, "addUnavailablePeriod");
        // The prefecture itself asks its own bank (its quota is its own).
        let r1 = submit(app, &prefecture, &pool, json!({})).await;
        let r2 = submit(app, &prefecture, &pool, json!({})).await;
        let r3 = submit(app, &prefecture, &pool, json!({})).await;

        let clash = approve(app, &admin, &r1, &[&hanako], vec![visit(20, 13, 15, "ONSITE")]).await;
        assert_eq!(error_code(&clash), "CONFLICT", "{clash}");
        let extensions = &clash["errors"][0]["extensions"];
        assert_eq!(extensions["field"], "input.visits[0]");
        assert_eq!(extensions["clash"]["kind"], "UNAVAILABLE");
        assert_eq!(extensions["clash"]["advisorId"], hanako.as_str());
        assert_eq!(extensions["clash"]["startsAt"], format!("{}T00:00:00Z", day(20)));
        assert_eq!(extensions["clash"]["endsAt"], format!("{}T08:00:00Z", day(20)));
        let message = clash["errors"][0]["message"].as_str().unwrap_or("");
        assert!(message.contains("見本 花子") && message.contains(&format!("{} 09:00", day(20))), "{message}");

        let ok = approve(app, &admin, &r1, &[&hanako], vec![visit(21, 10, 12, "ONSITE")]).await;
        data(&ok, "approveDispatchRequest");
        let twice = approve(app, &admin, &r2, &[&hanako], vec![visit(21, 11, 13, "ONSITE")]).await;
        assert_eq!(error_code(&twice), "CONFLICT", "{twice}");
        assert_eq!(twice["errors"][0]["extensions"]["clash"]["kind"], "VISIT");
        // Two visits of one plan may not overlap either.
        let own = approve(app, &admin, &r2, &[&hanako], vec![visit(22, 10, 12, "ONSITE"), visit(22, 11, 13, "ONSITE")]).await;
        assert_eq!(error_code(&own), "CONFLICT", "{own}");
        assert_eq!(own["errors"][0]["extensions"]["field"], "input.visits[1]");
        // Touching is not overlapping.
        let touching = approve(app, &admin, &r2, &[&hanako], vec![visit(21, 12, 13, "ONSITE")]).await;
        data(&touching, "approveDispatchRequest");
        // Nor may a period cover a booked visit.
        let body = app
            .gql_as(&admin, add, json!({ "input": { "advisorId": hanako, "startsAt": at(21, 0), "endsAt": at(22, 0) } }))
            .await;
        assert_eq!(error_code(&body), "CONFLICT", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["clash"]["kind"], "VISIT");
        // Team dispatch: both advisors are booked; one clashing refuses the whole plan.
        let ichiro = advisor_id(app, &admin, LINKED_ADVISOR).await;
        let team = approve(app, &admin, &r3, &[&ichiro, &hanako], vec![visit(21, 9, 11, "ONSITE")]).await;
        assert_eq!(error_code(&team), "CONFLICT", "{team}");
        let team = approve(app, &admin, &r3, &[&ichiro, &hanako], vec![visit(23, 9, 11, "ONSITE")]).await;
        let visits = &data(&team, "approveDispatchRequest")["dispatchRequest"]["visits"];
        assert_eq!(visits.as_array().map(Vec::len), Some(2), "{team}");
    })
    .await;
}

#[tokio::test]
async fn every_other_transition_is_refused_naming_the_current_state() {
    on_each_backend(async |app| {
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let pool = pool_id(app, &city, NARA_POOL).await;
        let hanako = advisor_id(app, &admin, "見本 花子").await;
        let submitted = submit(app, &city, &pool, json!({})).await;
        let approved = submit(app, &city, &pool, json!({})).await;
        data(&approve(app, &admin, &approved, &[&hanako], vec![visit(3, 10, 12, "ONSITE")]).await, "approveDispatchRequest");
        let declined = submit(app, &city, &pool, json!({})).await;
        data(&app.gql_as(&admin, DECLINE, json!({ "id": declined, "reason": "枠がありません" })).await, "declineDispatchRequest");
        let cancelled = submit(app, &city, &pool, json!({})).await;
        data(&app.gql_as(&city, CANCEL, json!({ "id": cancelled })).await, "cancelDispatchRequest");

        let before = footprint(app).await;
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            (&city, json!({ "q": CLOSE, "v": { "id": submitted, "rating": 5 } }), "SUBMITTED", "close"),
            (&admin, json!({ "q": REPORT, "v": { "id": submitted, "report": "x" } }), "SUBMITTED", "report"),
            (&admin, json!({ "q": COMPLETE, "v": { "id": submitted } }), "SUBMITTED", "complete"),
            (&city, json!({ "q": RANK, "v": { "id": submitted, "advisors": [hanako] } }), "SUBMITTED", "rank"),
            (&admin, json!({ "q": APPROVE, "v": approve_vars(&approved, &[&hanako], vec![visit(4, 10, 12, "ONSITE")]) }), "APPROVED", "approve"),
            (&admin, json!({ "q": DECLINE, "v": { "id": approved, "reason": "x" } }), "APPROVED", "decline"),
            (&admin, json!({ "q": PROPOSE, "v": { "id": approved, "advisors": [hanako] } }), "APPROVED", "propose"),
            (&admin, json!({ "q": REPORT, "v": { "id": approved, "report": "x" } }), "APPROVED", "report"),
            (&city, json!({ "q": CLOSE, "v": { "id": approved, "rating": 5 } }), "APPROVED", "close"),
            (&admin, json!({ "q": APPROVE, "v": approve_vars(&declined, &[&hanako], vec![visit(5, 10, 12, "ONSITE")]) }), "DECLINED", "approve"),
            (&city, json!({ "q": CANCEL, "v": { "id": declined } }), "DECLINED", "cancel"),
            (&city, json!({ "q": CANCEL, "v": { "id": cancelled } }), "CANCELLED", "cancel"),
            (&admin, json!({ "q": DECLINE, "v": { "id": cancelled, "reason": "x" } }), "CANCELLED", "decline"),
        ];
        for (token, case, state, what) in cases {
            let body = app.gql_as(token, case["q"].as_str().unwrap_or(""), case["v"].clone()).await;
            assert_eq!(error_code(&body), "INVALID_TRANSITION", "{what} {state}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["state"], state, "{what}: {body}");
            let message = body["errors"][0]["message"].as_str().unwrap_or("");
            assert!(message.contains(state), "{message}");
        }
        assert_eq!(footprint(app).await, before, "refusals changed nothing");
        // In Japanese when asked.
        let ja = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&city)
            .header("Accept-Language", "ja")
            .json(&json!({ "query": CLOSE, "variables": { "id": submitted, "rating": 5 } }))
            .send()
            .await
            .expect("sent")
            .json::<Value>()
            .await
            .expect("json");
        assert!(ja["errors"][0]["message"].as_str().unwrap_or("").starts_with("派遣依頼は現在 SUBMITTED"), "{ja}");
    })
    .await;
}

#[tokio::test]
async fn candidates_are_ranked_by_the_requester_and_an_assigned_advisor_may_decline_before_the_first_visit()
 {
    on_each_backend(async |app| {
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let (advisor, _) = app.sign_in(ADVISOR).await;
        let pool = pool_id(app, &city, NARA_POOL).await;
        let ichiro = advisor_id(app, &admin, LINKED_ADVISOR).await;
        let hanako = advisor_id(app, &admin, "見本 花子").await;
        let jiro = advisor_id(app, &admin, "試験 次郎").await;
        let request = submit(app, &city, &pool, json!({})).await;

        let body = app
            .gql_as(
                &admin,
                PROPOSE,
                json!({ "id": request, "advisors": [ichiro, hanako] }),
            )
            .await;
        let proposed = &data(&body, "proposeAdvisors")["dispatchRequest"];
        assert_eq!(proposed["status"], "PROPOSED");
        assert_eq!(proposed["assignments"].as_array().map(Vec::len), Some(2));
        // Only the requester ranks, and only the candidates.
        let body = app
            .gql_as(
                &admin,
                RANK,
                json!({ "id": request, "advisors": [hanako, ichiro] }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = app
            .gql_as(&city, RANK, json!({ "id": request, "advisors": [jiro] }))
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"],
            "input.advisorIds[0]"
        );
        let body = app
            .gql_as(
                &city,
                RANK,
                json!({ "id": request, "advisors": [hanako, ichiro] }),
            )
            .await;
        let ranked: Vec<(Value, Value)> =
            data(&body, "rankProposedAdvisors")["dispatchRequest"]["assignments"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| (x["advisor"]["name"].clone(), x["preferenceRank"].clone()))
                        .collect()
                })
                .unwrap_or_default();
        assert!(
            ranked.contains(&(json!("見本 花子"), json!(1)))
                && ranked.contains(&(json!(LINKED_ADVISOR), json!(2))),
            "{ranked:?}"
        );
        // The advisor does not see a request they are only proposed for.
        let unseen = app
            .gql_as(&advisor, REQUEST, json!({ "id": request }))
            .await;
        assert!(unseen["data"]["dispatchRequest"].is_null(), "{unseen}");

        let body = approve(
            app,
            &admin,
            &request,
            &[&ichiro],
            vec![visit(8, 10, 12, "ONSITE")],
        )
        .await;
        let statuses: Vec<(Value, Value)> =
            data(&body, "approveDispatchRequest")["dispatchRequest"]["assignments"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|x| (x["advisor"]["name"].clone(), x["status"].clone()))
                        .collect()
                })
                .unwrap_or_default();
        assert!(
            statuses.contains(&(json!(LINKED_ADVISOR), json!("ASSIGNED"))),
            "{statuses:?}"
        );
        assert!(
            statuses.contains(&(json!("見本 花子"), json!("WITHDRAWN"))),
            "{statuses:?}"
        );
        let year = test_fiscal_year();
        let used = async || {
            let body = app
                .gql_as(&city, QUOTA, json!({ "code": "292010", "year": year }))
                .await;
            quota_of(&body, NARA_POOL)["used"].clone()
        };
        assert_eq!(used().await, 1);

        // Someone else's assignment is not theirs to decline; theirs is.
        let (other, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let body = app
            .gql_as(
                &other,
                DECLINE_ASSIGNMENT,
                json!({ "id": request, "reason": "x" }),
            )
            .await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = app
            .gql_as(
                &advisor,
                DECLINE_ASSIGNMENT,
                json!({ "id": request, "reason": "体調不良のため" }),
            )
            .await;
        let back = &data(&body, "declineAssignment")["dispatchRequest"];
        assert_eq!(back["status"], "SUBMITTED");
        assert_eq!(back["countsTowardQuota"], false);
        assert_eq!(back["visits"][0]["status"], "CANCELLED");
        let mine = back["assignments"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|x| x["advisor"]["name"] == LINKED_ADVISOR)
                    .cloned()
            })
            .unwrap_or_default();
        assert_eq!(mine["status"], "DECLINED");
        assert_eq!(mine["declineReason"], "体調不良のため");
        assert_eq!(used().await, 0, "the place is given back");
        // No longer assigned, the advisor no longer sees it; the pool approves again.
        let unseen = app
            .gql_as(&advisor, REQUEST, json!({ "id": request }))
            .await;
        assert!(unseen["data"]["dispatchRequest"].is_null(), "{unseen}");
        let again = approve(
            app,
            &admin,
            &request,
            &[&hanako],
            vec![visit(8, 10, 12, "ONSITE")],
        )
        .await;
        assert_eq!(
            data(&again, "approveDispatchRequest")["dispatchRequest"]["status"],
            "APPROVED"
        );
        assert_eq!(used().await, 1);
    })
    .await;
}

#[tokio::test]
async fn the_requester_cancels_before_the_first_visit_and_gets_the_place_back() {
    on_each_backend(async |app| {
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let pool = pool_id(app, &city, NARA_POOL).await;
        let hanako = advisor_id(app, &admin, "見本 花子").await;
        let year = test_fiscal_year();
        let used = async || {
            let body = app
                .gql_as(&city, QUOTA, json!({ "code": "292010", "year": year }))
                .await;
            quota_of(&body, NARA_POOL)["used"].clone()
        };
        let request = submit(app, &city, &pool, json!({})).await;
        data(
            &approve(
                app,
                &admin,
                &request,
                &[&hanako],
                vec![visit(6, 10, 12, "ONSITE")],
            )
            .await,
            "approveDispatchRequest",
        );
        assert_eq!(used().await, 1);
        // The pool's admins cannot cancel for the requester.
        let body = app.gql_as(&admin, CANCEL, json!({ "id": request })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = app.gql_as(&city, CANCEL, json!({ "id": request })).await;
        let cancelled = &data(&body, "cancelDispatchRequest")["dispatchRequest"];
        assert_eq!(cancelled["status"], "CANCELLED");
        assert_eq!(cancelled["cancelReason"], "予定変更");
        assert_eq!(cancelled["visits"][0]["status"], "CANCELLED");
        assert_eq!(used().await, 0);
        // The advisor's time is free again.
        let other = submit(app, &city, &pool, json!({})).await;
        data(
            &approve(
                app,
                &admin,
                &other,
                &[&hanako],
                vec![visit(6, 10, 12, "ONSITE")],
            )
            .await,
            "approveDispatchRequest",
        );
        // Once the first visit has begun it is too late to cancel.
        visits_held(app, &other, 0).await;
        let body = app.gql_as(&city, CANCEL, json!({ "id": other })).await;
        assert_eq!(error_code(&body), "DISPATCH_STARTED", "{body}");
        // A declined request never held a place.
        let declined = submit(app, &city, &pool, json!({})).await;
        let body = app
            .gql_as(&admin, DECLINE, json!({ "id": declined, "reason": "  " }))
            .await;
        assert_eq!(
            error_code(&body),
            "VALIDATION",
            "a reason is required: {body}"
        );
        let body = app
            .gql_as(
                &admin,
                DECLINE,
                json!({ "id": declined, "reason": "今年度の枠は終了しました" }),
            )
            .await;
        let d = &data(&body, "declineDispatchRequest")["dispatchRequest"];
        assert_eq!(
            (d["status"].clone(), d["countsTowardQuota"].clone()),
            (json!("DECLINED"), json!(false))
        );
        assert_eq!(used().await, 1);
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_and_a_refused_mutation_changes_nothing() {
    on_each_backend(async |app| {
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let (member, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let (prefecture_editor, _) = app.sign_in(NARA_EDITOR).await;
        let (kochi_city, _) = app.sign_in(KOCHI_CITY_EDITOR).await;
        let (kochi_admin, _) = app.sign_in(KOCHI_ADMIN).await;
        let pool = pool_id(app, &city, NARA_POOL).await;
        let hanako = advisor_id(app, &admin, "見本 花子").await;
        let aoi = advisor_id(app, &admin, "仮野 葵").await; // online only
        let request = submit(app, &city, &pool, json!({})).await;
        let before = footprint(app).await;
        let unknown_pool = "QWR2aXNvclBvb2w6MDE5MDAwMDAtMDAwMC03MDAwLTgwMDAtMDAwMDAwMDAwMDAw";
        let unknown_advisor = "QWR2aXNvcjowMTkwMDAwMC0wMDAwLTcwMDAtODAwMC0wMDAwMDAwMDAwMDA";
        let yesterday = (Utc::now() - Duration::days(2)).date_naive().to_string();

        // Submissions.
        let submissions: Vec<(&str, Value, &str, Option<&str>)> = vec![
            (&city, json!({ "poolId": unknown_pool }), "NOT_FOUND", None),
            (&kochi_city, json!({}), "NOT_FOUND", None),
            (&member, json!({}), "FORBIDDEN", None),
            (&city, json!({ "themes": [] }), "VALIDATION", Some("input.themes")),
            (&city, json!({ "problem": " " }), "VALIDATION", Some("input.problem")),
            (&city, json!({ "problem": "a\u{7}b" }), "VALIDATION", Some("input.problem")),
            (&city, json!({ "wishedDates": [{ "from": day(10).to_string(), "to": day(9).to_string() }] }), "VALIDATION", Some("input.wishedDates[0].to")),
            (&city, json!({ "wishedDates": [{ "from": yesterday, "to": day(9).to_string() }] }), "VALIDATION", Some("input.wishedDates[0].from")),
            (&city, json!({ "wishedDates": [] }), "VALIDATION", Some("input.wishedDates")),
            (&city, json!({ "visitsRequested": 0 }), "VALIDATION", Some("input.visitsRequested")),
            (&city, json!({ "mode": "ONLINE", "onsiteDaysRequested": 2 }), "VALIDATION", Some("input.onsiteDaysRequested")),
            (&city, json!({ "preferredAdvisorIds": [unknown_advisor] }), "NOT_FOUND", None),
            (&city, json!({ "preferredAdvisorIds": ["garbage"] }), "VALIDATION", Some("input.preferredAdvisorIds[0]")),
            (&city, json!({ "onsiteDaysRequested": 4 }), "DISPATCH_LIMIT_EXCEEDED", Some("input.onsiteDaysRequested")),
        ];
        for (token, extra, code, field) in submissions {
            let body = app.gql_as(token, SUBMIT, json!({ "input": submit_input(&pool, extra.clone()) })).await;
            assert_eq!(error_code(&body), code, "{extra}: {body}");
            if let Some(field) = field {
                assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
            }
        }
        let limit = app
            .gql_as(&city, SUBMIT, json!({ "input": submit_input(&pool, json!({ "onsiteDaysRequested": 4 })) }))
            .await;
        let extensions = &limit["errors"][0]["extensions"];
        assert_eq!((extensions["unit"].clone(), extensions["limit"].clone(), extensions["requested"].clone()), (json!("ONSITE_DAYS"), json!(3), json!(4.0)));

        // Approvals.
        let ok_visit = || vec![visit(3, 10, 12, "ONSITE")];
        let approvals: Vec<(&str, Value, &str, Option<&str>)> = vec![
            (&city, approve_vars(&request, &[&hanako], ok_visit()), "FORBIDDEN", None),
            (&prefecture_editor, approve_vars(&request, &[&hanako], ok_visit()), "FORBIDDEN", None),
            (&kochi_admin, approve_vars(&request, &[&hanako], ok_visit()), "NOT_FOUND", None),
            (&admin, approve_vars(&request, &[&hanako], vec![visit(3, 12, 10, "ONSITE")]), "VALIDATION", Some("input.visits[0].endsAt")),
            (&admin, approve_vars(&request, &[&hanako], vec![json!({ "startsAt": (Utc::now() - Duration::hours(2)).to_rfc3339(), "endsAt": (Utc::now() + Duration::hours(1)).to_rfc3339(), "mode": "ONSITE" })]), "VALIDATION", Some("input.visits[0].startsAt")),
            (&admin, approve_vars(&request, &[&hanako], vec![]), "VALIDATION", Some("input.visits")),
            (&admin, approve_vars(&request, &[] as &[&str], ok_visit()), "VALIDATION", Some("input.advisorIds")),
            (&admin, approve_vars(&request, &[unknown_advisor], ok_visit()), "NOT_FOUND", None),
            (&admin, approve_vars(&request, &[&hanako], vec![visit(3, 10, 12, "ONLINE")]), "VALIDATION", Some("input.visits[0].mode")),
            (&admin, approve_vars(&request, &[&aoi], ok_visit()), "VALIDATION", Some("input.visits[0].mode")),
            (&admin, approve_vars(&request, &[&hanako], vec![json!({ "startsAt": at(3, 10), "endsAt": at(3, 12), "mode": "ONSITE", "advisorIds": [aoi] })]), "VALIDATION", Some("input.visits[0].advisorIds")),
            (&admin, approve_vars(&request, &[&hanako], (0..4).map(|d| visit(3 + d, 10, 12, "ONSITE")).collect()), "DISPATCH_LIMIT_EXCEEDED", Some("input.visits")),
        ];
        for (token, vars, code, field) in approvals {
            let body = app.gql_as(token, APPROVE, vars.clone()).await;
            assert_eq!(error_code(&body), code, "{vars}: {body}");
            if let Some(field) = field {
                assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
            }
        }
        assert_eq!(footprint(app).await, before, "refusals changed nothing");
        let still = app.gql_as(&city, REQUEST, json!({ "id": request })).await;
        assert_eq!(data(&still, "dispatchRequest")["status"], "SUBMITTED");
        // Three visits on one day are one on-site day.
        let body = approve(app, &admin, &request, &[&hanako], vec![visit(3, 9, 10, "ONSITE"), visit(3, 11, 12, "ONSITE"), visit(3, 13, 14, "ONSITE"), visit(4, 9, 10, "ONSITE"), visit(5, 9, 10, "ONSITE")]).await;
        data(&body, "approveDispatchRequest");
    })
    .await;
}

#[tokio::test]
async fn online_hours_stay_within_the_pools_policy() {
    on_each_backend(async |app| {
        let (national, _) = app.sign_in(NATIONAL_ADMIN).await;
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let (pool, advisor) = national_pool_with_advisor(app, &national, "オンライン時間の試験").await;
        let body = app
            .gql_as(&kanazawa, SUBMIT, json!({ "input": submit_input(&pool, json!({ "mode": "ONLINE", "onlineHoursRequested": 11 })) }))
            .await;
        assert_eq!(error_code(&body), "DISPATCH_LIMIT_EXCEEDED", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["unit"], "ONLINE_HOURS");
        let request = submit(app, &kanazawa, &pool, json!({ "mode": "HYBRID", "onlineHoursRequested": 10 })).await;
        // 6 + 5 hours online is over 10; on-site time does not count.
        let body = approve(app, &national, &request, &[&advisor], vec![visit(5, 9, 15, "ONLINE"), visit(6, 9, 14, "ONLINE")]).await;
        assert_eq!(error_code(&body), "DISPATCH_LIMIT_EXCEEDED", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["requested"], 11.0);
        let body = approve(app, &national, &request, &[&advisor], vec![visit(5, 9, 15, "ONLINE"), visit(6, 9, 13, "ONLINE"), visit(7, 9, 18, "ONSITE")]).await;
        let visits = &data(&body, "approveDispatchRequest")["dispatchRequest"]["visits"];
        assert_eq!(visits.as_array().map(Vec::len), Some(3));
    })
    .await;
}

#[tokio::test]
async fn application_windows_refuse_submissions_with_the_next_windows_dates() {
    on_each_backend(async |app| {
        let (national, _) = app.sign_in(NATIONAL_ADMIN).await;
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let tokyo = chrono::FixedOffset::east_opt(9 * 3600).expect("offset");
        let today = Utc::now().with_timezone(&tokyo).date_naive();
        let tomorrow = today + Duration::days(1);
        // A window of one day a month, tomorrow's day: today is outside it.
        let day_of = |d: chrono::NaiveDate| d.day() as i64;
        let pool = create_pool(
            app,
            &national,
            json!({ "name": "受付期間の試験", "audience": "NATIONWIDE", "applicationOpensDay": day_of(tomorrow), "applicationDeadlineDay": day_of(tomorrow) }),
        )
        .await;
        let body = app.gql_as(&kanazawa, SUBMIT, json!({ "input": submit_input(&pool, json!({})) })).await;
        assert_eq!(error_code(&body), "APPLICATION_WINDOW_CLOSED", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["nextWindowOpensOn"], tomorrow.to_string());
        assert_eq!(body["errors"][0]["extensions"]["nextWindowClosesOn"], tomorrow.to_string());
        assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains(&tomorrow.to_string()));
        let window = app
            .gql_as(&kanazawa, "query($id: ID!) { advisorPool(id: $id) { applicationWindow { opensOn closesOn openNow } } }", json!({ "id": pool }))
            .await;
        assert_eq!(
            data(&window, "advisorPool")["applicationWindow"],
            json!({ "opensOn": tomorrow.to_string(), "closesOn": tomorrow.to_string(), "openNow": false })
        );
        // Today's window takes it.
        let update = "mutation($input: UpdateAdvisorPoolInput!) { updateAdvisorPool(input: $input) { advisorPool { applicationWindow { openNow } } } }";
        let body = app
            .gql_as(&national, update, json!({ "input": { "id": pool, "applicationOpensDay": day_of(today), "applicationDeadlineDay": day_of(today) } }))
            .await;
        assert_eq!(data(&body, "updateAdvisorPool")["advisorPool"]["applicationWindow"]["openNow"], true);
        submit(app, &kanazawa, &pool, json!({})).await;
    })
    .await;
}

#[tokio::test]
async fn dispatch_requests_are_seen_by_their_parties_only() {
    on_each_backend(async |app| {
        let (city_member, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let (editor, _) = app.sign_in(NARA_EDITOR).await;
        let (advisor, _) = app.sign_in(ADVISOR).await;
        let (kochi_admin, _) = app.sign_in(KOCHI_ADMIN).await;
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let (national, _) = app.sign_in(NATIONAL_ADMIN).await;
        let list = "{ dispatchRequests(first: 50) { totalCount edges { node { id status requester { code } pool { name } } } } }";
        let seen = async |token: &str| {
            let body = app.gql_as(token, list, json!({})).await;
            let mut found: Vec<(String, String)> = nodes(data(&body, "dispatchRequests"))
                .iter()
                .map(|n| (n["pool"]["name"].as_str().unwrap_or("?").to_owned(), n["status"].as_str().unwrap_or("").to_owned()))
                .collect();
            found.sort();
            found
        };
        let nara = |status: &str| (NARA_POOL.to_owned(), status.to_owned());
        let national_pool = |status: &str| (crate::advisors::NATIONAL_POOL.to_owned(), status.to_owned());
        // The requester's members: Nara city's three in Nara's bank and one in the national pool.
        assert_eq!(
            seen(&city_member).await,
            [national_pool("CANCELLED"), nara("APPROVED"), nara("CLOSED"), nara("SUBMITTED")]
        );
        // The pool's editors and admins: the bank's three.
        assert_eq!(seen(&admin).await, [nara("APPROVED"), nara("CLOSED"), nara("SUBMITTED")]);
        assert_eq!(seen(&editor).await, seen(&admin).await);
        // The assigned advisor: their two.
        assert_eq!(seen(&advisor).await, [nara("APPROVED"), nara("CLOSED")]);
        // Others: only their own.
        let kochi = seen(&kochi_admin).await;
        assert!(kochi.iter().all(|(pool, _)| pool == KOCHI_POOL), "{kochi:?}");
        assert_eq!(seen(&kanazawa).await, Vec::<(String, String)>::new());
        assert_eq!(seen(&national).await, [national_pool("CANCELLED"), national_pool("DECLINED")]);
        let anonymous = app.gql(list, json!({})).await;
        assert_eq!(error_code(&anonymous), "UNAUTHENTICATED", "{anonymous}");

        // By id and through node, the same; and no one else can act on it.
        let body = app.gql_as(&city_member, "{ dispatchRequests(filter: { status: [SUBMITTED] }) { edges { node { id } } } }", json!({})).await;
        let submitted = nodes(data(&body, "dispatchRequests"))[0]["id"].clone();
        for (token, visible) in [(&city_member, true), (&admin, true), (&advisor, false), (&kanazawa, false), (&kochi_admin, false)] {
            let body = app.gql_as(token, REQUEST, json!({ "id": submitted })).await;
            assert!(body["errors"].is_null(), "{body}");
            assert_eq!(!body["data"]["dispatchRequest"].is_null(), visible, "{body}");
            assert_eq!(!body["data"]["node"].is_null(), visible, "{body}");
        }
        let body = app.gql_as(&kanazawa, CANCEL, json!({ "id": submitted })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        let body = app.gql_as(&advisor, CANCEL, json!({ "id": submitted })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{body}");
        // Visits and assignments of a request resolve through node only for its parties.
        let body = app
            .gql_as(&advisor, "{ dispatchRequests(filter: { status: [APPROVED] }) { edges { node { visits { id } assignments { id } } } } }", json!({}))
            .await;
        let approved = nodes(data(&body, "dispatchRequests"))[0].clone();
        for id in [approved["visits"][0]["id"].clone(), approved["assignments"][0]["id"].clone()] {
            let q = "query($id: ID!) { node(id: $id) { id } }";
            let mine = app.gql_as(&advisor, q, json!({ "id": id })).await;
            assert_eq!(mine["data"]["node"]["id"], id, "{mine}");
            let other = app.gql_as(&kanazawa, q, json!({ "id": id })).await;
            assert!(other["data"]["node"].is_null(), "{other}");
        }
        // Filters.
        let body = app
            .gql_as(&admin, "query($a: ID!) { byAdvisor: dispatchRequests(filter: { advisorId: $a }) { totalCount } byRequester: dispatchRequests(filter: { requesterCode: \"292010\", fiscalYear: 1999 }) { totalCount } }", json!({ "a": advisor_id(app, &admin, LINKED_ADVISOR).await }))
            .await;
        assert_eq!(error_code(&body), "VALIDATION", "fiscal year out of range: {body}");
        let body = app
            .gql_as(&admin, "query($a: ID!) { dispatchRequests(filter: { advisorId: $a, requesterCode: \"292010\" }) { totalCount } }", json!({ "a": advisor_id(app, &admin, LINKED_ADVISOR).await }))
            .await;
        assert_eq!(data(&body, "dispatchRequests")["totalCount"], 2);
    })
    .await;
}

#[tokio::test]
async fn overdue_reports_are_flagged_and_filtered() {
    on_each_backend(async |app| {
        let (admin, _) = app.sign_in(NARA_ADMIN).await;
        let (city, _) = app.sign_in(NARA_CITY_EDITOR).await;
        let pool = pool_id(app, &city, NARA_POOL).await;
        let hanako = advisor_id(app, &admin, "見本 花子").await;
        let request = submit(app, &city, &pool, json!({})).await;
        data(&approve(app, &admin, &request, &[&hanako], vec![visit(3, 10, 12, "ONSITE")]).await, "approveDispatchRequest");
        let q = "query($o: Boolean) { dispatchRequests(filter: { reportOverdue: $o }) { edges { node { id reportOverdue reportDueAt } } } }";
        let ids = async |overdue: Value| -> Vec<Value> {
            let body = app.gql_as(&admin, q, json!({ "o": overdue })).await;
            nodes(data(&body, "dispatchRequests")).iter().map(|n| n["id"].clone()).collect()
        };
        assert!(!ids(json!(true)).await.contains(&json!(request)));
        visits_held(app, &request, 6).await;
        assert!(!ids(json!(true)).await.contains(&json!(request)), "due in 7 days");
        visits_held(app, &request, 8).await;
        assert_eq!(ids(json!(true)).await, [json!(request)]);
        assert!(!ids(json!(false)).await.contains(&json!(request)));
        let body = app.gql_as(&admin, REQUEST.replace("status }", "status reportOverdue }").as_str(), json!({ "id": request })).await;
        assert_eq!(data(&body, "dispatchRequest")["reportOverdue"], true);
        // Completing and reporting clears it.
        data(&app.gql_as(&admin, COMPLETE, json!({ "id": request })).await, "completeDispatchRequest");
        assert_eq!(ids(json!(true)).await, [json!(request)], "completed but not reported");
        data(&app.gql_as(&admin, REPORT, json!({ "id": request, "report": "遅れて提出" })).await, "reportDispatchRequest");
        assert!(ids(json!(true)).await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn nested_request_fields_cost_the_same_statements_at_10_and_100_requests() {
    on_each_backend(async |app| {
        let (national, _) = app.sign_in(NATIONAL_ADMIN).await;
        let (kanazawa, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let (pool, advisor) = national_pool_with_advisor(app, &national, "件数の試験").await;
        let mut requests = Vec::new();
        for _ in 0..10 {
            let batch = join_all((0..10).map(|_| submit(app, &kanazawa, &pool, json!({ "preferredAdvisorIds": [advisor] })))).await;
            requests.extend(batch);
        }
        for (i, request) in requests.iter().take(15).enumerate() {
            data(&approve(app, &national, request, &[&advisor], vec![visit(100 + i as i64, 10, 12, "ONSITE")]).await, "approveDispatchRequest");
        }
        // Oldest first: both pages hold approved requests with assignments and visits.
        let q = "query($n: Int!) { dispatchRequests(first: $n) { edges { node { status requester { name } pool { name owner { name } } preferredAdvisors { name } assignments { status advisor { name trackRecord { completedDispatches } } } visits { startsAt advisor { name } } reportOverdue } } } }";
        let (small, body) = app.statements_for_as(&national, q, json!({ "n": 10 })).await;
        assert!(body["errors"].is_null(), "{body}");
        let (large, body) = fewest_statements(app, &national, q, json!({ "n": 100 }), small).await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(nodes(&body["data"]["dispatchRequests"]).len(), 100);
        assert_eq!(small, large, "statements: {small} for 10 requests, {large} for 100");
        assert!(large <= 11, "{large} statements: the list, the viewer, and one or two queries per nested field");
        // Ordering: newest first, and pages do not repeat.
        let first = app.gql_as(&national, "{ dispatchRequests(first: 5, orderBy: { field: CREATED_AT, direction: DESC }) { pageInfo { endCursor } edges { node { id } } } }", json!({})).await;
        let cursor = data(&first, "dispatchRequests")["pageInfo"]["endCursor"].clone();
        let next = app.gql_as(&national, "query($c: String) { dispatchRequests(first: 5, after: $c, orderBy: { field: CREATED_AT, direction: DESC }) { edges { node { id } } } }", json!({ "c": cursor })).await;
        let a: Vec<Value> = nodes(data(&first, "dispatchRequests")).iter().map(|n| n["id"].clone()).collect();
        let b: Vec<Value> = nodes(data(&next, "dispatchRequests")).iter().map(|n| n["id"].clone()).collect();
        assert!(requests[90..].iter().any(|r| a[0] == json!(r)), "the newest first");
        assert!(a.iter().all(|id| !b.contains(id)));
        let updated = app.gql_as(&national, "{ dispatchRequests(first: 3, orderBy: { field: UPDATED_AT, direction: DESC }) { edges { node { status } } } }", json!({})).await;
        assert_eq!(nodes(data(&updated, "dispatchRequests"))[0]["status"], "APPROVED");
    })
    .await;
}

fn sorted(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids
}

/// The ids of the rows of `E` a sharing condition selects, sorted.
async fn visible_ids<E>(
    db: &sea_orm::DatabaseConnection,
    condition: sea_orm::Condition,
) -> Vec<Uuid>
where
    E: EntityTrait,
    E::Model: sea_orm::FromQueryResult + Send + Sync + serde::Serialize,
{
    let rows = E::find().filter(condition).all(db).await.expect("query");
    sorted(
        rows.iter()
            .filter_map(|r| serde_json::to_value(r).ok()?["id"].as_str()?.parse().ok())
            .collect(),
    )
}

#[tokio::test]
async fn the_sharing_query_conditions_agree_with_the_rules_for_requests_and_advisors() {
    on_each_backend(async |app| {
        use entity::enums::{OrganizationKind, Role};
        use entity::{advisor, advisor_pool, organization, user};
        use koiki::access::{self, DispatchParties, RecordFacts, ViewerFacts};
        use koiki::auth::viewer::{SignedIn, Viewer};
        let db = &app.state.db;
        let orgs = organization::Entity::find().all(db).await.expect("orgs");
        let org = |code: &str| orgs.iter().find(|o| o.code == code).cloned().expect(code);
        let facts_of = |o: &organization::Model, audience, council_id| RecordFacts {
            owner_id: o.id,
            owner_prefecture_id: if o.kind == OrganizationKind::Prefecture {
                Some(o.id)
            } else {
                o.prefecture_id
            },
            audience,
            council_id,
        };
        let advisor_user = user::Entity::find()
            .filter(user::Column::Email.eq(ADVISOR))
            .one(db)
            .await
            .expect("query")
            .expect("advisor account");
        let mut viewers: Vec<(Viewer, ViewerFacts)> =
            vec![(Viewer::Anonymous, ViewerFacts::default())];
        for code in [
            "292010",
            "290009",
            "390003",
            "392014",
            "172014",
            "NATIONAL-DX",
            "KOIKI-OPS",
        ] {
            let o = org(code);
            let councils = koiki::organizations::council_ids_of(db, o.id)
                .await
                .expect("councils");
            for roles in [
                &[Role::Member][..],
                &[Role::Editor],
                &[Role::Admin],
                &[Role::Advisor],
                &[Role::Operator],
            ] {
                for user_id in [Uuid::now_v7(), advisor_user.id] {
                    let user = SignedIn {
                        user_id,
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
                            council_ids: councils.iter().copied().collect(),
                        },
                    ));
                }
            }
        }
        let requests = dispatch_request::Entity::find()
            .all(db)
            .await
            .expect("requests");
        let pools = advisor_pool::Entity::find().all(db).await.expect("pools");
        let advisors = advisor::Entity::find().all(db).await.expect("advisors");
        let assigned = koiki::advisors::dispatch::assigned_user_ids(
            db,
            &requests.iter().map(|r| r.id).collect::<Vec<_>>(),
        )
        .await
        .expect("assigned");
        let (mut checked, mut seen) = (0, 0);
        for (viewer, facts) in &viewers {
            let sql =
                visible_ids::<dispatch_request::Entity>(db, access::dispatch_readable(viewer))
                    .await;
            let rule: Vec<Uuid> = requests
                .iter()
                .filter(|r| {
                    let pool = pools.iter().find(|p| p.id == r.pool_id).expect("pool");
                    access::can_read_dispatch(
                        viewer,
                        &DispatchParties {
                            requester_id: r.requester_organization_id,
                            pool_owner_id: pool.owner_organization_id,
                            assigned_user_ids: assigned.get(&r.id).cloned().unwrap_or_default(),
                        },
                    )
                })
                .map(|r| r.id)
                .collect();
            assert_eq!(sql, sorted(rule), "requests, {viewer:?}");
            let sql = visible_ids::<advisor::Entity>(db, access::advisor_readable(viewer)).await;
            let rule: Vec<Uuid> = advisors
                .iter()
                .filter(|a| {
                    let pool = pools.iter().find(|p| p.id == a.pool_id).expect("pool");
                    let owner = orgs
                        .iter()
                        .find(|o| o.id == pool.owner_organization_id)
                        .expect("owner");
                    access::can_read_advisor(
                        viewer,
                        &facts_of(owner, pool.audience, pool.council_id),
                        &facts_of(owner, a.audience, a.council_id),
                        a.user_id,
                        facts,
                    )
                })
                .map(|a| a.id)
                .collect();
            assert_eq!(sql, sorted(rule), "advisors, {viewer:?}");
            let sql = visible_ids::<advisor_pool::Entity>(db, access::pool_readable(viewer)).await;
            let rule: Vec<Uuid> = pools
                .iter()
                .filter(|p| {
                    let owner = orgs
                        .iter()
                        .find(|o| o.id == p.owner_organization_id)
                        .expect("owner");
                    let linked: Vec<Uuid> = advisors
                        .iter()
                        .filter(|a| a.pool_id == p.id)
                        .filter_map(|a| a.user_id)
                        .collect();
                    access::can_read_pool(
                        viewer,
                        &facts_of(owner, p.audience, p.council_id),
                        &linked,
                        facts,
                    )
                })
                .map(|p| p.id)
                .collect();
            seen += rule.len();
            assert_eq!(sql, sorted(rule), "pools, {viewer:?}");
            checked += pools.len();
        }
        assert!(
            seen > 0 && seen < checked,
            "not vacuous: {seen} of {checked}"
        );
    })
    .await;
}
