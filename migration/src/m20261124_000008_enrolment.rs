//! Enrolment rules the courses tables need beyond their first shape: a per-course revision
//! (the lock every write transaction of a course takes first, and the order in which the
//! waitlist accepted people), a search key, why an enrolment was cancelled, "one active
//! enrolment per person per course" as a unique index, and attendance per session.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_table, drop_tables, foreign_key, index, index_with_name};
use crate::m20261123_000002_identity::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Courses {
    Table,
    /// Bumped by every write transaction of a course, its seats or its enrolments.
    Revision,
    /// Folded title and summary, for search.
    SearchKey,
}

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    Id,
    CourseId,
    OrganizationId,
    ParticipantKey,
    Status,
    OfferExpiresAt,
    CompletedOn,
    CancellationReason,
}

#[derive(DeriveIden)]
enum CourseSessions {
    Table,
    Id,
}

/// 出欠: whether one enrolled participant attended one session.
#[derive(DeriveIden)]
enum CourseAttendances {
    Table,
    EnrollmentId,
    SessionId,
    Attended,
    RecordedByUserId,
    RecordedAt,
}

const ACTIVE_PARTICIPANT_INDEX: &str = "uq_enrollments_active_participant";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [
            big_integer(Courses::Revision).default(0).to_owned(),
            text(Courses::SearchKey).default("").to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Courses::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Enrollments::Table)
                    .add_column(string_len_null(Enrollments::CancellationReason, 32))
                    .to_owned(),
            )
            .await?;

        // One person holds at most one enrolment per course that is not cancelled. A partial
        // index (both databases have them) leaves cancelled enrolments out, so a person may
        // enrol again after cancelling.
        manager
            .create_index(
                index_with_name(
                    ACTIVE_PARTICIPANT_INDEX.to_owned(),
                    Enrollments::Table,
                    [Enrollments::CourseId, Enrollments::ParticipantKey],
                )
                .unique()
                .and_where(Expr::col(Enrollments::Status).ne("CANCELLED"))
                .to_owned(),
            )
            .await?;
        // Training summaries: completions of an organisation in a fiscal year.
        manager
            .create_index(index(
                Enrollments::Table,
                [
                    Enrollments::OrganizationId,
                    Enrollments::Status,
                    Enrollments::CompletedOn,
                ],
            ))
            .await?;
        // The sweep that passes on expired offers.
        manager
            .create_index(index(
                Enrollments::Table,
                [Enrollments::Status, Enrollments::OfferExpiresAt],
            ))
            .await?;

        create_table(
            manager,
            Table::create()
                .table(CourseAttendances::Table)
                .col(uuid(CourseAttendances::EnrollmentId))
                .col(uuid(CourseAttendances::SessionId))
                .col(boolean(CourseAttendances::Attended))
                .col(uuid_null(CourseAttendances::RecordedByUserId))
                .col(timestamp_with_time_zone(CourseAttendances::RecordedAt))
                .primary_key(
                    Index::create()
                        .col(CourseAttendances::EnrollmentId)
                        .col(CourseAttendances::SessionId),
                )
                .foreign_key(&mut foreign_key(
                    CourseAttendances::Table,
                    CourseAttendances::EnrollmentId,
                    Enrollments::Table,
                    Enrollments::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    CourseAttendances::Table,
                    CourseAttendances::SessionId,
                    CourseSessions::Table,
                    CourseSessions::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    CourseAttendances::Table,
                    CourseAttendances::RecordedByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(CourseAttendances::Table, [CourseAttendances::SessionId]),
                index(
                    CourseAttendances::Table,
                    [CourseAttendances::RecordedByUserId],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, [CourseAttendances::Table.into_iden()]).await?;
        for name in [
            "idx_enrollments_status_offer_expires_at",
            "idx_enrollments_organization_id_status_completed_on",
            ACTIVE_PARTICIPANT_INDEX,
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(Enrollments::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Enrollments::Table)
                    .drop_column(Enrollments::CancellationReason)
                    .to_owned(),
            )
            .await?;
        for column in [Courses::SearchKey, Courses::Revision] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Courses::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
