//! Schema assembly: the per-area roots merged into one schema, the `Node` interface, the
//! per-request state resolvers read, and the schema's limits.

pub mod ids;
pub mod limits;
pub mod pagination;
pub mod scalars;

use std::sync::Arc;

use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, EmptySubscription, ID, Interface, MergedObject, Object, Schema};
use sea_orm::DatabaseConnection;

use crate::advisors::graphql::{
    Advisor, AdvisorPool, AdvisorsMutation, AdvisorsQuery, DispatchAssignment, DispatchRequest,
    DispatchVisit, UnavailablePeriod,
};
use crate::advisors::loaders::AdvisorLoader;
use crate::app::AppState;
use crate::audit::graphql::AuditQuery;
use crate::auth::Viewer;
use crate::auth::graphql::{AuthMutation, AuthQuery, User};
use crate::case_studies::graphql::{
    CaseCategory, CaseStudiesMutation, CaseStudiesQuery, CaseStudy,
};
use crate::case_studies::loaders::{CaseStudyLoader, CategoryId};
use crate::courses::graphql::{Course, CourseSession, CoursesMutation, CoursesQuery, Enrollment};
use crate::courses::loaders::CourseLoader;
use crate::error::{AppError, Invalid};
use crate::organizations::graphql::{Council, Organization, OrganizationsQuery};
use crate::organizations::loaders::{CouncilId, DirectoryLoader, OrganizationId};
use crate::search::graphql::SearchQuery;

/// Most ids one `nodes` call takes.
pub const MAX_NODES: usize = 100;

/// How long a dataloader waits for more keys before it queries. Sibling fields of a long
/// list register their keys over several polls (futures yield every 32 items), so the 1 ms
/// default split a 100-row page into two batches in a debug build; 5 ms still split 100
/// enrolments with their courses' hosts and sessions (three levels) on PostgreSQL on a
/// loaded 2-core machine, 10 ms held.
const LOADER_DELAY: std::time::Duration = std::time::Duration::from_millis(10);

/// What resolvers of one request share: the database, who is asking, and the dataloaders
/// (created per request, so nothing cached crosses from one viewer to another).
pub struct RequestState {
    pub app: Arc<AppState>,
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    /// The request's `x-request-id`, for the audit trail.
    pub request_id: Option<String>,
    pub directory: DataLoader<DirectoryLoader>,
    /// Case studies (through the sharing rules), their keywords, categories and versions.
    pub case_studies: DataLoader<CaseStudyLoader>,
    /// Pools, advisors and dispatch requests, loaded by id with the viewer's access applied.
    pub advisors: DataLoader<AdvisorLoader>,
    /// Courses, sessions and enrolments, through this viewer's sharing rules.
    pub courses: DataLoader<CourseLoader>,
}

impl RequestState {
    pub fn new(app: Arc<AppState>, viewer: Viewer, request_id: Option<String>) -> Self {
        let db = app.db.clone();
        Self {
            directory: DataLoader::new(DirectoryLoader::new(db.clone()), tokio::spawn)
                .delay(LOADER_DELAY),
            case_studies: DataLoader::new(
                CaseStudyLoader::new(db.clone(), viewer.clone()),
                tokio::spawn,
            )
            .delay(LOADER_DELAY),
            advisors: DataLoader::new(AdvisorLoader::new(db.clone(), viewer.clone()), tokio::spawn)
                .delay(LOADER_DELAY),
            courses: DataLoader::new(CourseLoader::new(db.clone(), viewer.clone()), tokio::spawn)
                .delay(LOADER_DELAY),
            app,
            db,
            viewer,
            request_id,
        }
    }
}

impl RequestState {
    /// Who is acting, for the audit trail.
    pub fn actor(&self) -> crate::audit::Actor {
        crate::audit::Actor::of(&self.viewer, self.request_id.clone())
    }
}

/// The request's state. The HTTP layer puts it into every request it executes.
pub fn state<'a>(ctx: &Context<'a>) -> &'a RequestState {
    ctx.data_unchecked::<RequestState>()
}

/// Anything with a global id.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "Global id."))]
pub enum Node {
    Organization(Organization),
    Council(Council),
    User(User),
    CaseStudy(CaseStudy),
    CaseCategory(CaseCategory),
    AdvisorPool(AdvisorPool),
    Advisor(Advisor),
    UnavailablePeriod(UnavailablePeriod),
    DispatchRequest(DispatchRequest),
    DispatchAssignment(DispatchAssignment),
    DispatchVisit(DispatchVisit),
    Course(Course),
    CourseSession(CourseSession),
    Enrollment(Enrollment),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object]
impl NodeQuery {
    /// Any record by its global id; null when it does not exist or is not visible to you.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Node>> {
        Ok(load_node(ctx, "id", &id).await?)
    }

    /// Records by global id, in the order given (null where not found or not visible).
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        if ids.len() > MAX_NODES {
            return Err(AppError::invalid(
                "ids",
                Invalid::PageSize {
                    max: MAX_NODES as u64,
                },
            )
            .into());
        }
        let found =
            futures::future::try_join_all(ids.iter().map(|id| load_node(ctx, "ids", id))).await?;
        Ok(found)
    }
}

async fn load_node(ctx: &Context<'_>, field: &str, id: &ID) -> Result<Option<Node>, AppError> {
    let (type_name, uuid) = ids::decode_any(field, id)?;
    let s = state(ctx);
    Ok(match type_name.as_str() {
        "Organization" => s
            .directory
            .load_one(OrganizationId(uuid))
            .await?
            .map(|o| Node::Organization(Organization(o))),
        "Council" => s
            .directory
            .load_one(CouncilId(uuid))
            .await?
            .map(|c| Node::Council(Council(c))),
        "User" => crate::auth::graphql::visible_user(ctx, uuid)
            .await?
            .map(Node::User),
        "CaseStudy" => crate::case_studies::graphql::load(ctx, uuid)
            .await?
            .map(Node::CaseStudy),
        "CaseCategory" => s
            .case_studies
            .load_one(CategoryId(uuid))
            .await?
            .map(|c| Node::CaseCategory(CaseCategory(c))),
        t if crate::advisors::graphql::NODE_TYPES.contains(&t) => {
            crate::advisors::graphql::load_node(ctx, t, uuid).await?
        }
        "Course" => crate::courses::graphql::visible_course(ctx, uuid)
            .await?
            .map(Node::Course),
        "CourseSession" => crate::courses::graphql::visible_session(ctx, uuid)
            .await?
            .map(Node::CourseSession),
        "Enrollment" => crate::courses::graphql::visible_enrollment(ctx, uuid)
            .await?
            .map(Node::Enrollment),
        _ => return Err(AppError::invalid(field, Invalid::Id)),
    })
}

#[derive(MergedObject, Default)]
pub struct Query(
    OrganizationsQuery,
    AuthQuery,
    AuditQuery,
    NodeQuery,
    CaseStudiesQuery,
    SearchQuery,
    AdvisorsQuery,
    CoursesQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    AuthMutation,
    CaseStudiesMutation,
    AdvisorsMutation,
    CoursesMutation,
);

pub type KoikiSchema = Schema<Query, Mutation, EmptySubscription>;

/// How deep the standard introspection query of GraphiQL and code generators nests.
const INTROSPECTION_DEPTH: usize = 16;

/// How the schema behaves beyond its types: limits, introspection, suggestions.
#[derive(Clone, Copy, Debug)]
pub struct SchemaOptions {
    pub limits: limits::Limits,
    /// `__schema` and `__type` answer (tools such as GraphiQL need them).
    pub introspection: bool,
    /// Errors for unknown fields suggest similar names ("Did you mean …?"), which also
    /// tells a prober what the schema holds.
    pub field_suggestions: bool,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            limits: limits::Limits::default(),
            introspection: true,
            field_suggestions: true,
        }
    }
}

/// The schema with its limits. State is supplied per request, so the same schema serves
/// every request and prints the SDL without a database.
pub fn build_schema(options: &SchemaOptions) -> KoikiSchema {
    // Depth is checked before execution by `limits::check`, which leaves introspection out;
    // the schema's own depth limit (which counts it) is only a backstop for that.
    let mut builder = Schema::build(Query::default(), Mutation::default(), EmptySubscription)
        .limit_depth(options.limits.depth.max(INTROSPECTION_DEPTH))
        .limit_complexity(options.limits.complexity);
    if !options.introspection {
        builder = builder.disable_introspection();
    }
    if !options.field_suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}

/// The schema in SDL, as `koiki schema` prints it.
pub fn sdl() -> String {
    build_schema(&SchemaOptions::default()).sdl()
}
