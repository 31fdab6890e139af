//! Batch loading for course and enrolment fields: one query per field per level of a
//! response, however many parents the level has.
//!
//! The loader is made per request for its viewer, and every key is answered through the
//! sharing rules: a course the viewer may not read, or an enrolment they may not see, is
//! simply absent, whoever asks for it (a nested field, `node(id:)`, and later federation).

use std::collections::HashMap;

use async_graphql::dataloader::Loader;
use entity::enums::EnrollmentStatus;
use entity::{course, course_attendance, course_co_host, course_session, enrollment, organization};
use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::access;
use crate::auth::Viewer;
use crate::organizations::loaders::{LoadError, grouped};

/// A course by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CourseId(pub Uuid);
/// A course's sessions, first first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionsOf(pub Uuid);
/// A session by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(pub Uuid);
/// A course's co-hosting organisations, by code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CoHostsOf(pub Uuid);
/// How many wait for a seat of a course.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitlistLengthOf(pub Uuid);
/// The viewer's enrolments in a course: their own, and as a coordinator their
/// organisation's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ViewerEnrollmentsIn(pub Uuid);
/// An enrolment by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnrollmentId(pub Uuid);
/// The place in line of a waitlisted enrolment: its course and acceptance order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitlistPosition {
    pub course_id: Uuid,
    pub seq: i64,
}
/// The attendance recorded for an enrolment, by session start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AttendanceOf(pub Uuid);

/// Loads courses and enrolments for one request's viewer.
pub struct CourseLoader {
    db: DatabaseConnection,
    viewer: Viewer,
}

impl CourseLoader {
    pub fn new(db: DatabaseConnection, viewer: Viewer) -> Self {
        Self { db, viewer }
    }

    /// `SELECT id FROM courses WHERE <the viewer may read it>`.
    fn readable_courses(&self) -> SelectStatement {
        Query::select()
            .column(course::Column::Id)
            .from(course::Entity)
            .cond_where(access::course_readable(&self.viewer))
            .to_owned()
    }

    /// `SELECT id FROM enrollments WHERE <the viewer may read it>`.
    fn readable_enrollments(&self) -> SelectStatement {
        Query::select()
            .column(enrollment::Column::Id)
            .from(enrollment::Entity)
            .cond_where(access::enrollment_readable(&self.viewer))
            .to_owned()
    }
}

fn ids<K: Copy>(keys: &[K], id: impl Fn(K) -> Uuid) -> Vec<Uuid> {
    keys.iter().map(|k| id(*k)).collect()
}

impl Loader<CourseId> for CourseLoader {
    type Value = course::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[CourseId]) -> Result<HashMap<CourseId, Self::Value>, Self::Error> {
        let rows = course::Entity::find()
            .filter(course::Column::Id.is_in(ids(keys, |k| k.0)))
            .filter(access::course_readable(&self.viewer))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|c| (CourseId(c.id), c)).collect())
    }
}

impl Loader<SessionsOf> for CourseLoader {
    type Value = Vec<course_session::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SessionsOf],
    ) -> Result<HashMap<SessionsOf, Self::Value>, Self::Error> {
        let rows = course_session::Entity::find()
            .filter(course_session::Column::CourseId.is_in(ids(keys, |k| k.0)))
            .filter(course_session::Column::CourseId.in_subquery(self.readable_courses()))
            .order_by_asc(course_session::Column::StartsAt)
            .order_by_asc(course_session::Column::Id)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter().map(|s| (SessionsOf(s.course_id), s)),
        ))
    }
}

impl Loader<SessionId> for CourseLoader {
    type Value = course_session::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[SessionId],
    ) -> Result<HashMap<SessionId, Self::Value>, Self::Error> {
        let rows = course_session::Entity::find()
            .filter(course_session::Column::Id.is_in(ids(keys, |k| k.0)))
            .filter(course_session::Column::CourseId.in_subquery(self.readable_courses()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|s| (SessionId(s.id), s)).collect())
    }
}

impl Loader<CoHostsOf> for CourseLoader {
    type Value = Vec<organization::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[CoHostsOf],
    ) -> Result<HashMap<CoHostsOf, Self::Value>, Self::Error> {
        let rows = course_co_host::Entity::find()
            .filter(course_co_host::Column::CourseId.is_in(ids(keys, |k| k.0)))
            .filter(course_co_host::Column::CourseId.in_subquery(self.readable_courses()))
            .find_also_related(organization::Entity)
            .order_by_asc(organization::Column::Code)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter().filter_map(|(co_host, organization)| {
                Some((CoHostsOf(co_host.course_id), organization?))
            }),
        ))
    }
}

impl Loader<WaitlistLengthOf> for CourseLoader {
    type Value = i64;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[WaitlistLengthOf],
    ) -> Result<HashMap<WaitlistLengthOf, Self::Value>, Self::Error> {
        let rows: Vec<(Uuid, i64)> = enrollment::Entity::find()
            .select_only()
            .column(enrollment::Column::CourseId)
            .column_as(Expr::col(enrollment::Column::Id).count(), "waiting")
            .filter(enrollment::Column::CourseId.is_in(ids(keys, |k| k.0)))
            .filter(enrollment::Column::CourseId.in_subquery(self.readable_courses()))
            .filter(enrollment::Column::Status.eq(EnrollmentStatus::Waitlisted))
            .group_by(enrollment::Column::CourseId)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut lengths: HashMap<WaitlistLengthOf, i64> = keys.iter().map(|k| (*k, 0)).collect();
        for (course_id, waiting) in rows {
            lengths.insert(WaitlistLengthOf(course_id), waiting);
        }
        Ok(lengths)
    }
}

impl Loader<ViewerEnrollmentsIn> for CourseLoader {
    type Value = Vec<enrollment::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[ViewerEnrollmentsIn],
    ) -> Result<HashMap<ViewerEnrollmentsIn, Self::Value>, Self::Error> {
        let Some(user) = self.viewer.signed_in() else {
            return Ok(grouped(keys, std::iter::empty()));
        };
        let mut mine = Condition::any().add(enrollment::Column::UserId.eq(user.user_id));
        if access::can_coordinate(&self.viewer, user.organization_id) {
            mine = mine.add(enrollment::Column::OrganizationId.eq(user.organization_id));
        }
        let rows = enrollment::Entity::find()
            .filter(enrollment::Column::CourseId.is_in(ids(keys, |k| k.0)))
            .filter(mine)
            .order_by_asc(enrollment::Column::CreatedAt)
            .order_by_asc(enrollment::Column::Id)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter()
                .map(|e| (ViewerEnrollmentsIn(e.course_id), e)),
        ))
    }
}

impl Loader<EnrollmentId> for CourseLoader {
    type Value = enrollment::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[EnrollmentId],
    ) -> Result<HashMap<EnrollmentId, Self::Value>, Self::Error> {
        let rows = enrollment::Entity::find()
            .filter(enrollment::Column::Id.is_in(ids(keys, |k| k.0)))
            .filter(access::enrollment_readable(&self.viewer))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|e| (EnrollmentId(e.id), e)).collect())
    }
}

impl Loader<WaitlistPosition> for CourseLoader {
    type Value = i64;
    type Error = LoadError;

    /// Reads the whole waitlist of each course asked about (its acceptance orders only) and
    /// ranks in memory: one query for any number of enrolments across courses.
    async fn load(
        &self,
        keys: &[WaitlistPosition],
    ) -> Result<HashMap<WaitlistPosition, Self::Value>, Self::Error> {
        let mut courses: Vec<Uuid> = keys.iter().map(|k| k.course_id).collect();
        courses.sort();
        courses.dedup();
        let rows: Vec<(Uuid, Option<i64>)> = enrollment::Entity::find()
            .select_only()
            .column(enrollment::Column::CourseId)
            .column(enrollment::Column::WaitlistSeq)
            .filter(enrollment::Column::CourseId.is_in(courses))
            .filter(enrollment::Column::Status.eq(EnrollmentStatus::Waitlisted))
            .order_by_asc(enrollment::Column::CourseId)
            .order_by_asc(enrollment::Column::WaitlistSeq)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut lines: HashMap<Uuid, Vec<i64>> = HashMap::new();
        for (course_id, seq) in rows {
            if let Some(seq) = seq {
                lines.entry(course_id).or_default().push(seq);
            }
        }
        Ok(keys
            .iter()
            .filter_map(|key| {
                let line = lines.get(&key.course_id)?;
                let ahead_or_same = line.partition_point(|s| *s <= key.seq);
                (ahead_or_same > 0 && line.get(ahead_or_same - 1) == Some(&key.seq))
                    .then_some((*key, ahead_or_same as i64))
            })
            .collect())
    }
}

impl Loader<AttendanceOf> for CourseLoader {
    type Value = Vec<course_attendance::Model>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[AttendanceOf],
    ) -> Result<HashMap<AttendanceOf, Self::Value>, Self::Error> {
        let rows = course_attendance::Entity::find()
            .filter(course_attendance::Column::EnrollmentId.is_in(ids(keys, |k| k.0)))
            .filter(
                course_attendance::Column::EnrollmentId.in_subquery(self.readable_enrollments()),
            )
            .find_also_related(course_session::Entity)
            .order_by_asc(course_session::Column::StartsAt)
            .all(&self.db)
            .await?;
        Ok(grouped(
            keys,
            rows.into_iter()
                .map(|(attendance, _)| (AttendanceOf(attendance.enrollment_id), attendance)),
        ))
    }
}
