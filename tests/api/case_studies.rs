//! Case studies through the real server: writing, publishing, versions, sharing, facets,
//! similar municipalities, concurrency and the cost of a page.

use futures::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{
    KANAZAWA_EDITOR, KOCHI_ADMIN, NARA_CITY_MEMBER, NARA_EDITOR, OYAMA_EDITOR, TestApp, error_code,
    on_each_backend,
};

pub const CREATE: &str = r#"mutation($input: CreateCaseStudyInput!) {
    createCaseStudy(input: $input) { caseStudy { id version status population populationBand } } }"#;
pub const PUBLISH: &str = r#"mutation($id: ID!) {
    publishCaseStudy(input: { id: $id }) { caseStudy { id version status publishedAt fiscalYear } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateCaseStudyInput!) {
    updateCaseStudy(input: $input) { caseStudy { id version title status } } }"#;
const ARCHIVE: &str = r#"mutation($id: ID!) {
    archiveCaseStudy(input: { id: $id }) { caseStudy { id version status } } }"#;
const FOLLOW_UP: &str = r#"mutation($id: ID!, $date: Date!, $notes: String) {
    addCaseStudyFollowUp(input: { caseStudyId: $id, date: $date, stillOperating: true, notes: $notes }) {
      caseStudy { version details { followUps { date notes } } } } }"#;

/// The id of a subcategory, by name.
pub async fn category(app: &TestApp, name: &str) -> String {
    let body = app
        .gql(
            "{ caseCategories { name children { id name } } }",
            json!({}),
        )
        .await;
    body["data"]["caseCategories"]
        .as_array()
        .expect("categories")
        .iter()
        .flat_map(|c| c["children"].as_array().cloned().unwrap_or_default())
        .find(|c| c["name"] == name)
        .and_then(|c| c["id"].as_str().map(str::to_owned))
        .unwrap_or_else(|| panic!("no category {name}: {body}"))
}

/// Creates a case as `token`; returns its id.
pub async fn create(app: &TestApp, token: &str, input: Value) -> String {
    let body = app.gql_as(token, CREATE, json!({ "input": input })).await;
    body["data"]["createCaseStudy"]["caseStudy"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("create failed: {body}"))
        .to_owned()
}

/// Creates and publishes a case as `token`; returns its id.
pub async fn publish_new(app: &TestApp, token: &str, input: Value) -> String {
    let id = create(app, token, input).await;
    let body = app.gql_as(token, PUBLISH, json!({ "id": id })).await;
    assert_eq!(
        body["data"]["publishCaseStudy"]["caseStudy"]["status"], "PUBLISHED",
        "{body}"
    );
    id
}

fn names(list: &Value, path: &str) -> Vec<String> {
    list.as_array()
        .expect("list")
        .iter()
        .map(|e| {
            e.pointer(path)
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn oyama_finds_ojt_cases_of_towns_its_size_with_facet_counts() {
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(OYAMA_EDITOR).await;
        let body = app
            .gql_as(
                &token,
                r#"{ caseStudies(filter: { search: "OJT", similarTo: { organizationCode: "223441", populationRatio: 2.5 } }) {
                    totalCount
                    edges { node { title population organization { name } } }
                    facets {
                      categories { category { name parent { name } } count }
                      keywords { keyword { name label } count }
                      prefectures { prefecture { name } count }
                      populationBands { band count }
                      stages { stage count }
                      years { year count } } } }"#,
                json!({}),
            )
            .await;
        let list = &body["data"]["caseStudies"];
        let mut towns = names(&list["edges"], "/node/organization/name");
        towns.sort();
        assert_eq!(towns, ["五霞町", "小山町", "庄内町"], "{body}");
        assert_eq!(list["totalCount"], 3);
        let facets = &list["facets"];
        assert_eq!(
            facets["populationBands"],
            json!([{ "band": "FROM_10K_TO_50K", "count": 2 }, { "band": "UNDER_10K", "count": 1 }]),
            "{body}"
        );
        let mut prefectures: Vec<(String, i64)> = facets["prefectures"]
            .as_array()
            .expect("prefectures")
            .iter()
            .map(|p| (p["prefecture"]["name"].as_str().unwrap_or("").to_owned(), p["count"].as_i64().unwrap_or(0)))
            .collect();
        prefectures.sort();
        assert_eq!(
            prefectures,
            [("山形県".to_owned(), 1), ("茨城県".to_owned(), 1), ("静岡県".to_owned(), 1)]
        );
        assert_eq!(
            facets["categories"],
            json!([
                { "category": { "name": "人材育成を活性化する計画や制度の工夫", "parent": { "name": "人材確保・育成" } }, "count": 2 },
                { "category": { "name": "総務省アドバイザーの活用", "parent": { "name": "人材確保・育成" } }, "count": 1 }
            ]),
            "{body}"
        );
        assert_eq!(
            facets["keywords"][0],
            json!({ "keyword": { "name": "ojt(職場内訓練)", "label": "OJT(職場内訓練)" }, "count": 3 })
        );
        assert_eq!(facets["stages"], json!([{ "stage": "OPERATING", "count": 3 }]));
        assert_eq!(facets["years"], json!([{ "year": 2024, "count": 3 }]));

        // Nankoku (about 46,000) has OJT too, but is outside 17,000 × 2.5.
        let wider = app
            .gql_as(
                &token,
                r#"{ caseStudies(filter: { search: "OJT", similarTo: { organizationCode: "223441", populationRatio: 3 } }) {
                    edges { node { organization { name } } } } }"#,
                json!({}),
            )
            .await;
        assert!(names(&wider["data"]["caseStudies"]["edges"], "/node/organization/name").contains(&"南国市".to_owned()), "{wider}");
        // The same prefecture only: Oyama itself.
        let same = app
            .gql_as(
                &token,
                r#"{ caseStudies(filter: { search: "OJT", similarTo: { organizationCode: "223441", populationRatio: 2.5, samePrefecture: true } }) {
                    edges { node { organization { name } } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(names(&same["data"]["caseStudies"]["edges"], "/node/organization/name"), ["小山町"], "{same}");
    })
    .await;
}

#[tokio::test]
async fn a_kochi_user_cannot_see_count_or_find_a_nara_prefecture_case() {
    on_each_backend(async |app| {
        let query = r#"query($id: ID!) {
            caseStudy(id: $id) { title audience }
            node(id: $id) { id }
            all: caseStudies(first: 100) { totalCount facets { prefectures { prefecture { code } count } keywords { keyword { name } } } }
            found: caseStudies(filter: { search: "LoGoチャット" }) { totalCount }
            nara: caseStudies(filter: { prefectureCode: "290009" }) { totalCount }
            search(query: "LoGoチャット") { totalCount edges { node { ... on CaseStudyHit { caseStudy { title } } } } }
            keywords(prefix: "logo") { keyword { label } count } }"#;
        // Find the case as a Nara city member, who may see it.
        let (nara, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let listed = app
            .gql_as(&nara, r#"{ caseStudies(filter: { search: "デジならチャット", organizationCode: "290009" }) { edges { node { id audience } } } }"#, json!({}))
            .await;
        let id = listed["data"]["caseStudies"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .find(|e| e["node"]["audience"] == "PREFECTURE")
            .and_then(|e| e["node"]["id"].as_str())
            .unwrap_or_else(|| panic!("{listed}"))
            .to_owned();
        let seen = app.gql_as(&nara, query, json!({ "id": id })).await;
        assert_eq!(seen["data"]["caseStudy"]["audience"], "PREFECTURE", "{seen}");
        assert_eq!(seen["data"]["node"]["id"], id.as_str());
        assert_eq!(seen["data"]["found"]["totalCount"], 1);
        assert_eq!(seen["data"]["nara"]["totalCount"], 2);
        assert_eq!(seen["data"]["search"]["totalCount"], 1);
        assert_eq!(seen["data"]["keywords"][0]["keyword"]["label"], "LoGoチャット");

        let (kochi, _) = app.sign_in(KOCHI_ADMIN).await;
        let hidden = app.gql_as(&kochi, query, json!({ "id": id })).await;
        assert!(hidden["errors"].is_null(), "{hidden}");
        assert!(hidden["data"]["caseStudy"].is_null() && hidden["data"]["node"].is_null(), "{hidden}");
        assert_eq!(hidden["data"]["found"]["totalCount"], 0);
        assert_eq!(hidden["data"]["nara"]["totalCount"], 1, "only Nara's public case: {hidden}");
        assert_eq!(hidden["data"]["search"]["totalCount"], 0);
        assert_eq!(hidden["data"]["keywords"], json!([]));
        let total = |b: &Value| b["data"]["all"]["totalCount"].as_i64().unwrap_or(-1);
        assert_eq!(total(&hidden), total(&seen) - 1);
        let nara_count = |b: &Value| {
            b["data"]["all"]["facets"]["prefectures"]
                .as_array()
                .expect("facet")
                .iter()
                .find(|p| p["prefecture"]["code"] == "290009")
                .and_then(|p| p["count"].as_i64())
        };
        assert_eq!(nara_count(&seen), Some(2));
        assert_eq!(nara_count(&hidden), Some(1));
        let keyword_names = names(&hidden["data"]["all"]["facets"]["keywords"], "/keyword/name");
        assert!(!keyword_names.contains(&"logoチャット".to_owned()), "{hidden}");
        // A Kochi editor cannot change it either, and learns nothing about it.
        let refused = app
            .gql_as(&kochi, UPDATE, json!({ "input": { "id": id, "title": "x" } }))
            .await;
        assert_eq!(error_code(&refused), "NOT_FOUND", "{refused}");
    })
    .await;
}

#[tokio::test]
async fn an_editor_writes_publishes_edits_and_archives_a_case_and_the_owner_reads_earlier_versions()
{
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let category = category(app, "実務に即した人材育成").await;
        let id = create(
            app,
            &token,
            json!({ "title": "窓口のBPR研修", "keywords": ["#窓口改革", "窓口改革"], "audience": "NATIONWIDE" }),
        )
        .await;
        // Kanazawa's own population is taken, with its band.
        let draft = app
            .gql_as(&token, "query($id: ID!) { caseStudy(id: $id) { status version population populationYear populationBand keywords { label } viewerCanEdit } }", json!({ "id": id }))
            .await;
        assert_eq!(
            draft["data"]["caseStudy"],
            json!({ "status": "DRAFT", "version": 1, "population": 447000, "populationYear": 2023, "populationBand": "OVER_300K", "keywords": [{ "label": "窓口改革" }], "viewerCanEdit": true })
        );
        // Others do not see a draft.
        let (other, _) = app.sign_in(NARA_EDITOR).await;
        let hidden = app.gql_as(&other, "query($id: ID!) { caseStudy(id: $id) { id } }", json!({ "id": id })).await;
        assert!(hidden["data"]["caseStudy"].is_null(), "{hidden}");
        // Publishing needs a summary and a category.
        let incomplete = app.gql_as(&token, PUBLISH, json!({ "id": id })).await;
        assert_eq!(error_code(&incomplete), "CASE_STUDY_INCOMPLETE", "{incomplete}");
        assert_eq!(incomplete["errors"][0]["extensions"]["missing"], json!(["summary", "categoryId"]));
        let updated = app
            .gql_as(&token, UPDATE, json!({ "input": { "id": id, "summary": "窓口業務を見直す研修。", "categoryId": category } }))
            .await;
        assert_eq!(updated["data"]["updateCaseStudy"]["caseStudy"]["version"], 2, "{updated}");
        let published = app.gql_as(&token, PUBLISH, json!({ "id": id })).await;
        let case = &published["data"]["publishCaseStudy"]["caseStudy"];
        assert_eq!(case["status"], "PUBLISHED", "{published}");
        assert!(case["publishedAt"].is_string() && case["fiscalYear"].is_number());
        let again = app.gql_as(&token, PUBLISH, json!({ "id": id })).await;
        assert_eq!(error_code(&again), "INVALID_TRANSITION", "{again}");
        assert_eq!(again["errors"][0]["extensions"]["state"], "PUBLISHED");
        // Now Nara sees it and finds it.
        let found = app.gql_as(&other, r#"{ search(query: "窓口のBPR") { edges { node { ... on CaseStudyHit { caseStudy { id } } } } } }"#, json!({})).await;
        assert_eq!(found["data"]["search"]["edges"][0]["node"]["caseStudy"]["id"], id.as_str(), "{found}");
        // An edit of the published case keeps the version before it.
        let edited = app
            .gql_as(&token, UPDATE, json!({ "input": { "id": id, "expectedVersion": 3, "title": "窓口業務のBPR研修" } }))
            .await;
        assert_eq!(edited["data"]["updateCaseStudy"]["caseStudy"]["version"], 4, "{edited}");
        // A published case keeps its summary and category.
        let emptied = app
            .gql_as(&token, UPDATE, json!({ "input": { "id": id, "summary": null } }))
            .await;
        assert_eq!(error_code(&emptied), "CASE_STUDY_INCOMPLETE", "{emptied}");
        let stale = app
            .gql_as(&token, UPDATE, json!({ "input": { "id": id, "expectedVersion": 3, "title": "古い版からの編集" } }))
            .await;
        assert_eq!(error_code(&stale), "CONFLICT", "{stale}");
        let versions = "query($id: ID!) { caseStudy(id: $id) { title versions { version title keywords } } }";
        let owner_view = app.gql_as(&token, versions, json!({ "id": id })).await;
        assert_eq!(
            owner_view["data"]["caseStudy"],
            json!({ "title": "窓口業務のBPR研修", "versions": [{ "version": 3, "title": "窓口のBPR研修", "keywords": ["窓口改革"] }] }),
            "{owner_view}"
        );
        let reader_view = app.gql_as(&other, versions, json!({ "id": id })).await;
        assert!(reader_view["data"]["caseStudy"]["versions"].is_null(), "{reader_view}");
        // The search index follows the edit.
        let renamed = app.gql_as(&other, r#"{ search(query: "窓口業務のBPR") { totalCount } }"#, json!({})).await;
        assert_eq!(renamed["data"]["search"]["totalCount"], 1, "{renamed}");
        // Archived: out of the index, read-only, seen by the owner only.
        let archived = app.gql_as(&token, ARCHIVE, json!({ "id": id })).await;
        assert_eq!(archived["data"]["archiveCaseStudy"]["caseStudy"]["status"], "ARCHIVED", "{archived}");
        let gone = app.gql_as(&other, r#"{ search(query: "窓口業務のBPR") { totalCount } }"#, json!({})).await;
        assert_eq!(gone["data"]["search"]["totalCount"], 0, "{gone}");
        let frozen = app.gql_as(&token, UPDATE, json!({ "input": { "id": id, "title": "x" } })).await;
        assert_eq!(error_code(&frozen), "INVALID_TRANSITION", "{frozen}");
        let own_list = app
            .gql_as(&token, r#"{ caseStudies(filter: { statuses: [ARCHIVED], organizationCode: "172014" }) { totalCount } }"#, json!({}))
            .await;
        assert_eq!(own_list["data"]["caseStudies"]["totalCount"], 1, "{own_list}");
        // Every change is in the audit trail, with the state before and after.
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let uuid = {
            use base64::Engine;
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&id).expect("id");
            let text = String::from_utf8(raw).expect("utf8");
            uuid::Uuid::parse_str(text.trim_start_matches("CaseStudy:")).expect("uuid")
        };
        let events = entity::audit_event::Entity::find()
            .filter(entity::audit_event::Column::EntityId.eq(uuid))
            .order_by_asc(entity::audit_event::Column::OccurredAt)
            .all(&app.state.db)
            .await
            .expect("events");
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            ["case_study.create", "case_study.update", "case_study.publish", "case_study.update", "case_study.archive"]
        );
        assert_eq!(events[3].before.as_ref().map(|b| b["record"]["title"].clone()), Some(json!("窓口のBPR研修")));
        assert_eq!(events[3].after.as_ref().map(|b| b["record"]["title"].clone()), Some(json!("窓口業務のBPR研修")));
    })
    .await;
}

#[tokio::test]
async fn contact_department_is_shown_to_signed_in_local_governments_only() {
    on_each_backend(async |app| {
        let query = r#"{ caseStudies(filter: { organizationCode: "172014" }) { edges { node { audience contact { department email phone } details { costs { initial { amountYen breakdown { label amountYen } } runningPerYear { amountYen } } schedule { monthsFromStudyToLaunch } } } } } }"#;
        let anonymous = app.gql(query, json!({})).await;
        let case = &anonymous["data"]["caseStudies"]["edges"][0]["node"];
        assert_eq!(case["audience"], "PUBLIC", "{anonymous}");
        assert!(case["contact"].is_null(), "{anonymous}");
        assert_eq!(case["details"]["costs"]["initial"]["amountYen"], 27_398_000);
        assert_eq!(
            case["details"]["costs"]["initial"]["breakdown"],
            json!([{ "label": "有償ツールライセンス料", "amountYen": 14_253_000 }, { "label": "導入支援業務委託料", "amountYen": 13_145_000 }])
        );
        assert_eq!(case["details"]["costs"]["runningPerYear"]["amountYen"], 3_000_000);
        assert_eq!(case["details"]["schedule"]["monthsFromStudyToLaunch"], 9);
        let (token, _) = app.sign_in(KOCHI_ADMIN).await;
        let signed_in = app.gql_as(&token, query, json!({})).await;
        assert_eq!(
            signed_in["data"]["caseStudies"]["edges"][0]["node"]["contact"],
            json!({ "department": "金沢市総務局デジタル行政戦略課", "email": "digital@city.kanazawa.lg.jp", "phone": "076-220-2044" })
        );
        // The contact is never in the search index, so no snippet shows it to anyone.
        let probe = app.gql(r#"{ search(query: "デジタル行政戦略課") { totalCount } }"#, json!({})).await;
        assert_eq!(probe["data"]["search"]["totalCount"], 0, "{probe}");
    })
    .await;
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_and_changes_nothing() {
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let count = async || {
            app.gql_as(&token, r#"{ caseStudies(filter: { statuses: [DRAFT, PUBLISHED, ARCHIVED] }) { totalCount } }"#, json!({}))
                .await["data"]["caseStudies"]["totalCount"]
                .as_i64()
                .unwrap_or(-1)
        };
        let before = count().await;
        let cases = [
            (json!({ "title": "x", "details": { "costs": { "initial": { "amountYen": -1 } } } }), "input.details.costs.initial.amountYen"),
            (json!({ "title": "x", "details": { "kpis": [{ "name": "DX推進員", "targetYear": 2101 }] } }), "input.details.kpis[0].targetYear"),
            (json!({ "title": "x", "details": { "kpis": [{ "name": "DX推進員", "baselineYear": 1899 }] } }), "input.details.kpis[0].baselineYear"),
            (json!({ "title": "" }), "input.title"),
            (json!({ "title": "a\u{0}b" }), "input.title"),
            (json!({ "title": "x".repeat(201) }), "input.title"),
            (json!({ "title": "x", "keywords": ["#"] }), "input.keywords[0]"),
            (json!({ "title": "x", "contact": { "department": "課", "email": "nope" } }), "input.contact.email"),
            (json!({ "title": "x", "audience": "COUNCIL" }), "input.councilId"),
            (json!({ "title": "x", "details": { "references": [{ "title": "t", "url": "javascript:alert(1)" }] } }), "input.details.references[0].url"),
        ];
        for (input, field) in cases {
            let body = app.gql_as(&token, CREATE, json!({ "input": input })).await;
            assert_eq!(error_code(&body), "VALIDATION", "{field}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
        // A council Kanazawa is not a member of.
        let councils = app.gql("{ councils(first: 1) { edges { node { id } } } }", json!({})).await;
        let nara_council = councils["data"]["councils"]["edges"][0]["node"]["id"].clone();
        let body = app
            .gql_as(&token, CREATE, json!({ "input": { "title": "x", "audience": "COUNCIL", "councilId": nara_council } }))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "input.councilId", "{body}");
        assert_eq!(count().await, before);
        // Members may read but not write; anonymous callers must sign in.
        let (member, _) = app.sign_in(NARA_CITY_MEMBER).await;
        let body = app.gql_as(&member, CREATE, json!({ "input": { "title": "x" } })).await;
        assert_eq!(error_code(&body), "FORBIDDEN", "{body}");
        let body = app.gql(CREATE, json!({ "input": { "title": "x" } })).await;
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{body}");
        // Filters and searches.
        let long = "研".repeat(2000);
        let body = app.gql("query($q: String!) { caseStudies(filter: { search: $q }) { totalCount } }", json!({ "q": long })).await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "filter.search");
        let body = app.gql("query($q: String!) { search(query: $q) { totalCount } }", json!({ "q": long })).await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "query", "{body}");
        let body = app
            .gql(r#"{ caseStudies(filter: { similarTo: { organizationCode: "223441", populationRatio: 0.5 } }) { totalCount } }"#, json!({}))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "filter.similarTo.populationRatio", "{body}");
        let body = app
            .gql(r#"{ caseStudies(filter: { similarTo: { organizationCode: "223442", populationRatio: 2 } }) { totalCount } }"#, json!({}))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "filter.similarTo.organizationCode", "{body}");
        let body = app.gql(r#"{ caseStudy(id: "bm9wZQ") { id } }"#, json!({})).await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
    })
    .await;
}

#[tokio::test]
async fn simultaneous_follow_ups_are_all_kept_each_in_its_own_version() {
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let category = category(app, "実務に即した人材育成").await;
        let id = publish_new(app, &token, json!({ "title": "追跡する事例", "summary": "s", "categoryId": category, "audience": "PUBLIC" })).await;
        const N: usize = 16;
        let results = join_all((0..N).map(|i| {
            let (token, id) = (token.clone(), id.clone());
            async move {
                app.gql_as(&token, FOLLOW_UP, json!({ "id": id, "date": "2026-04-01", "notes": format!("報告{i}") }))
                    .await
            }
        }))
        .await;
        for body in &results {
            assert!(body["errors"].is_null(), "{body}");
        }
        let body = app
            .gql_as(&token, "query($id: ID!) { caseStudy(id: $id) { version details { followUps { notes } } versions { version } } }", json!({ "id": id }))
            .await;
        let case = &body["data"]["caseStudy"];
        // create 1, publish 2, then one version per follow-up.
        assert_eq!(case["version"], 2 + N as i64, "{body}");
        let mut notes = names(&case["details"]["followUps"], "/notes");
        notes.sort();
        let mut expected: Vec<String> = (0..N).map(|i| format!("報告{i}")).collect();
        expected.sort();
        assert_eq!(notes, expected);
        let versions: Vec<i64> = case["versions"].as_array().expect("versions").iter().filter_map(|v| v["version"].as_i64()).collect();
        assert_eq!(versions, (2..2 + N as i64).rev().collect::<Vec<_>>());
    })
    .await;
}

#[tokio::test]
async fn of_simultaneous_edits_of_one_version_exactly_one_wins() {
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let id = create(app, &token, json!({ "title": "同時編集" })).await;
        let results = join_all((0..12).map(|i| {
            let (token, id) = (token.clone(), id.clone());
            async move {
                app.gql_as(&token, UPDATE, json!({ "input": { "id": id, "expectedVersion": 1, "title": format!("編集{i}") } }))
                    .await
            }
        }))
        .await;
        let won = results.iter().filter(|b| b["errors"].is_null()).count();
        let conflicts = results.iter().filter(|b| error_code(b) == "CONFLICT").count();
        assert_eq!((won, conflicts), (1, 11), "{results:?}");
        let winner = results
            .iter()
            .find(|b| b["errors"].is_null())
            .map(|b| b["data"]["updateCaseStudy"]["caseStudy"]["title"].clone());
        let body = app.gql_as(&token, "query($id: ID!) { caseStudy(id: $id) { title version } }", json!({ "id": id })).await;
        assert_eq!(Some(body["data"]["caseStudy"]["title"].clone()), winner);
        assert_eq!(body["data"]["caseStudy"]["version"], 2);
    })
    .await;
}

#[tokio::test]
async fn simultaneous_cases_with_the_same_new_keyword_share_one_keyword() {
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let spellings = [
            "#新キーワード（試行）",
            "新キーワード(試行)",
            "＃新キーワード（試行）",
            "新キーワード (試行)",
        ];
        let results = join_all((0..8).map(|i| {
            let token = token.clone();
            let keyword = spellings[i % spellings.len()];
            async move {
                app.gql_as(
                    &token,
                    CREATE,
                    json!({ "input": { "title": format!("事例{i}"), "keywords": [keyword] } }),
                )
                .await
            }
        }))
        .await;
        for body in &results {
            assert!(body["errors"].is_null(), "{body}");
        }
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let keywords = entity::keyword::Entity::find()
            .filter(entity::keyword::Column::Name.eq("新キーワード(試行)"))
            .count(&app.state.db)
            .await
            .expect("count");
        assert_eq!(keywords, 1);
    })
    .await;
}

#[tokio::test]
async fn keywords_are_suggested_in_any_spelling_with_counts_of_visible_cases() {
    on_each_backend(async |app| {
        for prefix in ["#OJT", "ｏｊｔ", "OJT（"] {
            let body = app
                .gql("query($p: String) { keywords(prefix: $p) { keyword { name label } count } }", json!({ "p": prefix }))
                .await;
            assert_eq!(
                body["data"]["keywords"],
                json!([{ "keyword": { "name": "ojt(職場内訓練)", "label": "OJT(職場内訓練)" }, "count": 4 }]),
                "{prefix}: {body}"
            );
        }
        // `#OJT(職場内訓練)` and `OJT（職場内訓練）` filter alike.
        for keyword in ["#OJT(職場内訓練)", "OJT（職場内訓練）"] {
            let body = app
                .gql("query($k: String!) { caseStudies(filter: { keywords: [$k] }) { totalCount } }", json!({ "k": keyword }))
                .await;
            assert_eq!(body["data"]["caseStudies"]["totalCount"], 4, "{body}");
        }
        let body = app.gql(r#"{ keywords(prefix: "%") { count } }"#, json!({})).await;
        assert_eq!(body["data"]["keywords"], json!([]), "{body}");
    })
    .await;
}

#[tokio::test]
async fn filters_and_orders_combine_and_pages_follow_cursors() {
    on_each_backend(async |app| {
        let body = app
            .gql(
                r#"{ towns: caseStudies(filter: { populationBands: [UNDER_10K, FROM_10K_TO_50K] }, orderBy: { field: POPULATION, direction: ASC }) {
                       edges { node { organization { name } population } } }
                     ibaraki: caseStudies(filter: { prefectureCode: "082201" }) { totalCount }
                     kanazawa: caseStudies(filter: { years: [2023] }) { edges { node { organization { name } } } }
                     advisors: caseStudies(filter: { categories: ["%s"] }) { totalCount } }"#
                    .replace("%s", &category(app, "総務省アドバイザーの活用").await)
                    .as_str(),
                json!({}),
            )
            .await;
        assert_eq!(
            names(&body["data"]["towns"]["edges"], "/node/organization/name"),
            ["五霞町", "小山町", "庄内町", "本宮市", "井原市", "南国市"],
            "{body}"
        );
        assert_eq!(body["data"]["ibaraki"]["totalCount"], 3, "Goka, Tsukuba, Kasama: {body}");
        assert_eq!(names(&body["data"]["kanazawa"]["edges"], "/node/organization/name"), ["金沢市"]);
        assert_eq!(body["data"]["advisors"]["totalCount"], 3);
        // Keyset pages of a search: two at a time, no repeats, nothing skipped.
        let q = r#"query($after: String) { caseStudies(filter: { search: "研修" }, first: 2, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }"#;
        let mut seen: Vec<String> = Vec::new();
        let mut after = Value::Null;
        let mut total;
        loop {
            let page = app.gql(q, json!({ "after": after })).await;
            let list = &page["data"]["caseStudies"];
            total = list["totalCount"].as_i64().unwrap_or(-1);
            seen.extend(names(&list["edges"], "/node/id"));
            if list["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = list["pageInfo"]["endCursor"].clone();
        }
        let unique: std::collections::HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len());
        assert_eq!(seen.len() as i64, total);
        assert!(total >= 10, "{total}");
    })
    .await;
}

#[tokio::test]
async fn node_sees_a_case_exactly_when_case_study_does() {
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let id = create(app, &token, json!({ "title": "下書き" })).await;
        let q = "query($id: ID!) { caseStudy(id: $id) { id } node(id: $id) { ... on CaseStudy { id title } } }";
        let own = app.gql_as(&token, q, json!({ "id": id })).await;
        assert_eq!(own["data"]["node"]["title"], "下書き", "{own}");
        for body in [app.gql(q, json!({ "id": id })).await, {
            let (nara, _) = app.sign_in(NARA_EDITOR).await;
            app.gql_as(&nara, q, json!({ "id": id })).await
        }] {
            assert!(body["data"]["caseStudy"].is_null() && body["data"]["node"].is_null(), "{body}");
        }
    })
    .await;
}

#[tokio::test]
async fn statements_per_list_do_not_grow_with_the_page_size() {
    on_each_backend(async |app| {
        let (token, _) = app.sign_in(KANAZAWA_EDITOR).await;
        let category = category(app, "実務に即した人材育成").await;
        for chunk in 0..11 {
            join_all((0..10).map(|i| {
                let token = token.clone();
                let category = category.clone();
                async move {
                    publish_new(app, &token, json!({ "title": format!("研修の事例 {chunk}-{i}"), "summary": "研修の記録", "categoryId": category, "keywords": ["#研修", format!("#k{i}")], "audience": "PUBLIC" })).await
                }
            }))
            .await;
        }
        let list = r#"query($n: Int!) { caseStudies(first: $n) { totalCount edges { node { title organization { name prefecture { name } } category { name parent { name } } keywords { label } council { name } versions { version } contact { department } } } } }"#;
        let search = r#"query($n: Int!) { search(query: "研修", first: $n) { totalCount edges { node { ... on CaseStudyHit { score snippet { text } caseStudy { title organization { name } category { name } keywords { label } } } } } } }"#;
        for query in [list, search] {
            let (ten, body10) = app.statements_for(query, json!({ "n": 10 })).await;
            let (hundred, body100) = app.statements_for(query, json!({ "n": 100 })).await;
            assert!(body10["errors"].is_null() && body100["errors"].is_null(), "{body100}");
            let edges = body100["data"].as_object().and_then(|d| d.values().next()).map(|v| v["edges"].as_array().map_or(0, Vec::len));
            assert_eq!(edges, Some(100));
            assert_eq!(ten, hundred, "{query}");
            assert!(ten <= 10, "{ten} statements");
        }
    })
    .await;
}

#[tokio::test]
async fn the_case_study_query_condition_agrees_with_the_rule_for_every_viewer_audience_and_state() {
    use chrono::Utc;
    use entity::enums::{Audience, CaseStage, CaseStatus, OrganizationKind, Role};
    use entity::{case_study, council, organization};
    use koiki::access::{self, RecordFacts, ViewerFacts};
    use koiki::auth::viewer::{SignedIn, Viewer};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
    use uuid::Uuid;

    on_each_backend(async |app| {
        let db = &app.state.db;
        let orgs = organization::Entity::find()
            .all(db)
            .await
            .expect("organisations");
        let org = |code: &str| orgs.iter().find(|o| o.code == code).cloned().expect(code);
        let councils = council::Entity::find().all(db).await.expect("councils");
        let nara_council = councils
            .iter()
            .find(|c| c.name.starts_with("奈良県地域デジタル化推進協議会"))
            .map(|c| c.id)
            .expect("council");
        let now = Utc::now();
        let mut records = Vec::new();
        for owner in [org("292010"), org("290009")] {
            for audience in [
                Audience::Private,
                Audience::Prefecture,
                Audience::Council,
                Audience::Nationwide,
                Audience::Public,
            ] {
                for status in [
                    CaseStatus::Draft,
                    CaseStatus::Published,
                    CaseStatus::Archived,
                ] {
                    let id = Uuid::now_v7();
                    let council_id = (audience == Audience::Council).then_some(nara_council);
                    case_study::Entity::insert(case_study::ActiveModel {
                        id: Set(id),
                        organization_id: Set(owner.id),
                        population: Set(None),
                        population_year: Set(None),
                        population_band: Set(None),
                        title: Set(format!("{audience:?} {status:?}")),
                        summary: Set(None),
                        category_id: Set(None),
                        stage: Set(CaseStage::Operating),
                        overview: Set(None),
                        details: Set(json!({})),
                        contact: Set(None),
                        licence: Set(None),
                        audience: Set(audience),
                        council_id: Set(council_id),
                        status: Set(status),
                        version: Set(1),
                        published_at: Set(None),
                        created_by_user_id: Set(None),
                        created_at: Set(now),
                        updated_at: Set(now),
                        fiscal_year: Set(None),
                    })
                    .exec_without_returning(db)
                    .await
                    .expect("case inserted");
                    let owner_prefecture_id = match owner.kind {
                        OrganizationKind::Prefecture => Some(owner.id),
                        _ => owner.prefecture_id,
                    };
                    records.push((
                        id,
                        status,
                        RecordFacts {
                            owner_id: owner.id,
                            owner_prefecture_id,
                            audience,
                            council_id,
                        },
                    ));
                }
            }
        }
        let mut viewers = vec![(Viewer::Anonymous, ViewerFacts::default())];
        for code in ["292010", "290009", "293423", "390003", "172014"] {
            let o = org(code);
            let council_ids = koiki::organizations::council_ids_of(db, o.id)
                .await
                .expect("councils");
            for roles in [&[Role::Member][..], &[Role::Editor], &[Role::Advisor]] {
                viewers.push((
                    Viewer::User(SignedIn {
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
                    }),
                    ViewerFacts {
                        council_ids: council_ids.iter().copied().collect(),
                    },
                ));
            }
        }
        let ids: Vec<Uuid> = records.iter().map(|(id, _, _)| *id).collect();
        let mut visible = 0;
        for (viewer, facts) in &viewers {
            let mut from_sql: Vec<Uuid> = case_study::Entity::find()
                .filter(case_study::Column::Id.is_in(ids.clone()))
                .filter(access::readable_case_studies(viewer))
                .all(db)
                .await
                .expect("query")
                .into_iter()
                .map(|c| c.id)
                .collect();
            from_sql.sort();
            let mut from_rule: Vec<Uuid> = records
                .iter()
                .filter(|(_, status, r)| access::can_read_case_study(viewer, r, *status, facts))
                .map(|(id, _, _)| *id)
                .collect();
            from_rule.sort();
            assert_eq!(from_sql, from_rule, "viewer {viewer:?}");
            visible += from_rule.len();
        }
        assert!(
            visible > viewers.len() && visible < viewers.len() * records.len(),
            "{visible}"
        );
    })
    .await;
}
