//! The `koiki` command: parses the command line and calls the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use entity::enums::Role;
use koiki::app::{App, Migrations, prepare_database, shutdown_signal};
use koiki::auth::token::TokenKeys;
use koiki::config::ConfigArgs;
use koiki::metrics::Metrics;
use koiki::seed;
use migration::MigratorTrait;

#[derive(Parser)]
#[command(
    name = "koiki",
    version,
    about = "GraphQL API for sharing advisors, joint courses and case studies between Japanese local governments"
)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates and loads reference data first; demo data on the first start
    /// in development).
    Serve,
    /// Apply pending migrations and load the reference data, then exit.
    Migrate,
    /// Load data into the database.
    Seed {
        /// Load the demo accounts (development only).
        #[arg(long)]
        demo: bool,
        /// Update organisations from a newer Ministry code list (CSV:
        /// code,prefecture,city,prefecture_kana,city_kana).
        #[arg(long, value_name = "FILE")]
        organizations: Option<std::path::PathBuf>,
    },
    /// Print an access token for scripts (service account of an organisation and role).
    Token {
        /// Organisation code, e.g. 290009.
        #[arg(long)]
        org: String,
        /// Role of the token.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Lifetime, e.g. 1h.
        #[arg(long, value_parser = humantime::parse_duration, default_value = "1h")]
        ttl: std::time::Duration,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Write every record of every table to standard output as versioned JSON lines.
    Export,
    /// Load a dump written by `koiki export` (from standard input) into an empty database of
    /// either kind, migrating it first; nothing is written unless everything is.
    Import {
        /// Delete whatever the target holds first, instead of refusing a non-empty target.
        #[arg(long)]
        replace: bool,
    },
    /// Write a consistent copy of the embedded (SQLite) database to a new file while the
    /// server keeps running.
    Backup {
        /// The backup file to create.
        path: std::path::PathBuf,
    },
    /// Put a backup in place of the embedded database (stop the server first).
    Restore {
        /// The backup file written by `koiki backup`.
        path: std::path::PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
#[value(rename_all = "SCREAMING_SNAKE_CASE")]
enum RoleArg {
    Operator,
    Admin,
    Editor,
    Member,
    Advisor,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Operator => Role::Operator,
            RoleArg::Admin => Role::Admin,
            RoleArg::Editor => Role::Editor,
            RoleArg::Member => Role::Member,
            RoleArg::Advisor => Role::Advisor,
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Schema = cli.command {
        print!("{}", koiki::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let config = match cli.config.into_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("koiki: {error}");
            return ExitCode::from(2);
        }
    };
    koiki::telemetry::init(config.log_format);
    match run(cli.command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("koiki: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: koiki::config::Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = App::build(config).await?;
            let addr = app.local_addr();
            if !app.demo_accounts().is_empty() {
                println!("Demo sign-ins (password: {}):", seed::demo::DEMO_PASSWORD);
                for a in app.demo_accounts() {
                    let roles: Vec<String> = a
                        .roles
                        .iter()
                        .map(|r| format!("{r:?}").to_uppercase())
                        .collect();
                    println!(
                        "  {:<34} {:<9} {} ({})",
                        a.email,
                        roles.join(","),
                        a.organization_name,
                        a.organization_code
                    );
                }
                println!();
            }
            println!("Koiki is serving GraphQL at http://{addr}/graphql (GraphiQL in a browser)");
            app.run(shutdown_signal()).await
        }
        Command::Migrate => {
            prepare_database(&config, &Metrics::default(), Migrations::Apply).await?;
            println!("migrations applied and reference data loaded");
            Ok(())
        }
        Command::Seed {
            demo,
            organizations,
        } => {
            let db = prepare_database(
                &config,
                &Metrics::default(),
                Migrations::for_config(&config),
            )
            .await?;
            if let Some(path) = organizations {
                let text = std::fs::read_to_string(&path)?;
                let rows = koiki::organizations::reference::parse_code_list(&text)?;
                let report = koiki::organizations::reference::import(&db, &rows).await?;
                println!(
                    "organisations: {} added, {} updated",
                    report.inserted, report.updated
                );
            }
            if demo {
                if config.is_production() {
                    anyhow::bail!("demo data is not allowed when KOIKI_ENV=production");
                }
                let accounts = seed::demo::ensure(&db).await?;
                println!(
                    "demo accounts ready ({}), password: {}",
                    accounts.len(),
                    seed::demo::DEMO_PASSWORD
                );
            }
            Ok(())
        }
        Command::Token { org, role, ttl } => {
            let db = prepare_database(
                &config,
                &Metrics::default(),
                Migrations::for_config(&config),
            )
            .await?;
            let keys = TokenKeys::load(&config)?;
            let ttl = chrono::Duration::from_std(ttl)?;
            let token = koiki::scripts::token_for(&db, &keys, &org, role.into(), ttl)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!("{token}");
            Ok(())
        }
        Command::Export => {
            let db =
                prepare_database(&config, &Metrics::default(), Migrations::RequireCurrent).await?;
            let mut out = std::io::BufWriter::new(std::io::stdout());
            let rows = koiki::dump::export(&db, &mut out).await?;
            eprintln!("exported {rows} rows");
            Ok(())
        }
        Command::Import { replace } => {
            let db = koiki::db::connect(&config, &Default::default()).await?;
            migration::Migrator::up(&db, None).await?;
            let mut input = std::io::BufReader::new(std::io::stdin());
            let target = if replace {
                koiki::dump::Target::Replace
            } else {
                koiki::dump::Target::MustBeEmpty
            };
            let rows = koiki::dump::import(&db, &mut input, target).await?;
            eprintln!("imported {rows} rows");
            Ok(())
        }
        Command::Backup { path } => {
            koiki::backup::backup(&config, &path).await?;
            println!("backup written to {} and checked", path.display());
            Ok(())
        }
        Command::Restore { path } => {
            koiki::backup::restore(&config, &path).await?;
            println!("database restored from {}", path.display());
            Ok(())
        }
        Command::Schema => Ok(()),
    }
}
