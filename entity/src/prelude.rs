//! Every entity under its table's singular name.

pub use super::advisor::Entity as Advisor;
pub use super::advisor_pool::Entity as AdvisorPool;
pub use super::advisor_unavailable_period::Entity as AdvisorUnavailablePeriod;
pub use super::api_client::Entity as ApiClient;
pub use super::audit_event::Entity as AuditEvent;
pub use super::case_category::Entity as CaseCategory;
pub use super::case_study::Entity as CaseStudy;
pub use super::case_study_keyword::Entity as CaseStudyKeyword;
pub use super::case_study_link::Entity as CaseStudyLink;
pub use super::case_study_version::Entity as CaseStudyVersion;
pub use super::council::Entity as Council;
pub use super::council_member::Entity as CouncilMember;
pub use super::course::Entity as Course;
pub use super::course_co_host::Entity as CourseCoHost;
pub use super::course_organization_seat::Entity as CourseOrganizationSeat;
pub use super::course_session::Entity as CourseSession;
pub use super::dispatch_assignment::Entity as DispatchAssignment;
pub use super::dispatch_quota_counter::Entity as DispatchQuotaCounter;
pub use super::dispatch_request::Entity as DispatchRequest;
pub use super::dispatch_visit::Entity as DispatchVisit;
pub use super::enrollment::Entity as Enrollment;
pub use super::keyword::Entity as Keyword;
pub use super::organization::Entity as Organization;
pub use super::refresh_token::Entity as RefreshToken;
pub use super::search_document::Entity as SearchDocument;
pub use super::user::Entity as User;
