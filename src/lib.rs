//! Koiki: the GraphQL API through which Japan's prefectures and municipalities share advisor
//! pools, joint courses and case studies.
//!
//! A request flows: `http` → async-graphql → an area's resolver → the area's rules with the
//! Viewer → `access` adds the visibility condition → sea-orm → database.

pub mod access;
pub mod advisors;
pub mod app;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod case_studies;
pub mod config;
pub mod courses;
pub mod db;
pub mod dump;
pub mod error;
pub mod fiscal;
pub mod graphql;
pub mod http;
pub mod i18n;
pub mod metrics;
pub mod organizations;
pub mod scripts;
pub mod search;
pub mod seed;
pub mod telemetry;
pub mod text;
