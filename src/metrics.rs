//! Prometheus metrics, served as text at `/metrics`.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::Mutex;

type Labels = Vec<(String, String)>;

/// The server's counters.
pub struct Metrics {
    registry: Registry,
    /// SQL statements executed; tests read it to prove nested fields do not issue N+1 queries.
    pub db_statements: Counter,
    http_requests: Family<Labels, Counter>,
    graphql_errors: Family<Labels, Counter>,
    /// GraphQL operations and their duration in seconds, by operation type and name.
    graphql_operations: Family<Labels, Histogram>,
    /// Operation names seen so far; past [`MAX_OPERATION_NAMES`] new ones count as `other`,
    /// so clients cannot grow the metrics without bound.
    operation_names: Mutex<std::collections::HashSet<String>>,
    pool_in_use: Gauge,
    pool_idle: Gauge,
    /// Open subscriptions (WebSocket connections' active streams).
    pub subscriptions_open: Gauge,
}

/// Distinct operation names kept as labels.
const MAX_OPERATION_NAMES: usize = 200;

fn latency_histogram() -> Histogram {
    // 1 ms … about 16 s.
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("koiki");
        let db_statements = Counter::default();
        let http_requests = Family::<Labels, Counter>::default();
        let graphql_errors = Family::<Labels, Counter>::default();
        let graphql_operations = Family::<Labels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let pool_in_use = Gauge::default();
        let pool_idle = Gauge::default();
        let subscriptions_open = Gauge::default();
        registry.register(
            "graphql_operations",
            "GraphQL operations executed and their duration in seconds, by type and name",
            graphql_operations.clone(),
        );
        registry.register(
            "db_pool_in_use",
            "Database connections in use",
            pool_in_use.clone(),
        );
        registry.register(
            "db_pool_idle",
            "Database connections open and idle",
            pool_idle.clone(),
        );
        registry.register(
            "subscriptions_open",
            "GraphQL subscriptions open",
            subscriptions_open.clone(),
        );
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
            graphql_operations,
            operation_names: Mutex::new(Default::default()),
            pool_in_use,
            pool_idle,
            subscriptions_open,
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

    /// One GraphQL operation of `kind` (`query`, `mutation`, `subscription`) named `name`
    /// (anonymous ones as `-`) took `seconds`.
    pub fn graphql_operation(&self, kind: &str, name: Option<&str>, seconds: f64) {
        let name = match name {
            None => "-".to_owned(),
            Some(n)
                if !n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') || n.len() > 64 =>
            {
                "other".to_owned()
            }
            Some(n) => {
                let mut seen = self
                    .operation_names
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if seen.contains(n) || seen.len() < MAX_OPERATION_NAMES {
                    seen.insert(n.to_owned());
                    n.to_owned()
                } else {
                    "other".to_owned()
                }
            }
        };
        self.graphql_operations
            .get_or_create(&vec![
                ("type".to_owned(), kind.to_owned()),
                ("name".to_owned(), name),
            ])
            .observe(seconds);
    }

    /// The database pool's connections: in use and idle.
    pub fn set_pool(&self, in_use: u32, idle: u32) {
        self.pool_in_use.set(i64::from(in_use));
        self.pool_idle.set(i64::from(idle));
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
