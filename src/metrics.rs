//! Prometheus metrics, served as text at `/metrics`.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// The server's counters.
pub struct Metrics {
    registry: Registry,
    /// SQL statements executed; tests read it to prove nested fields do not issue N+1 queries.
    pub db_statements: Counter,
    http_requests: Family<Labels, Counter>,
    graphql_errors: Family<Labels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("koiki");
        let db_statements = Counter::default();
        let http_requests = Family::<Labels, Counter>::default();
        let graphql_errors = Family::<Labels, Counter>::default();
        registry.register(
            "db_statements",
            "SQL statements executed",
            db_statements.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by status",
            http_requests.clone(),
        );
        registry.register(
            "graphql_errors",
            "GraphQL errors returned, by code",
            graphql_errors.clone(),
        );
        Self {
            registry,
            db_statements,
            http_requests,
            graphql_errors,
        }
    }
}

impl Metrics {
    pub fn http_request(&self, status: u16) {
        self.http_requests
            .get_or_create(&vec![("status".to_owned(), status.to_string())])
            .inc();
    }

    pub fn graphql_error(&self, code: &str) {
        let code = code.trim_matches('"');
        self.graphql_errors
            .get_or_create(&vec![("code".to_owned(), code.to_owned())])
            .inc();
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
