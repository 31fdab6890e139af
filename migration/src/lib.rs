//! Koiki's database migrations.
//!
//! Every migration is written with the sea-query builder so that it runs on
//! both SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod helpers;
mod m20261123_000001_organizations;
mod m20261123_000002_identity;
mod m20261123_000003_advisors;
mod m20261123_000004_courses;
mod m20261123_000005_case_studies;
mod m20261123_000006_audit;
pub mod m20261124_000007_dispatch;
mod m20261124_000008_enrolment;
mod m20261124_000009_case_search;

/// All of Koiki's migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_organizations::Migration),
            Box::new(m20261123_000002_identity::Migration),
            Box::new(m20261123_000003_advisors::Migration),
            Box::new(m20261123_000004_courses::Migration),
            Box::new(m20261123_000005_case_studies::Migration),
            Box::new(m20261123_000006_audit::Migration),
            Box::new(m20261124_000007_dispatch::Migration),
            Box::new(m20261124_000008_enrolment::Migration),
            Box::new(m20261124_000009_case_search::Migration),
        ]
    }
}
