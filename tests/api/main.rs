//! The integration tests: a real server per test, spoken to over HTTP, on SQLite and (with
//! `KOIKI_TEST_DATABASE_URL`) PostgreSQL.

mod access;
mod advisors;
mod audit;
mod auth;
mod case_studies;
mod cli;
mod courses;
mod dispatch;
mod enrolment;
mod faults;
mod fuzz;
mod helpers;
mod http;
mod interop;
mod organizations;
mod scale;
mod schema;
mod search;
