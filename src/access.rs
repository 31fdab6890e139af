//! THE sharing rules: who may read and who may write a record, in one place.
//!
//! Each shared record is owned by one organisation and shared with one audience, widest last:
//! `PRIVATE` (the owner only) → `PREFECTURE` (the owner's prefecture and its municipalities)
//! → `COUNCIL` (the members of one named council) → `NATIONWIDE` (every signed-in local
//! government) → `PUBLIC` (anyone).
//!
//! The rules exist twice, deliberately: [`can_read`] decides for one record in memory, and
//! [`readable`] says the same thing as a query condition, so lists, counts and searches filter
//! in the database. The test suite checks the two against each other over every combination.
//! No area reads a shared table without [`readable`], and no area writes one without
//! [`ensure_can_edit`] or [`ensure_can_administer`].
//!
//! Advisors and dispatch requests have rules of their own, below the general ones: an
//! advisor is seen through both its pool's audience and its own; contact details never go
//! wider than `NATIONWIDE`; a dispatch request is seen only by the parties to it.

use std::collections::HashSet;

use entity::enums::{AssignmentStatus, Audience, CaseStatus, CourseStatus, OrganizationKind, Role};
use entity::{advisor, advisor_pool, dispatch_assignment, dispatch_request};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, EntityTrait};
use uuid::Uuid;

use crate::auth::viewer::{SignedIn, Viewer};
use crate::error::{AppError, AuthFailure};

/// A table whose rows are shared by audience: names the three columns the rules read.
pub trait Shared: EntityTrait {
    /// The owning organisation's id.
    fn owner_column() -> Self::Column;
    /// The audience (`PRIVATE` … `PUBLIC`).
    fn audience_column() -> Self::Column;
    /// The council a `COUNCIL` audience refers to.
    fn council_column() -> Self::Column;
}

/// The shared tables: each names its owner, audience and council columns once, here.
macro_rules! shared {
    ($entity:ident, $owner:ident) => {
        impl Shared for entity::$entity::Entity {
            fn owner_column() -> Self::Column {
                entity::$entity::Column::$owner
            }
            fn audience_column() -> Self::Column {
                entity::$entity::Column::Audience
            }
            fn council_column() -> Self::Column {
                entity::$entity::Column::CouncilId
            }
        }
    };
}

shared!(advisor_pool, OwnerOrganizationId);
shared!(advisor, OwnerOrganizationId);
shared!(course, HostOrganizationId);
shared!(case_study, OrganizationId);
shared!(search_document, OwnerOrganizationId);

/// True when the viewer speaks for a local government (or the platform operator): such
/// viewers see `NATIONWIDE` records and their organisation's shared ones. A user who is only
/// an `ADVISOR` is a guest of the organisation that registered them and sees what is public;
/// the advisor area grants them their own dispatches on top.
pub fn is_member_of_organization(user: &SignedIn) -> bool {
    user.roles.iter().any(|r| {
        matches!(
            r,
            Role::Operator | Role::Admin | Role::Editor | Role::Member
        )
    })
}

/// What the rules need to know about one record.
#[derive(Clone, Debug)]
pub struct RecordFacts {
    pub owner_id: Uuid,
    /// The owner's prefecture (its own id for a prefecture); none for national bodies.
    pub owner_prefecture_id: Option<Uuid>,
    pub audience: Audience,
    pub council_id: Option<Uuid>,
}

/// What the rules need to know about the viewer beyond the token: the councils their
/// organisation is a member of.
#[derive(Clone, Debug, Default)]
pub struct ViewerFacts {
    pub council_ids: HashSet<Uuid>,
}

/// May `viewer` read the record? The in-memory form of [`readable`].
pub fn can_read(viewer: &Viewer, record: &RecordFacts, facts: &ViewerFacts) -> bool {
    if record.audience == Audience::Public {
        return true;
    }
    let Some(user) = viewer.signed_in() else {
        return false;
    };
    if !is_member_of_organization(user) {
        return false;
    }
    if record.owner_id == user.organization_id {
        return true;
    }
    match record.audience {
        Audience::Public | Audience::Nationwide => true,
        Audience::Private => false,
        Audience::Prefecture => {
            user.prefecture_id.is_some() && record.owner_prefecture_id == user.prefecture_id
        }
        Audience::Council => record
            .council_id
            .is_some_and(|c| facts.council_ids.contains(&c)),
    }
}

/// The query condition "`viewer` may read this row" for a shared table.
pub fn readable<E: Shared>(viewer: &Viewer) -> Condition {
    let audience = E::audience_column();
    let public = Condition::all().add(audience.eq(Audience::Public));
    let Some(user) = viewer.signed_in().filter(|u| is_member_of_organization(u)) else {
        return public;
    };
    let mut any = Condition::any()
        .add(audience.is_in([Audience::Public, Audience::Nationwide]))
        .add(E::owner_column().eq(user.organization_id));
    if let Some(prefecture_id) = user.prefecture_id {
        // The owner belongs to the viewer's prefecture: the prefecture itself or one of its
        // municipalities.
        let same_prefecture = Query::select()
            .column(entity::organization::Column::Id)
            .from(entity::organization::Entity)
            .cond_where(
                Condition::any()
                    .add(entity::organization::Column::Id.eq(prefecture_id))
                    .add(entity::organization::Column::PrefectureId.eq(prefecture_id)),
            )
            .to_owned();
        any = any.add(
            Condition::all()
                .add(audience.eq(Audience::Prefecture))
                .add(E::owner_column().in_subquery(same_prefecture)),
        );
    }
    let my_councils = Query::select()
        .column(entity::council_member::Column::CouncilId)
        .from(entity::council_member::Entity)
        .and_where(
            Expr::col(entity::council_member::Column::OrganizationId).eq(user.organization_id),
        )
        .to_owned();
    any.add(
        Condition::all()
            .add(audience.eq(Audience::Council))
            .add(E::council_column().in_subquery(my_councils)),
    )
}

/// True when the viewer speaks for the organisation `owner_id` (any role but a guest advisor).
pub fn speaks_for(viewer: &Viewer, owner_id: Uuid) -> bool {
    viewer
        .signed_in()
        .is_some_and(|u| u.organization_id == owner_id && is_member_of_organization(u))
}

/// May `viewer` read a case study in `status`? Its audience may once it is published; the
/// owner organisation's members may in every state (drafts and archived cases included).
pub fn can_read_case_study(
    viewer: &Viewer,
    record: &RecordFacts,
    status: CaseStatus,
    facts: &ViewerFacts,
) -> bool {
    speaks_for(viewer, record.owner_id)
        || (status == CaseStatus::Published && can_read(viewer, record, facts))
}

/// [`can_read_case_study`] as a query condition on `case_studies`.
pub fn readable_case_studies(viewer: &Viewer) -> Condition {
    use entity::case_study::{Column, Entity};
    let published = Condition::all()
        .add(Column::Status.eq(CaseStatus::Published))
        .add(readable::<Entity>(viewer));
    match viewer.signed_in().filter(|u| is_member_of_organization(u)) {
        Some(user) => Condition::any()
            .add(published)
            .add(Column::OrganizationId.eq(user.organization_id)),
        None => published,
    }
}

/// May `viewer` see the contact department of a case study owned by `owner_id`? Signed-in
/// members of local governments may (and the owner); anonymous readers, partner bodies and
/// guest advisors may not, even when the case is `PUBLIC`.
pub fn can_read_case_contact(viewer: &Viewer, owner_id: Uuid) -> bool {
    speaks_for(viewer, owner_id)
        || viewer.signed_in().is_some_and(|u| {
            is_member_of_organization(u)
                && matches!(
                    u.organization_kind,
                    OrganizationKind::Prefecture
                        | OrganizationKind::City
                        | OrganizationKind::Town
                        | OrganizationKind::Village
                        | OrganizationKind::SpecialWard
                )
        })
}

/// May `viewer` read the earlier versions of a case study owned by `owner_id`? The owner
/// organisation's members may.
pub fn can_read_case_versions(viewer: &Viewer, owner_id: Uuid) -> bool {
    speaks_for(viewer, owner_id)
}

/// The viewer must be signed in.
pub fn ensure_signed_in(viewer: &Viewer) -> Result<&SignedIn, AppError> {
    viewer
        .signed_in()
        .ok_or(AppError::Unauthenticated(AuthFailure::SignInRequired))
}

/// May `viewer` create or change a record owned by `owner_id`? Editors and admins of the
/// owner organisation may.
pub fn can_edit(viewer: &Viewer, owner_id: Uuid) -> bool {
    viewer.signed_in().is_some_and(|u| {
        u.organization_id == owner_id
            && u.roles
                .iter()
                .any(|r| matches!(r, Role::Admin | Role::Editor))
    })
}

/// May `viewer` administer what `owner_id` runs (pool decisions, settings, its users)?
/// Admins of the owner organisation may.
pub fn can_administer(viewer: &Viewer, owner_id: Uuid) -> bool {
    viewer
        .signed_in()
        .is_some_and(|u| u.organization_id == owner_id && u.roles.contains(&Role::Admin))
}

/// May `viewer` manage organisations and partner clients? The platform operator may.
pub fn can_operate(viewer: &Viewer) -> bool {
    viewer.has_role(Role::Operator)
}

/// May `viewer` see a user's account (email, roles)? The user themself and the admins of the
/// user's organisation may.
pub fn can_read_account(viewer: &Viewer, user_id: Uuid, organization_id: Uuid) -> bool {
    viewer.signed_in().is_some_and(|u| u.user_id == user_id)
        || can_administer(viewer, organization_id)
}

/// Whose audit events a viewer may read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditScope {
    /// The platform operator reads every organisation's.
    Everything,
    /// An admin reads the events about their own organisation's records.
    Organization(Uuid),
}

/// Whose audit events `viewer` may read: the operator everyone's, an admin their
/// organisation's; anyone else none (`UNAUTHENTICATED` / `FORBIDDEN`).
pub fn audit_scope(viewer: &Viewer) -> Result<AuditScope, AppError> {
    let user = ensure_signed_in(viewer)?;
    if can_operate(viewer) {
        Ok(AuditScope::Everything)
    } else if user.roles.contains(&Role::Admin) {
        Ok(AuditScope::Organization(user.organization_id))
    } else {
        Err(AppError::Forbidden)
    }
}

/// [`can_edit`] as a result: `UNAUTHENTICATED` when anonymous, `FORBIDDEN` otherwise.
pub fn ensure_can_edit(viewer: &Viewer, owner_id: Uuid) -> Result<(), AppError> {
    ensure_signed_in(viewer)?;
    if can_edit(viewer, owner_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// [`can_administer`] as a result.
pub fn ensure_can_administer(viewer: &Viewer, owner_id: Uuid) -> Result<(), AppError> {
    ensure_signed_in(viewer)?;
    if can_administer(viewer, owner_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// [`can_operate`] as a result.
pub fn ensure_can_operate(viewer: &Viewer) -> Result<(), AppError> {
    ensure_signed_in(viewer)?;
    if can_operate(viewer) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

// ---------------------------------------------------------------------------------------
// Advisor pools, advisors and dispatch requests
// ---------------------------------------------------------------------------------------

/// True for the kinds of organisation that are local governments.
pub fn is_local_government(kind: OrganizationKind) -> bool {
    matches!(
        kind,
        OrganizationKind::Prefecture
            | OrganizationKind::City
            | OrganizationKind::Town
            | OrganizationKind::Village
            | OrganizationKind::SpecialWard
    )
}

/// Is the viewer the advisor whose profile is linked to `advisor_user_id` (a user with the
/// `ADVISOR` role)?
pub fn is_linked_advisor(viewer: &Viewer, advisor_user_id: Option<Uuid>) -> bool {
    viewer
        .signed_in()
        .is_some_and(|u| u.roles.contains(&Role::Advisor) && advisor_user_id == Some(u.user_id))
}

/// May `viewer` see a pool? Through its audience; and an advisor sees the pool they belong
/// to (`pool_advisor_user_ids`: the accounts linked to the pool's advisors). The in-memory
/// form of [`pool_readable`].
pub fn can_read_pool(
    viewer: &Viewer,
    pool: &RecordFacts,
    pool_advisor_user_ids: &[Uuid],
    facts: &ViewerFacts,
) -> bool {
    can_read(viewer, pool, facts)
        || viewer.signed_in().is_some_and(|u| {
            u.roles.contains(&Role::Advisor) && pool_advisor_user_ids.contains(&u.user_id)
        })
}

/// The query condition "`viewer` may see this pool" on `advisor_pools`.
pub fn pool_readable(viewer: &Viewer) -> Condition {
    let shared = readable::<advisor_pool::Entity>(viewer);
    match viewer
        .signed_in()
        .filter(|u| u.roles.contains(&Role::Advisor))
    {
        Some(user) => {
            let own = Query::select()
                .column(advisor::Column::PoolId)
                .from(advisor::Entity)
                .and_where(advisor::Column::UserId.eq(user.user_id))
                .to_owned();
            Condition::any()
                .add(shared)
                .add(advisor_pool::Column::Id.in_subquery(own))
        }
        None => shared,
    }
}

/// May `viewer` see an advisor? Only through both the pool's audience and the advisor's own
/// (a pool narrower than its advisor hides the advisor). The advisor always sees their own
/// profile. The in-memory form of [`advisor_readable`].
pub fn can_read_advisor(
    viewer: &Viewer,
    pool: &RecordFacts,
    advisor: &RecordFacts,
    advisor_user_id: Option<Uuid>,
    facts: &ViewerFacts,
) -> bool {
    is_linked_advisor(viewer, advisor_user_id)
        || (can_read(viewer, pool, facts) && can_read(viewer, advisor, facts))
}

/// The query condition "`viewer` may see this advisor" on `advisors`.
pub fn advisor_readable(viewer: &Viewer) -> Condition {
    let readable_pools = Query::select()
        .column(advisor_pool::Column::Id)
        .from(advisor_pool::Entity)
        .cond_where(readable::<advisor_pool::Entity>(viewer))
        .to_owned();
    let shared = Condition::all()
        .add(readable::<advisor::Entity>(viewer))
        .add(advisor::Column::PoolId.in_subquery(readable_pools));
    match viewer
        .signed_in()
        .filter(|u| u.roles.contains(&Role::Advisor))
    {
        Some(user) => Condition::any()
            .add(shared)
            .add(advisor::Column::UserId.eq(user.user_id)),
        None => shared,
    }
}

/// May `viewer` see an advisor's contact details? Never anonymous readers, guests or partner
/// bodies: only the pool owner's own staff, the advisor themself, and signed-in members of
/// local governments within both the pool's and the advisor's audience, where `PUBLIC`
/// counts as no wider than `NATIONWIDE`.
pub fn can_read_advisor_contact(
    viewer: &Viewer,
    pool: &RecordFacts,
    advisor: &RecordFacts,
    advisor_user_id: Option<Uuid>,
    facts: &ViewerFacts,
) -> bool {
    if is_linked_advisor(viewer, advisor_user_id) {
        return true;
    }
    let Some(user) = viewer.signed_in() else {
        return false;
    };
    if !is_member_of_organization(user) {
        return false;
    }
    if user.organization_id == pool.owner_id {
        return true;
    }
    if !is_local_government(user.organization_kind) {
        return false;
    }
    let capped = |record: &RecordFacts| RecordFacts {
        audience: std::cmp::min(record.audience, Audience::Nationwide),
        ..record.clone()
    };
    can_read(viewer, &capped(pool), facts) && can_read(viewer, &capped(advisor), facts)
}

/// [`can_read_advisor_contact`] for an advisor the viewer may already see (loaded through
/// [`advisor_readable`]): seeing the advisor means being within both audiences, and for a
/// signed-in member `PUBLIC` reads like `NATIONWIDE`, so what is left to decide needs only
/// the pool's owner and the viewer. The unit tests check that the two agree.
pub fn can_read_visible_advisor_contact(
    viewer: &Viewer,
    pool_owner_id: Uuid,
    advisor_user_id: Option<Uuid>,
) -> bool {
    is_linked_advisor(viewer, advisor_user_id)
        || viewer.signed_in().is_some_and(|u| {
            is_member_of_organization(u)
                && (u.organization_id == pool_owner_id || is_local_government(u.organization_kind))
        })
}

/// Who takes part in a dispatch request.
#[derive(Clone, Debug)]
pub struct DispatchParties {
    /// The organisation that asked.
    pub requester_id: Uuid,
    /// The organisation that runs the pool.
    pub pool_owner_id: Uuid,
    /// The users linked to the advisors currently assigned.
    pub assigned_user_ids: Vec<Uuid>,
}

/// May `viewer` see a dispatch request? The requester organisation's members, the pool
/// owner's editors and admins, and the assigned advisors; nobody else. The in-memory form
/// of [`dispatch_readable`].
pub fn can_read_dispatch(viewer: &Viewer, parties: &DispatchParties) -> bool {
    let Some(user) = viewer.signed_in() else {
        return false;
    };
    (is_member_of_organization(user) && user.organization_id == parties.requester_id)
        || can_edit(viewer, parties.pool_owner_id)
        || (user.roles.contains(&Role::Advisor)
            && parties.assigned_user_ids.contains(&user.user_id))
}

/// The query condition "`viewer` may see this dispatch request" on `dispatch_requests`.
pub fn dispatch_readable(viewer: &Viewer) -> Condition {
    let nothing = Condition::all().add(Expr::val(1).eq(0));
    let Some(user) = viewer.signed_in() else {
        return nothing;
    };
    let mut any = Condition::any().add(nothing);
    if is_member_of_organization(user) {
        any = any.add(dispatch_request::Column::RequesterOrganizationId.eq(user.organization_id));
    }
    if user
        .roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::Editor))
    {
        let own_pools = Query::select()
            .column(advisor_pool::Column::Id)
            .from(advisor_pool::Entity)
            .and_where(advisor_pool::Column::OwnerOrganizationId.eq(user.organization_id))
            .to_owned();
        any = any.add(dispatch_request::Column::PoolId.in_subquery(own_pools));
    }
    if user.roles.contains(&Role::Advisor) {
        let assigned_to_me = Query::select()
            .column((
                dispatch_assignment::Entity,
                dispatch_assignment::Column::DispatchRequestId,
            ))
            .from(dispatch_assignment::Entity)
            .inner_join(
                advisor::Entity,
                Expr::col((advisor::Entity, advisor::Column::Id)).equals((
                    dispatch_assignment::Entity,
                    dispatch_assignment::Column::AdvisorId,
                )),
            )
            .and_where(advisor::Column::UserId.eq(user.user_id))
            .and_where(dispatch_assignment::Column::Status.eq(AssignmentStatus::Assigned))
            .to_owned();
        any = any.add(dispatch_request::Column::Id.in_subquery(assigned_to_me));
    }
    any
}

/// May `viewer` submit dispatch requests for their organisation (and cancel, rank and close
/// its requests)? The organisation's editors and admins may.
pub fn can_act_for_requester(viewer: &Viewer, requester_id: Uuid) -> bool {
    can_edit(viewer, requester_id)
}

/// May `viewer` decide on requests to a pool (propose, approve, decline)? The pool owner's
/// admins may.
pub fn can_decide_dispatch(viewer: &Viewer, pool_owner_id: Uuid) -> bool {
    can_administer(viewer, pool_owner_id)
}

/// May `viewer` mark a dispatch's visits held and file its report? The pool owner's admins
/// and the assigned advisors may.
pub fn can_report_dispatch(viewer: &Viewer, parties: &DispatchParties) -> bool {
    can_administer(viewer, parties.pool_owner_id)
        || viewer.signed_in().is_some_and(|u| {
            u.roles.contains(&Role::Advisor) && parties.assigned_user_ids.contains(&u.user_id)
        })
}

/// May `viewer` register and edit the advisors of a pool? The pool owner's editors and
/// admins may.
pub fn can_manage_advisors(viewer: &Viewer, pool_owner_id: Uuid) -> bool {
    can_edit(viewer, pool_owner_id)
}

/// May `viewer` change an advisor's availability and bio? The pool owner's editors and
/// admins, and the advisor themself.
pub fn can_edit_advisor_profile(
    viewer: &Viewer,
    pool_owner_id: Uuid,
    advisor_user_id: Option<Uuid>,
) -> bool {
    can_manage_advisors(viewer, pool_owner_id) || is_linked_advisor(viewer, advisor_user_id)
}

/// May `viewer` create a pool? Admins of a prefecture or a national body may; so may the
/// admins of a council's secretariat, for a pool shared with that council
/// (`council_secretariat_id`: the secretariat of the council the pool is for, if any).
pub fn can_create_pool(viewer: &Viewer, council_secretariat_id: Option<Uuid>) -> bool {
    viewer.signed_in().is_some_and(|u| {
        u.roles.contains(&Role::Admin)
            && (matches!(
                u.organization_kind,
                OrganizationKind::Prefecture | OrganizationKind::National
            ) || council_secretariat_id == Some(u.organization_id))
    })
}

/// May `viewer` see how much of a pool's quota an organisation has used? The organisation's
/// own members and the pool owner's editors and admins may (the figure says how many
/// dispatches the organisation had, which belongs to the parties).
pub fn can_read_quota_usage(viewer: &Viewer, organization_id: Uuid, pool_owner_id: Uuid) -> bool {
    viewer.signed_in().is_some_and(|u| {
        (is_member_of_organization(u) && u.organization_id == organization_id)
            || can_edit(viewer, pool_owner_id)
    })
}

// ---------------------------------------------------------------------------------------
// Courses and enrolment
// ---------------------------------------------------------------------------------------

/// May `viewer` coordinate training for `organization_id`: enrol its staff, manage their
/// enrolments, run its courses? Its editors and admins may (研修担当).
pub fn can_coordinate(viewer: &Viewer, organization_id: Uuid) -> bool {
    can_edit(viewer, organization_id)
}

/// What the course rules need to know about one course.
#[derive(Clone, Debug)]
pub struct CourseFacts {
    pub record: RecordFacts,
    pub status: CourseStatus,
}

/// May `viewer` read the course? Its audience decides, as for every shared record, except
/// that a `DRAFT` is seen only by the host's editors and admins. The in-memory form of
/// [`course_readable`].
pub fn can_read_course(viewer: &Viewer, course: &CourseFacts, facts: &ViewerFacts) -> bool {
    if course.status == CourseStatus::Draft {
        return can_coordinate(viewer, course.record.owner_id);
    }
    can_read(viewer, &course.record, facts)
}

/// The query condition "`viewer` may read this course" (see [`can_read_course`]).
pub fn course_readable(viewer: &Viewer) -> Condition {
    use entity::course::Column;
    let shared = Condition::all()
        .add(readable::<entity::course::Entity>(viewer))
        .add(Column::Status.ne(CourseStatus::Draft));
    match coordinated_organization(viewer) {
        Some(organization_id) => Condition::any()
            .add(shared)
            .add(Column::HostOrganizationId.eq(organization_id)),
        None => shared,
    }
}

/// The organisation the viewer coordinates (edits for), if any.
fn coordinated_organization(viewer: &Viewer) -> Option<Uuid> {
    viewer
        .signed_in()
        .filter(|u| can_coordinate(viewer, u.organization_id))
        .map(|u| u.organization_id)
}

/// What the rules need to know about one enrolment.
#[derive(Clone, Debug)]
pub struct EnrollmentFacts {
    /// The participant's account, when the participant has one.
    pub participant_user_id: Option<Uuid>,
    /// The participant's organisation.
    pub organization_id: Uuid,
    /// The organisation hosting the course.
    pub host_organization_id: Uuid,
}

/// May `viewer` read the enrolment? The participant may, their organisation's coordinators
/// may, and the host's editors and admins (who run the course) may. Nobody else: an
/// enrolment names a person. The in-memory form of [`enrollment_readable`].
pub fn can_read_enrollment(viewer: &Viewer, enrollment: &EnrollmentFacts) -> bool {
    is_participant(viewer, enrollment)
        || can_coordinate(viewer, enrollment.organization_id)
        || can_coordinate(viewer, enrollment.host_organization_id)
}

/// The query condition "`viewer` may read this enrolment" (see [`can_read_enrollment`]).
pub fn enrollment_readable(viewer: &Viewer) -> Condition {
    use entity::enrollment::Column;
    let Some(user) = viewer.signed_in() else {
        return Condition::all().add(Expr::cust("1 = 0"));
    };
    let mine = Condition::any().add(Column::UserId.eq(user.user_id));
    match coordinated_organization(viewer) {
        Some(organization_id) => {
            let hosted = Query::select()
                .column(entity::course::Column::Id)
                .from(entity::course::Entity)
                .and_where(entity::course::Column::HostOrganizationId.eq(organization_id))
                .to_owned();
            mine.add(Column::OrganizationId.eq(organization_id))
                .add(Column::CourseId.in_subquery(hosted))
        }
        None => mine,
    }
}

/// Is `viewer` the enrolment's participant?
pub fn is_participant(viewer: &Viewer, enrollment: &EnrollmentFacts) -> bool {
    viewer
        .signed_in()
        .is_some_and(|u| enrollment.participant_user_id == Some(u.user_id))
}

/// May `viewer` act for the participant (claim an offered seat, withdraw)? The participant
/// and their organisation's coordinators may.
pub fn can_act_for_participant(viewer: &Viewer, enrollment: &EnrollmentFacts) -> bool {
    is_participant(viewer, enrollment) || can_coordinate(viewer, enrollment.organization_id)
}

/// May `viewer` cancel the enrolment? Whoever acts for the participant, and the host's
/// editors and admins.
pub fn can_cancel_enrollment(viewer: &Viewer, enrollment: &EnrollmentFacts) -> bool {
    can_act_for_participant(viewer, enrollment)
        || can_coordinate(viewer, enrollment.host_organization_id)
}

/// May `viewer` record attendance and completion of the enrolment? The host's editors and
/// admins, who run the course, may.
pub fn can_record_outcome(viewer: &Viewer, enrollment: &EnrollmentFacts) -> bool {
    can_coordinate(viewer, enrollment.host_organization_id)
}

/// May `viewer` see every participating organisation's share of a course's cost? Members of
/// the host organisation may; everyone else sees their own organisation's share only.
pub fn can_read_all_cost_shares(viewer: &Viewer, host_organization_id: Uuid) -> bool {
    viewer
        .signed_in()
        .is_some_and(|u| is_member_of_organization(u) && u.organization_id == host_organization_id)
}

/// May `viewer` see an organisation's training summary (completions, hours, leaders
/// trained)? The organisation's own members may, and for a municipality the staff of its
/// prefecture, which reports its municipalities' figures.
pub fn can_read_training_summary(
    viewer: &Viewer,
    organization_id: Uuid,
    organization_prefecture_id: Option<Uuid>,
) -> bool {
    viewer.signed_in().is_some_and(|u| {
        is_member_of_organization(u)
            && (u.organization_id == organization_id
                || organization_prefecture_id == Some(u.organization_id))
    })
}

#[cfg(test)]
mod tests {
    //! Every role × audience × relationship between viewer and owner, against a table of
    //! expectations written out by hand.
    use entity::enums::OrganizationKind;

    use super::*;

    /// How the viewer's organisation relates to the record's owner.
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Relation {
        Owner,
        SamePrefecture,
        CouncilMember,
        OtherPrefecture,
        NationalBody,
    }

    const RELATIONS: [Relation; 5] = [
        Relation::Owner,
        Relation::SamePrefecture,
        Relation::CouncilMember,
        Relation::OtherPrefecture,
        Relation::NationalBody,
    ];
    const AUDIENCES: [Audience; 5] = [
        Audience::Private,
        Audience::Prefecture,
        Audience::Council,
        Audience::Nationwide,
        Audience::Public,
    ];

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    /// Owner: municipality 10 in prefecture 1; the record's council is 100.
    fn record(audience: Audience) -> RecordFacts {
        RecordFacts {
            owner_id: id(10),
            owner_prefecture_id: Some(id(1)),
            audience,
            council_id: (audience == Audience::Council).then(|| id(100)),
        }
    }

    fn viewer(relation: Option<Relation>, roles: &[Role]) -> (Viewer, ViewerFacts) {
        let Some(relation) = relation else {
            return (Viewer::Anonymous, ViewerFacts::default());
        };
        let (org, prefecture, kind, councils) = match relation {
            Relation::Owner => (10, Some(1), OrganizationKind::City, vec![]),
            Relation::SamePrefecture => (11, Some(1), OrganizationKind::Town, vec![]),
            // A council member in another prefecture (councils can span prefectures).
            Relation::CouncilMember => (20, Some(2), OrganizationKind::Village, vec![100]),
            Relation::OtherPrefecture => (21, Some(2), OrganizationKind::City, vec![101]),
            Relation::NationalBody => (30, None, OrganizationKind::National, vec![]),
        };
        let user = SignedIn {
            user_id: id(1000),
            organization_id: id(org),
            organization_code: String::new(),
            organization_kind: kind,
            prefecture_id: prefecture.map(id),
            roles: roles.to_vec(),
        };
        let facts = ViewerFacts {
            council_ids: councils.into_iter().map(id).collect(),
        };
        (Viewer::User(user), facts)
    }

    /// The expectation, written as the rule reads in DESIGN.md rather than as the code does.
    fn expected(relation: Option<Relation>, member: bool, audience: Audience) -> bool {
        use Audience::*;
        match (relation, member, audience) {
            (_, _, Public) => true,
            (None, _, _) | (_, false, _) => false,
            (Some(Relation::Owner), true, _) => true,
            (Some(_), true, Nationwide) => true,
            (Some(Relation::SamePrefecture), true, Prefecture) => true,
            (Some(Relation::CouncilMember), true, Council) => true,
            _ => false,
        }
    }

    #[test]
    fn read_rules_match_the_written_table_for_every_combination() {
        let role_sets: [&[Role]; 7] = [
            &[Role::Member],
            &[Role::Editor],
            &[Role::Admin],
            &[Role::Admin, Role::Editor],
            &[Role::Operator],
            &[Role::Advisor],
            &[],
        ];
        let mut checked = 0;
        for audience in AUDIENCES {
            let (anon, facts) = viewer(None, &[]);
            assert_eq!(
                can_read(&anon, &record(audience), &facts),
                expected(None, false, audience)
            );
            checked += 1;
            for relation in RELATIONS {
                for roles in role_sets {
                    let (v, facts) = viewer(Some(relation), roles);
                    let member = roles.iter().any(|r| *r != Role::Advisor);
                    assert_eq!(
                        can_read(&v, &record(audience), &facts),
                        expected(Some(relation), member, audience),
                        "{relation:?} {roles:?} {audience:?}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 + 5 * 5 * 7);
    }

    #[test]
    fn case_studies_are_read_by_their_audience_once_published_and_by_the_owner_always() {
        let role_sets: [&[Role]; 4] = [&[Role::Member], &[Role::Editor], &[Role::Advisor], &[]];
        let mut checked = 0;
        for status in [
            CaseStatus::Draft,
            CaseStatus::Published,
            CaseStatus::Archived,
        ] {
            for audience in AUDIENCES {
                let (anon, facts) = viewer(None, &[]);
                assert_eq!(
                    can_read_case_study(&anon, &record(audience), status, &facts),
                    status == CaseStatus::Published && audience == Audience::Public
                );
                for relation in RELATIONS {
                    for roles in role_sets {
                        let (v, facts) = viewer(Some(relation), roles);
                        let member = roles.iter().any(|r| *r != Role::Advisor);
                        let owner = relation == Relation::Owner && member;
                        let published = status == CaseStatus::Published
                            && expected(Some(relation), member, audience);
                        assert_eq!(
                            can_read_case_study(&v, &record(audience), status, &facts),
                            owner || published,
                            "{status:?} {relation:?} {roles:?} {audience:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 5 * 5 * 4);
    }

    #[test]
    fn contact_details_are_for_local_governments_and_versions_for_the_owner() {
        let (anon, _) = viewer(None, &[]);
        assert!(!can_read_case_contact(&anon, id(10)));
        for relation in RELATIONS {
            let (member, _) = viewer(Some(relation), &[Role::Member]);
            let (advisor, _) = viewer(Some(relation), &[Role::Advisor]);
            assert_eq!(
                can_read_case_contact(&member, id(10)),
                relation != Relation::NationalBody,
                "{relation:?}"
            );
            assert!(!can_read_case_contact(&advisor, id(10)), "{relation:?}");
            assert_eq!(
                can_read_case_versions(&member, id(10)),
                relation == Relation::Owner
            );
            assert!(!can_read_case_versions(&advisor, id(10)));
        }
        assert!(!can_read_case_versions(&anon, id(10)));
    }

    #[test]
    fn write_rules_need_the_owner_organisation_and_the_role() {
        for relation in RELATIONS {
            for roles in [
                &[Role::Member][..],
                &[Role::Editor],
                &[Role::Admin],
                &[Role::Operator],
                &[Role::Advisor],
            ] {
                let (v, _) = viewer(Some(relation), roles);
                let owner = relation == Relation::Owner;
                assert_eq!(
                    can_edit(&v, id(10)),
                    owner && (roles.contains(&Role::Editor) || roles.contains(&Role::Admin)),
                    "edit {relation:?} {roles:?}"
                );
                assert_eq!(
                    can_administer(&v, id(10)),
                    owner && roles.contains(&Role::Admin),
                    "administer {relation:?} {roles:?}"
                );
                assert_eq!(can_operate(&v), roles.contains(&Role::Operator));
            }
        }
        let (anon, _) = viewer(None, &[]);
        assert!(!can_edit(&anon, id(10)) && !can_administer(&anon, id(10)) && !can_operate(&anon));
        assert!(matches!(
            ensure_can_edit(&anon, id(10)),
            Err(AppError::Unauthenticated(_))
        ));
        for (roles, scope) in [
            (&[Role::Operator][..], Some(AuditScope::Everything)),
            (&[Role::Admin], Some(AuditScope::Organization(id(10)))),
            (&[Role::Editor], None),
            (&[Role::Member], None),
            (&[Role::Advisor], None),
        ] {
            let (v, _) = viewer(Some(Relation::Owner), roles);
            assert_eq!(audit_scope(&v).ok(), scope, "{roles:?}");
        }
        assert!(matches!(
            audit_scope(&anon),
            Err(AppError::Unauthenticated(_))
        ));
        let (other, _) = viewer(Some(Relation::SamePrefecture), &[Role::Admin]);
        assert!(matches!(
            ensure_can_edit(&other, id(10)),
            Err(AppError::Forbidden)
        ));
    }

    /// Viewer `relation` to the owner (municipality 10 in prefecture 1) with `roles`, as a
    /// given user id.
    fn viewer_as(relation: Relation, roles: &[Role], user_id: u128) -> (Viewer, ViewerFacts) {
        let (v, facts) = viewer(Some(relation), roles);
        match v {
            Viewer::User(mut u) => {
                u.user_id = id(user_id);
                (Viewer::User(u), facts)
            }
            anonymous => (anonymous, facts),
        }
    }

    #[test]
    fn dispatch_requests_are_seen_by_their_parties_only() {
        // Requester: municipality 11 (same prefecture); pool owner: 10; advisor user 500.
        let parties = DispatchParties {
            requester_id: id(11),
            pool_owner_id: id(10),
            assigned_user_ids: vec![id(500)],
        };
        let sees = |relation, roles: &[Role], user| {
            let (v, _) = viewer_as(relation, roles, user);
            can_read_dispatch(&v, &parties)
        };
        // The requester's members of every role.
        for roles in [&[Role::Member][..], &[Role::Editor], &[Role::Admin]] {
            assert!(sees(Relation::SamePrefecture, roles, 1), "{roles:?}");
        }
        // The pool owner's editors and admins, not its members.
        assert!(sees(Relation::Owner, &[Role::Editor], 1));
        assert!(sees(Relation::Owner, &[Role::Admin], 1));
        assert!(!sees(Relation::Owner, &[Role::Member], 1));
        // The assigned advisor, and no other advisor, even of the owner.
        assert!(sees(Relation::Owner, &[Role::Advisor], 500));
        assert!(!sees(Relation::Owner, &[Role::Advisor], 501));
        assert!(!sees(Relation::SamePrefecture, &[Role::Advisor], 501));
        // Nobody else.
        for relation in [
            Relation::CouncilMember,
            Relation::OtherPrefecture,
            Relation::NationalBody,
        ] {
            for roles in [&[Role::Member][..], &[Role::Admin], &[Role::Operator]] {
                assert!(!sees(relation, roles, 1), "{relation:?} {roles:?}");
            }
        }
        assert!(!can_read_dispatch(&Viewer::Anonymous, &parties));
        // Who acts on it.
        let (requester_editor, _) = viewer_as(Relation::SamePrefecture, &[Role::Editor], 1);
        let (owner_admin, _) = viewer_as(Relation::Owner, &[Role::Admin], 1);
        let (owner_editor, _) = viewer_as(Relation::Owner, &[Role::Editor], 1);
        let (advisor, _) = viewer_as(Relation::Owner, &[Role::Advisor], 500);
        assert!(can_act_for_requester(
            &requester_editor,
            parties.requester_id
        ));
        assert!(!can_act_for_requester(&owner_admin, parties.requester_id));
        assert!(can_decide_dispatch(&owner_admin, parties.pool_owner_id));
        assert!(!can_decide_dispatch(&owner_editor, parties.pool_owner_id));
        assert!(!can_decide_dispatch(
            &requester_editor,
            parties.pool_owner_id
        ));
        assert!(can_report_dispatch(&advisor, &parties));
        assert!(can_report_dispatch(&owner_admin, &parties));
        assert!(!can_report_dispatch(&owner_editor, &parties));
        assert!(!can_report_dispatch(&requester_editor, &parties));
    }

    #[test]
    fn advisors_are_seen_through_both_audiences_and_by_themselves() {
        let pool = record(Audience::Prefecture);
        let nationwide_advisor = record(Audience::Nationwide);
        let private_advisor = record(Audience::Private);
        let (same_prefecture, facts) = viewer(Some(Relation::SamePrefecture), &[Role::Member]);
        let (other_prefecture, other_facts) =
            viewer(Some(Relation::OtherPrefecture), &[Role::Member]);
        assert!(can_read_advisor(
            &same_prefecture,
            &pool,
            &nationwide_advisor,
            None,
            &facts
        ));
        assert!(!can_read_advisor(
            &same_prefecture,
            &pool,
            &private_advisor,
            None,
            &facts
        ));
        // A pool narrower than its advisor hides the advisor.
        assert!(!can_read_advisor(
            &other_prefecture,
            &pool,
            &nationwide_advisor,
            None,
            &other_facts
        ));
        // The advisor themself sees their own profile.
        let (me, me_facts) = viewer_as(Relation::OtherPrefecture, &[Role::Advisor], 500);
        assert!(can_read_advisor(
            &me,
            &pool,
            &private_advisor,
            Some(id(500)),
            &me_facts
        ));
        assert!(!can_read_advisor(
            &me,
            &pool,
            &private_advisor,
            Some(id(501)),
            &me_facts
        ));
    }

    #[test]
    fn contact_details_never_reach_anonymous_readers_guests_or_other_bodies() {
        let public = record(Audience::Public);
        let prefecture = record(Audience::Prefecture);
        let contact = |relation: Option<Relation>, roles: &[Role], pool: &RecordFacts| {
            let (v, facts) = viewer(relation, roles);
            can_read_advisor_contact(&v, pool, pool, None, &facts)
        };
        // Even a public pool's contacts are for signed-in local governments only.
        assert!(!contact(None, &[], &public));
        assert!(!contact(
            Some(Relation::OtherPrefecture),
            &[Role::Advisor],
            &public
        ));
        assert!(!contact(
            Some(Relation::NationalBody),
            &[Role::Member],
            &public
        ));
        assert!(!contact(
            Some(Relation::NationalBody),
            &[Role::Operator],
            &public
        ));
        assert!(contact(
            Some(Relation::OtherPrefecture),
            &[Role::Member],
            &public
        ));
        // Within the audience only.
        assert!(contact(
            Some(Relation::SamePrefecture),
            &[Role::Member],
            &prefecture
        ));
        assert!(!contact(
            Some(Relation::OtherPrefecture),
            &[Role::Member],
            &prefecture
        ));
        // The pool's own staff, whatever the audience.
        assert!(contact(
            Some(Relation::Owner),
            &[Role::Member],
            &record(Audience::Private)
        ));
        // The advisor themself.
        let (me, facts) = viewer_as(Relation::OtherPrefecture, &[Role::Advisor], 500);
        assert!(can_read_advisor_contact(
            &me,
            &prefecture,
            &prefecture,
            Some(id(500)),
            &facts
        ));
    }

    #[test]
    fn an_advisor_sees_the_pool_they_belong_to_and_no_other_private_one() {
        let pool = record(Audience::Private);
        let (me, facts) = viewer_as(Relation::OtherPrefecture, &[Role::Advisor], 500);
        assert!(can_read_pool(&me, &pool, &[id(500)], &facts));
        assert!(!can_read_pool(&me, &pool, &[id(501)], &facts));
        let (member, facts) = viewer_as(Relation::OtherPrefecture, &[Role::Member], 500);
        assert!(
            !can_read_pool(&member, &pool, &[id(500)], &facts),
            "the role counts"
        );
        let (owner, facts) = viewer(Some(Relation::Owner), &[Role::Member]);
        assert!(can_read_pool(&owner, &pool, &[], &facts));
    }

    #[test]
    fn the_contact_rule_for_visible_advisors_agrees_with_the_full_rule() {
        let role_sets: [&[Role]; 6] = [
            &[Role::Member],
            &[Role::Editor],
            &[Role::Admin],
            &[Role::Advisor],
            &[Role::Operator],
            &[],
        ];
        let mut compared = 0;
        for pool_audience in AUDIENCES {
            for advisor_audience in AUDIENCES {
                let (pool, advisor) = (record(pool_audience), record(advisor_audience));
                let mut viewers = vec![viewer(None, &[])];
                for relation in RELATIONS {
                    for roles in role_sets {
                        viewers.push(viewer(Some(relation), roles));
                    }
                }
                for linked in [None, Some(id(1000))] {
                    for (v, facts) in &viewers {
                        if !can_read_advisor(v, &pool, &advisor, linked, facts) {
                            continue;
                        }
                        assert_eq!(
                            can_read_advisor_contact(v, &pool, &advisor, linked, facts),
                            can_read_visible_advisor_contact(v, pool.owner_id, linked),
                            "{v:?} {pool_audience:?} {advisor_audience:?} {linked:?}"
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 100, "{compared}");
    }

    #[test]
    fn pools_are_created_by_admins_of_prefectures_national_bodies_and_council_secretariats() {
        let (prefecture_admin, _) = viewer(Some(Relation::Owner), &[Role::Admin]);
        // Relation::Owner is a city: only as a council's secretariat.
        assert!(!can_create_pool(&prefecture_admin, None));
        assert!(can_create_pool(&prefecture_admin, Some(id(10))));
        assert!(!can_create_pool(&prefecture_admin, Some(id(11))));
        let (national_admin, _) = viewer(Some(Relation::NationalBody), &[Role::Admin]);
        assert!(can_create_pool(&national_admin, None));
        let (national_editor, _) = viewer(Some(Relation::NationalBody), &[Role::Editor]);
        assert!(!can_create_pool(&national_editor, None));
        let prefecture = Viewer::User(SignedIn {
            user_id: id(1),
            organization_id: id(1),
            organization_code: String::new(),
            organization_kind: OrganizationKind::Prefecture,
            prefecture_id: Some(id(1)),
            roles: vec![Role::Admin],
        });
        assert!(can_create_pool(&prefecture, None));
        assert!(!can_create_pool(&Viewer::Anonymous, None));
    }

    fn user_in(org: u128, prefecture: Option<u128>, user: u128, roles: &[Role]) -> Viewer {
        Viewer::User(SignedIn {
            user_id: id(user),
            organization_id: id(org),
            organization_code: String::new(),
            organization_kind: OrganizationKind::City,
            prefecture_id: prefecture.map(id),
            roles: roles.to_vec(),
        })
    }

    #[test]
    fn drafts_are_seen_only_by_the_hosts_coordinators_and_other_courses_follow_their_audience() {
        for audience in AUDIENCES {
            for relation in RELATIONS {
                for roles in [
                    &[Role::Member][..],
                    &[Role::Editor],
                    &[Role::Admin],
                    &[Role::Advisor],
                ] {
                    let (v, facts) = viewer(Some(relation), roles);
                    for status in [
                        CourseStatus::Draft,
                        CourseStatus::Published,
                        CourseStatus::Completed,
                        CourseStatus::Cancelled,
                    ] {
                        let course = CourseFacts {
                            record: record(audience),
                            status,
                        };
                        let coordinator = relation == Relation::Owner
                            && (roles.contains(&Role::Editor) || roles.contains(&Role::Admin));
                        let expected = if status == CourseStatus::Draft {
                            coordinator
                        } else {
                            can_read(&v, &course.record, &facts)
                        };
                        assert_eq!(
                            can_read_course(&v, &course, &facts),
                            expected,
                            "{relation:?} {roles:?} {audience:?} {status:?}"
                        );
                    }
                }
            }
        }
        let (anon, facts) = viewer(None, &[]);
        let draft = CourseFacts {
            record: record(Audience::Public),
            status: CourseStatus::Draft,
        };
        assert!(!can_read_course(&anon, &draft, &facts));
    }

    #[test]
    fn an_enrolment_is_seen_by_its_participant_their_coordinators_and_the_host() {
        // Participant: user 500 of municipality 10; the course is hosted by prefecture 1.
        let enrollment = EnrollmentFacts {
            participant_user_id: Some(id(500)),
            organization_id: id(10),
            host_organization_id: id(1),
        };
        let staff_without_account = EnrollmentFacts {
            participant_user_id: None,
            ..enrollment.clone()
        };
        // (viewer, reads, acts for the participant, cancels)
        let cases = [
            (
                "the participant",
                user_in(10, Some(1), 500, &[Role::Member]),
                true,
                true,
                true,
            ),
            (
                "a colleague",
                user_in(10, Some(1), 501, &[Role::Member]),
                false,
                false,
                false,
            ),
            (
                "their coordinator",
                user_in(10, Some(1), 502, &[Role::Editor]),
                true,
                true,
                true,
            ),
            (
                "their admin",
                user_in(10, Some(1), 503, &[Role::Admin]),
                true,
                true,
                true,
            ),
            (
                "the host's editor",
                user_in(1, Some(1), 504, &[Role::Editor]),
                true,
                false,
                true,
            ),
            (
                "the host's member",
                user_in(1, Some(1), 505, &[Role::Member]),
                false,
                false,
                false,
            ),
            (
                "another town's editor",
                user_in(11, Some(1), 506, &[Role::Editor]),
                false,
                false,
                false,
            ),
            (
                "the operator",
                user_in(30, None, 507, &[Role::Operator]),
                false,
                false,
                false,
            ),
            ("anonymous", Viewer::Anonymous, false, false, false),
        ];
        for (who, v, reads, acts, cancels) in cases {
            assert_eq!(can_read_enrollment(&v, &enrollment), reads, "{who} reads");
            assert_eq!(can_act_for_participant(&v, &enrollment), acts, "{who} acts");
            assert_eq!(
                can_cancel_enrollment(&v, &enrollment),
                cancels,
                "{who} cancels"
            );
            assert_eq!(
                can_record_outcome(&v, &enrollment),
                who == "the host's editor",
                "{who} records attendance"
            );
            // Without an account, only coordinators and the host see the record.
            let participant = who == "the participant";
            assert_eq!(
                can_read_enrollment(&v, &staff_without_account),
                reads && !participant,
                "{who} reads a staff member's enrolment"
            );
        }
    }

    #[test]
    fn training_summaries_are_for_the_organisation_and_its_prefecture() {
        // Municipality 10 in prefecture 1.
        let (municipality, prefecture) = (id(10), Some(id(1)));
        let cases = [
            (
                "a member of it",
                user_in(10, Some(1), 1, &[Role::Member]),
                true,
            ),
            (
                "its prefecture's staff",
                user_in(1, Some(1), 2, &[Role::Member]),
                true,
            ),
            (
                "a neighbouring town",
                user_in(11, Some(1), 3, &[Role::Admin]),
                false,
            ),
            (
                "another prefecture",
                user_in(2, Some(2), 4, &[Role::Admin]),
                false,
            ),
            (
                "an advisor it registered",
                user_in(10, Some(1), 5, &[Role::Advisor]),
                false,
            ),
            (
                "the operator",
                user_in(30, None, 6, &[Role::Operator]),
                false,
            ),
            ("anonymous", Viewer::Anonymous, false),
        ];
        for (who, v, expected) in cases {
            assert_eq!(
                can_read_training_summary(&v, municipality, prefecture),
                expected,
                "{who}"
            );
        }
        // A prefecture's own summary is not its municipalities' to read.
        let town = user_in(10, Some(1), 7, &[Role::Admin]);
        assert!(!can_read_training_summary(&town, id(1), None));
        assert!(can_read_training_summary(
            &user_in(1, Some(1), 8, &[Role::Member]),
            id(1),
            None
        ));
    }

    #[test]
    fn cost_shares_of_every_organisation_are_for_the_host() {
        assert!(can_read_all_cost_shares(
            &user_in(1, Some(1), 1, &[Role::Member]),
            id(1)
        ));
        assert!(!can_read_all_cost_shares(
            &user_in(1, Some(1), 2, &[Role::Advisor]),
            id(1)
        ));
        assert!(!can_read_all_cost_shares(
            &user_in(10, Some(1), 3, &[Role::Admin]),
            id(1)
        ));
        assert!(!can_read_all_cost_shares(&Viewer::Anonymous, id(1)));
    }
}
