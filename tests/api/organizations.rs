use serde_json::json;

use crate::helpers::{error_code, on_each_backend};

#[tokio::test]
async fn every_local_government_is_there_and_kanazawa_is_found_by_code() {
    on_each_backend(async |app| {
        let body = app
            .gql(
                r#"{ organizations(filter: { kind: null }) { totalCount }
                    organization(code: "172014") { name nameKana kind population populationAsOf prefecture { code name } } }"#,
                json!({}),
            )
            .await;
        // Local governments only by default: the demo operator body is listed under its kind.
        assert_eq!(body["data"]["organizations"]["totalCount"], 1788, "{body}");
        let kanazawa = &body["data"]["organization"];
        assert_eq!(kanazawa["name"], "金沢市");
        assert_eq!(kanazawa["nameKana"], "カナザワシ");
        assert_eq!(kanazawa["kind"], "CITY");
        assert_eq!(kanazawa["population"], 447000);
        assert_eq!(kanazawa["populationAsOf"], "2023-01-01");
        assert_eq!(kanazawa["prefecture"]["code"], "170003");
        assert_eq!(kanazawa["prefecture"]["name"], "石川県");

        let kinds = app
            .gql(
                r#"{ p: organizations(filter: { kind: PREFECTURE }) { totalCount }
                    c: organizations(filter: { kind: CITY }) { totalCount }
                    t: organizations(filter: { kind: TOWN }) { totalCount }
                    v: organizations(filter: { kind: VILLAGE }) { totalCount }
                    w: organizations(filter: { kind: SPECIAL_WARD }) { totalCount } }"#,
                json!({}),
            )
            .await;
        let count = |k: &str| kinds["data"][k]["totalCount"].as_i64().unwrap_or(-1);
        assert_eq!([count("p"), count("c"), count("t"), count("v"), count("w")], [47, 792, 743, 183, 23]);
        let national = app.gql(r#"{ organizations(filter: { kind: NATIONAL }) { edges { node { code } } } }"#, json!({})).await;
        assert_eq!(national["data"]["organizations"]["edges"][0]["node"]["code"], "KOIKI-OPS", "{national}");
    })
    .await;
}

#[tokio::test]
async fn name_search_matches_kanji_hiragana_katakana_and_half_width_forms() {
    on_each_backend(async |app| {
        for search in ["金沢", "かなざわ", "カナザワ", "ｶﾅｻﾞﾜ", "金沢市"] {
            let body = app
                .gql(
                    "query($s: String!) { organizations(filter: { search: $s }) { totalCount edges { node { code name } } } }",
                    json!({ "s": search }),
                )
                .await;
            let codes: Vec<&str> = body["data"]["organizations"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .filter_map(|e| e["node"]["code"].as_str())
                .collect();
            assert!(codes.contains(&"172014"), "{search}: {body}");
        }
        // Wildcards are text, not patterns.
        let body = app.gql(r#"{ organizations(filter: { search: "%" }) { totalCount } }"#, json!({})).await;
        assert_eq!(body["data"]["organizations"]["totalCount"], 0, "{body}");
    })
    .await;
}

#[tokio::test]
async fn filters_by_prefecture_and_population() {
    on_each_backend(async |app| {
        let body = app
            .gql(
                r#"{ nara: organizations(filter: { prefectureCode: "290009" }) { totalCount }
                    naraTowns: organizations(filter: { prefectureCode: "290009", kind: TOWN }) { totalCount }
                    viaCity: organizations(filter: { prefectureCode: "292010", kind: PREFECTURE }) { edges { node { code } } }
                    small: organizations(filter: { populationMin: 15000, populationMax: 20000 }) { edges { node { name population } } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(body["data"]["nara"]["totalCount"], 40, "{body}");
        assert_eq!(body["data"]["naraTowns"]["totalCount"], 15, "{body}");
        assert_eq!(body["data"]["viaCity"]["edges"][0]["node"]["code"], "290009");
        let names: Vec<&str> = body["data"]["small"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter_map(|e| e["node"]["name"].as_str())
            .collect();
        assert_eq!(names, ["庄内町", "小山町"], "{body}");
    })
    .await;
}

#[tokio::test]
async fn wrong_codes_are_validation_errors_naming_the_field() {
    on_each_backend(async |app| {
        // Check digit wrong (172014 is right).
        let body = app.gql(r#"{ organization(code: "172015") { name } }"#, json!({})).await;
        assert_eq!(error_code(&body), "VALIDATION", "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "code");
        assert!(body["errors"][0]["message"].as_str().unwrap_or("").contains("check digit"), "{body}");
        // r = 0 (Tomakomai, check digit 1) and r = 1 (Nara city, check digit 0).
        let body = app
            .gql(r#"{ a: organization(code: "012131") { name } b: organization(code: "292010") { name } }"#, json!({}))
            .await;
        assert_eq!(body["data"]["a"]["name"], "苫小牧市", "{body}");
        assert_eq!(body["data"]["b"]["name"], "奈良市", "{body}");
        for wrong in ["012130", "292011", "17201", "abc", "482016"] {
            let body = app
                .gql("query($c: String!) { organization(code: $c) { name } }", json!({ "c": wrong }))
                .await;
            assert_eq!(error_code(&body), "VALIDATION", "{wrong}: {body}");
        }
        let body = app
            .gql(r#"{ organizations(filter: { prefectureCode: "290008" }) { totalCount } }"#, json!({}))
            .await;
        assert_eq!(body["errors"][0]["extensions"]["field"], "filter.prefectureCode", "{body}");
        // A well-formed code nobody has: null, not an error.
        let body = app.gql(r#"{ organization(code: "ZZ-NOBODY") { name } }"#, json!({})).await;
        assert!(body["errors"].is_null() && body["data"]["organization"].is_null(), "{body}");
    })
    .await;
}

#[tokio::test]
async fn pages_follow_cursors_forward_and_backward() {
    on_each_backend(async |app| {
        let q = r#"query($after: String, $before: String, $first: Int, $last: Int) {
            organizations(filter: { prefectureCode: "170003" }, first: $first, after: $after, last: $last, before: $before) {
              pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { code } } } }"#;
        let codes = |b: &serde_json::Value| -> Vec<String> {
            b["data"]["organizations"]["edges"]
                .as_array()
                .expect("edges")
                .iter()
                .map(|e| e["node"]["code"].as_str().unwrap_or("").to_owned())
                .collect()
        };
        let first = app.gql(q, json!({ "first": 5 })).await;
        assert_eq!(codes(&first), ["170003", "172014", "172022", "172031", "172049"], "{first}");
        assert_eq!(first["data"]["organizations"]["pageInfo"]["hasNextPage"], true);
        let end = first["data"]["organizations"]["pageInfo"]["endCursor"].clone();
        let second = app.gql(q, json!({ "first": 5, "after": end })).await;
        assert_eq!(codes(&second)[0], "172057", "{second}");
        assert_eq!(second["data"]["organizations"]["pageInfo"]["hasPreviousPage"], true);
        let start = second["data"]["organizations"]["pageInfo"]["startCursor"].clone();
        let back = app.gql(q, json!({ "last": 2, "before": start })).await;
        assert_eq!(codes(&back), ["172031", "172049"], "{back}");
        // Limits.
        let too_many = app.gql(q, json!({ "first": 101 })).await;
        assert_eq!(error_code(&too_many), "VALIDATION", "{too_many}");
        let bad_cursor = app.gql(q, json!({ "first": 1, "after": "nonsense" })).await;
        assert_eq!(error_code(&bad_cursor), "VALIDATION", "{bad_cursor}");
    })
    .await;
}

#[tokio::test]
async fn prefectures_list_municipalities_and_councils_list_members() {
    on_each_backend(async |app| {
        let body = app
            .gql(
                r#"{ organization(code: "290009") {
                      municipalities(first: 3) { totalCount edges { node { code name prefecture { code } } } }
                      councils { name kind members { role organization { code } } subgroups { name kind } } } }"#,
                json!({}),
            )
            .await;
        let nara = &body["data"]["organization"];
        assert_eq!(nara["municipalities"]["totalCount"], 39, "{body}");
        assert_eq!(nara["municipalities"]["edges"][0]["node"]["name"], "奈良市");
        assert_eq!(nara["municipalities"]["edges"][0]["node"]["prefecture"]["code"], "290009");
        let councils = nara["councils"].as_array().expect("councils");
        let main = councils
            .iter()
            .find(|c| c["name"] == "奈良県地域デジタル化推進協議会")
            .expect("Nara council");
        assert_eq!(main["kind"], "COUNCIL");
        assert_eq!(main["members"].as_array().map(Vec::len), Some(40));
        assert_eq!(main["subgroups"].as_array().map(Vec::len), Some(3));

        let body = app
            .gql(r#"{ councils(first: 20) { totalCount edges { node { id name kind secretariat { code } members { organization { name } } } } } }"#, json!({}))
            .await;
        let edges = body["data"]["councils"]["edges"].as_array().expect("edges").clone();
        let kamikawa = edges
            .iter()
            .map(|e| &e["node"])
            .find(|n| n["kind"] == "JOINT_PROCESSING")
            .expect("Kamikawa council");
        let towns: Vec<&str> = kamikawa["members"].as_array().expect("members").iter().filter_map(|m| m["organization"]["name"].as_str()).collect();
        assert_eq!(towns, ["東神楽町", "当麻町", "比布町", "愛別町", "上川町", "東川町", "美瑛町"]);
        let kochi = edges.iter().map(|e| &e["node"]).find(|n| n["name"] == "高知県電子自治体推進協議会").expect("Kochi");
        assert_eq!(kochi["secretariat"]["code"], "390003");
        assert_eq!(kochi["members"].as_array().map(Vec::len), Some(35));

        let id = kamikawa["id"].clone();
        let node = app.gql("query($id: ID!) { node(id: $id) { id ... on Council { name } } }", json!({ "id": id })).await;
        assert_eq!(node["data"]["node"]["name"], kamikawa["name"], "{node}");
    })
    .await;
}

#[tokio::test]
async fn node_and_nodes_resolve_organisations_by_global_id() {
    on_each_backend(async |app| {
        let body = app.gql(r#"{ a: organization(code: "172014") { id } b: organization(code: "390003") { id } }"#, json!({})).await;
        let (a, b) = (body["data"]["a"]["id"].clone(), body["data"]["b"]["id"].clone());
        let nodes = app
            .gql(
                "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Organization { code } } }",
                json!({ "ids": [b, a, "T3JnYW5pemF0aW9uOjAxOTAwMDAwLTAwMDAtNzAwMC04MDAwLTAwMDAwMDAwMDAwMA"] }),
            )
            .await;
        assert_eq!(nodes["data"]["nodes"][0]["code"], "390003", "{nodes}");
        assert_eq!(nodes["data"]["nodes"][1]["code"], "172014");
        assert!(nodes["data"]["nodes"][2].is_null());
        let bad = app.gql(r#"{ node(id: "garbage") { id } }"#, json!({})).await;
        assert_eq!(error_code(&bad), "VALIDATION", "{bad}");
    })
    .await;
}

#[tokio::test]
async fn nested_fields_do_not_grow_statements_with_page_size() {
    on_each_backend(async |app| {
        let q = "query($n: Int!) { organizations(first: $n, filter: { kind: TOWN }) { edges { node { name prefecture { name } councils { name } } } } }";
        let (small, body) = app.statements_for(q, json!({ "n": 10 })).await;
        assert!(body["errors"].is_null(), "{body}");
        let (large, body) = app.statements_for(q, json!({ "n": 100 })).await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(small, large, "statements: {small} for 10 rows, {large} for 100");
        assert!(large <= 3, "{large} statements");
        let q = "query($n: Int!) { organizations(first: $n, filter: { kind: PREFECTURE }) { edges { node { municipalities(first: 100) { edges { node { name } } } } } } }";
        let (few, body) = app.statements_for(q, json!({ "n": 5 })).await;
        assert!(body["errors"].is_null(), "{body}");
        let (all, body) = app.statements_for(q, json!({ "n": 47 })).await;
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(few, all, "statements: {few} for 5 prefectures, {all} for 47 with their municipalities");
    })
    .await;
}

#[tokio::test]
async fn a_newer_code_list_updates_names_and_adds_organisations() {
    on_each_backend(async |app| {
        use koiki::organizations::reference;
        // The bundled list with one municipality renamed and one new municipality (code
        // 172995: 1*6+7*5+2*4+9*3+9*2 = 94, r = 6, check digit 5).
        let bundled = include_str!("../../src/seed/local_government_codes.csv");
        let newer = bundled.replace("172014,石川県,金沢市", "172014,石川県,新金沢市")
            + "172995,石川県,試験町,ｲｼｶﾜｹﾝ,ｼｹﾝﾏﾁ\n";
        let rows = reference::parse_code_list(&newer).expect("parses");
        let report = reference::import(&app.state.db, &rows).await.expect("imports");
        assert_eq!(report, reference::ImportReport { inserted: 1, updated: 1 });
        let body = app
            .gql(
                r#"{ a: organization(code: "172014") { name } b: organization(code: "172995") { name nameKana kind prefecture { code } }
                    organizations { totalCount } }"#,
                json!({}),
            )
            .await;
        assert_eq!(body["data"]["a"]["name"], "新金沢市", "{body}");
        assert_eq!(body["data"]["b"]["nameKana"], "シケンマチ");
        assert_eq!(body["data"]["b"]["kind"], "TOWN");
        assert_eq!(body["data"]["b"]["prefecture"]["code"], "170003");
        assert_eq!(body["data"]["organizations"]["totalCount"], 1789);
        // Importing the same list again changes nothing.
        let again = reference::import(&app.state.db, &rows).await.expect("imports");
        assert_eq!(again, reference::ImportReport::default());
        // A list with a bad check digit is refused whole.
        let bad = newer.replace("172995,石川県,試験町", "172996,石川県,試験町");
        assert!(reference::parse_code_list(&bad).is_err());
    })
    .await;
}
