//! One typed configuration, loaded once from flags and environment variables.
//!
//! Every setting is documented here and in the README. A bad or missing setting stops the
//! start with a message naming it. Secrets live in [`Secret`], whose `Debug` prints nothing.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::graphql::SchemaOptions;
use crate::graphql::limits::Limits;

/// Where the server runs: development gives friendly defaults (embedded database, demo data,
/// generated keys); production refuses to start without explicit settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// A secret value: never printed, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

fn parse_duration(s: &str) -> Result<Duration, humantime::DurationError> {
    humantime::parse_duration(s)
}

/// The settings as given on the command line or in the environment.
#[derive(Args, Clone, Debug)]
pub struct ConfigArgs {
    /// `development` (default: embedded database, demo data and generated keys allowed) or
    /// `production` (every setting explicit, no demo data).
    #[arg(
        long,
        env = "KOIKI_ENV",
        value_enum,
        default_value = "development",
        global = true
    )]
    pub env: Environment,

    /// Database address: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    /// Default (development only): a SQLite file `koiki.db` in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Directory for the embedded database and generated keys.
    #[arg(long, env = "KOIKI_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Address and port to listen on.
    #[arg(
        long,
        env = "KOIKI_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Key that signs access tokens (HS256), at least 32 bytes. Required in production; in
    /// development one is generated into the data directory on first start.
    #[arg(long, env = "KOIKI_JWT_SECRET", hide_env_values = true, global = true)]
    pub jwt_secret: Option<Secret>,

    /// `iss` of the access tokens this server issues and accepts.
    #[arg(long, env = "KOIKI_JWT_ISSUER", default_value = "koiki", global = true)]
    pub jwt_issuer: String,

    /// `aud` of the access tokens this server issues and accepts.
    #[arg(
        long,
        env = "KOIKI_JWT_AUDIENCE",
        default_value = "koiki-api",
        global = true
    )]
    pub jwt_audience: String,

    /// Lifetime of an access token (e.g. `15m`).
    #[arg(long, env = "KOIKI_ACCESS_TOKEN_TTL", value_parser = parse_duration, default_value = "15m", global = true)]
    pub access_token_ttl: Duration,

    /// Lifetime of a refresh token (e.g. `30d`).
    #[arg(long, env = "KOIKI_REFRESH_TOKEN_TTL", value_parser = parse_duration, default_value = "30d", global = true)]
    pub refresh_token_ttl: Duration,

    /// Most database connections this server opens.
    #[arg(
        long,
        env = "KOIKI_DATABASE_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub database_max_connections: u32,

    /// How long a request waits for a free database connection before failing with
    /// `SERVICE_UNAVAILABLE`.
    #[arg(long, env = "KOIKI_DATABASE_ACQUIRE_TIMEOUT", value_parser = parse_duration, default_value = "2s", global = true)]
    pub database_acquire_timeout: Duration,

    /// Longest a single SQL statement may run (PostgreSQL `statement_timeout`; SQLite's busy
    /// timeout).
    #[arg(long, env = "KOIKI_DATABASE_STATEMENT_TIMEOUT", value_parser = parse_duration, default_value = "5s", global = true)]
    pub database_statement_timeout: Duration,

    /// Largest request body accepted, in bytes (413 beyond).
    #[arg(long, env = "KOIKI_MAX_BODY_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub max_body_bytes: usize,

    /// Most operations in one batched request; 0 turns batching off.
    #[arg(long, env = "KOIKI_MAX_BATCH", default_value_t = 10, global = true)]
    pub max_batch: usize,

    /// Deepest selection nesting a query may have (`QUERY_TOO_DEEP` beyond).
    #[arg(long, env = "KOIKI_MAX_DEPTH", default_value_t = 10, global = true)]
    pub max_depth: usize,
    /// Costliest query accepted, where a list field costs its page size times its children
    /// (`QUERY_TOO_COMPLEX` beyond).
    #[arg(
        long,
        env = "KOIKI_MAX_COMPLEXITY",
        default_value_t = 20_000,
        global = true
    )]
    pub max_complexity: usize,
    /// Most aliased fields in one document (`TOO_MANY_ALIASES` beyond).
    #[arg(long, env = "KOIKI_MAX_ALIASES", default_value_t = 15, global = true)]
    pub max_aliases: usize,
    /// Most directives in one document (`TOO_MANY_DIRECTIVES` beyond).
    #[arg(
        long,
        env = "KOIKI_MAX_DIRECTIVES",
        default_value_t = 50,
        global = true
    )]
    pub max_directives: usize,
    /// Most tokens in one document, whitespace and comments not counted (`TOO_MANY_TOKENS`
    /// beyond).
    #[arg(long, env = "KOIKI_MAX_TOKENS", default_value_t = 2_000, global = true)]
    pub max_tokens: usize,
    /// Answer introspection (`__schema`, `__type`); GraphiQL and code generators need it.
    #[arg(long, env = "KOIKI_INTROSPECTION", action = clap::ArgAction::Set, default_value_t = true, global = true)]
    pub introspection: bool,
    /// Suggest similar field names in validation errors (default: on in development, off in
    /// production, where it would help a prober map the schema).
    #[arg(long, env = "KOIKI_FIELD_SUGGESTIONS", action = clap::ArgAction::Set, global = true)]
    pub field_suggestions: Option<bool>,
    /// Requests per minute from one IP address, as a token bucket that holds a minute's worth
    /// (429 with `Retry-After` beyond); 0 turns the limit off.
    #[arg(
        long,
        env = "KOIKI_RATE_LIMIT_PER_IP",
        default_value_t = 1_200,
        global = true
    )]
    pub rate_limit_per_ip: u32,
    /// GraphQL requests per minute from one signed-in user or partner client, as a token
    /// bucket that holds a minute's worth; 0 turns the limit off.
    #[arg(
        long,
        env = "KOIKI_RATE_LIMIT_PER_CLIENT",
        default_value_t = 600,
        global = true
    )]
    pub rate_limit_per_client: u32,
    /// Header that carries the client's address when the server runs behind a proxy, e.g.
    /// `x-forwarded-for`; the LAST address in it (the one the proxy added) counts. Unset:
    /// the peer address of the connection.
    #[arg(long, env = "KOIKI_CLIENT_IP_HEADER", global = true)]
    pub client_ip_header: Option<String>,
    /// Browser origins allowed to call the API cross-site (CORS), comma-separated, e.g.
    /// `https://portal.pref.nara.example.jp`; requests from other origins get no CORS
    /// headers (so browsers refuse them). Empty: no cross-site browser access.
    #[arg(long, env = "KOIKI_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,
    /// Longest a request may take before the server answers 408.
    #[arg(long, env = "KOIKI_REQUEST_TIMEOUT", value_parser = parse_duration, default_value = "10s", global = true)]
    pub request_timeout: Duration,

    /// How long in-flight requests get to finish after SIGINT/SIGTERM.
    #[arg(long, env = "KOIKI_SHUTDOWN_GRACE", value_parser = parse_duration, default_value = "10s", global = true)]
    pub shutdown_grace: Duration,

    /// Load the demo accounts on start (default: on in development; refused in production).
    #[arg(long, env = "KOIKI_DEMO", action = clap::ArgAction::Set, global = true)]
    pub demo: Option<bool>,

    /// Log format; default `text` in development and `json` in production.
    #[arg(long, env = "KOIKI_LOG_FORMAT", value_enum, global = true)]
    pub log_format: Option<LogFormat>,
}

/// The checked configuration the application runs with.
#[derive(Clone, Debug)]
pub struct Config {
    pub env: Environment,
    pub database_url: String,
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// `None` in development means "use or generate the key file in the data directory".
    pub jwt_secret: Option<Secret>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub database_max_connections: u32,
    pub database_acquire_timeout: Duration,
    pub database_statement_timeout: Duration,
    pub max_body_bytes: usize,
    pub max_batch: usize,
    pub limits: Limits,
    pub introspection: bool,
    pub field_suggestions: bool,
    pub rate_limit_per_ip: u32,
    pub rate_limit_per_client: u32,
    pub client_ip_header: Option<axum::http::HeaderName>,
    pub cors_origins: Vec<axum::http::HeaderValue>,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    pub demo: bool,
    pub log_format: LogFormat,
}

/// A configuration that cannot run, with every offending setting named.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

impl ConfigArgs {
    /// Checks the settings and fills in the development defaults.
    pub fn into_config(self) -> Result<Config, ConfigError> {
        let production = self.env == Environment::Production;
        let mut problems = Vec::new();
        let database_url = match self.database_url {
            Some(url) => url,
            None if production => {
                problems.push("DATABASE_URL is required when KOIKI_ENV=production".to_owned());
                String::new()
            }
            None => default_sqlite_url(&self.data_dir),
        };
        let known_scheme = ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|scheme| database_url.starts_with(scheme));
        if !database_url.is_empty() && !known_scheme {
            problems.push("DATABASE_URL must start with sqlite: or postgres://".to_owned());
        }
        match &self.jwt_secret {
            None if production => {
                problems.push("KOIKI_JWT_SECRET is required when KOIKI_ENV=production".to_owned())
            }
            Some(secret) if secret.expose().len() < 32 => {
                problems.push("KOIKI_JWT_SECRET must be at least 32 bytes".to_owned());
            }
            _ => {}
        }
        // Demo accounts have published passwords: never in production.
        if production && self.demo == Some(true) {
            problems.push("KOIKI_DEMO=true is not allowed when KOIKI_ENV=production".to_owned());
        }
        let demo = !production && self.demo.unwrap_or(true);
        if self.database_max_connections == 0 {
            problems.push("KOIKI_DATABASE_MAX_CONNECTIONS must be at least 1".to_owned());
        }
        if self.access_token_ttl.is_zero() || self.refresh_token_ttl <= self.access_token_ttl {
            problems.push(
                "KOIKI_ACCESS_TOKEN_TTL must be positive and shorter than KOIKI_REFRESH_TOKEN_TTL"
                    .to_owned(),
            );
        }
        for (name, value) in [
            ("KOIKI_MAX_DEPTH", self.max_depth),
            ("KOIKI_MAX_COMPLEXITY", self.max_complexity),
            ("KOIKI_MAX_TOKENS", self.max_tokens),
        ] {
            if value == 0 {
                problems.push(format!("{name} must be at least 1"));
            }
        }
        let client_ip_header = match self.client_ip_header.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(name) => match axum::http::HeaderName::from_bytes(name.as_bytes()) {
                Ok(header) => Some(header),
                Err(_) => {
                    problems.push("KOIKI_CLIENT_IP_HEADER is not a header name".to_owned());
                    None
                }
            },
        };
        let mut cors_origins = Vec::new();
        for origin in self
            .cors_origins
            .iter()
            .map(|o| o.trim())
            .filter(|o| !o.is_empty())
        {
            let well_formed = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.trim_end_matches('/').contains(['*', ' '])
                && origin.matches('/').count() == 2;
            match axum::http::HeaderValue::from_str(origin) {
                Ok(value) if well_formed => cors_origins.push(value),
                _ => problems.push(format!(
                    "KOIKI_CORS_ORIGINS: `{origin}` is not an origin like https://portal.example.jp"
                )),
            }
        }
        if !problems.is_empty() {
            return Err(ConfigError(problems));
        }
        Ok(Config {
            env: self.env,
            database_url,
            data_dir: self.data_dir,
            listen: self.listen,
            jwt_secret: self.jwt_secret,
            jwt_issuer: self.jwt_issuer,
            jwt_audience: self.jwt_audience,
            access_token_ttl: self.access_token_ttl,
            refresh_token_ttl: self.refresh_token_ttl,
            database_max_connections: self.database_max_connections,
            database_acquire_timeout: self.database_acquire_timeout,
            database_statement_timeout: self.database_statement_timeout,
            max_body_bytes: self.max_body_bytes,
            max_batch: self.max_batch,
            limits: Limits {
                depth: self.max_depth,
                complexity: self.max_complexity,
                aliases: self.max_aliases,
                directives: self.max_directives,
                tokens: self.max_tokens,
            },
            introspection: self.introspection,
            field_suggestions: self.field_suggestions.unwrap_or(!production),
            rate_limit_per_ip: self.rate_limit_per_ip,
            rate_limit_per_client: self.rate_limit_per_client,
            client_ip_header,
            cors_origins,
            request_timeout: self.request_timeout,
            shutdown_grace: self.shutdown_grace,
            demo,
            log_format: self.log_format.unwrap_or(if production {
                LogFormat::Json
            } else {
                LogFormat::Text
            }),
        })
    }
}

fn default_sqlite_url(data_dir: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("koiki.db").display())
}

impl Config {
    pub fn is_production(&self) -> bool {
        self.env == Environment::Production
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }

    /// The schema's limits and switches.
    pub fn schema_options(&self) -> SchemaOptions {
        SchemaOptions {
            limits: self.limits,
            introspection: self.introspection,
            field_suggestions: self.field_suggestions,
        }
    }
}
