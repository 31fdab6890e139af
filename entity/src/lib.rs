//! Koiki's shared ORM model: one sea-orm entity per table, and the domain
//! enums stored in their columns.

pub mod enums;
pub mod prelude;

pub mod advisor;
pub mod advisor_pool;
pub mod advisor_unavailable_period;
pub mod api_client;
pub mod audit_event;
pub mod case_category;
pub mod case_study;
pub mod case_study_keyword;
pub mod case_study_link;
pub mod case_study_version;
pub mod council;
pub mod council_member;
pub mod course;
pub mod course_attendance;
pub mod course_co_host;
pub mod course_organization_seat;
pub mod course_session;
pub mod dispatch_assignment;
pub mod dispatch_quota_counter;
pub mod dispatch_request;
pub mod dispatch_visit;
pub mod enrollment;
pub mod keyword;
pub mod organization;
pub mod refresh_token;
pub mod search_document;
pub mod user;
