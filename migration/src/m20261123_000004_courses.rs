//! Joint training courses (共同研修): co-hosts, sessions, per-organisation seat
//! counters and enrolments (受講).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{create_table, drop_tables, foreign_key, index};
use crate::m20261123_000001_organizations::{Councils, Organizations};
use crate::m20261123_000002_identity::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 共同研修: a training course hosted by one organisation for many.
#[derive(DeriveIden)]
pub(crate) enum Courses {
    Table,
    Id,
    HostOrganizationId,
    CoHostCouncilId,
    Title,
    Summary,
    JobGrades,
    SkillAreas,
    Level,
    Format,
    TotalHours,
    EntryConditions,
    Capacity,
    SeatsPerOrganization,
    SeatsTaken,
    EnrolmentOpensAt,
    EnrolmentClosesAt,
    SelfEnrolment,
    FeeRule,
    FeeAmount,
    OfferClaimHours,
    Audience,
    CouncilId,
    Status,
    StartsAt,
    CreatedByUserId,
    CreatedAt,
    UpdatedAt,
}

/// An organisation co-hosting a course.
#[derive(DeriveIden)]
enum CourseCoHosts {
    Table,
    CourseId,
    OrganizationId,
}

/// One dated session of a course.
#[derive(DeriveIden)]
enum CourseSessions {
    Table,
    Id,
    CourseId,
    StartsAt,
    EndsAt,
    Venue,
    Online,
    Note,
    CreatedAt,
    UpdatedAt,
}

/// Seats of a course taken by one organisation.
#[derive(DeriveIden)]
enum CourseOrganizationSeats {
    Table,
    CourseId,
    OrganizationId,
    SeatsTaken,
}

/// 受講: one participant's enrolment in a course.
#[derive(DeriveIden)]
enum Enrollments {
    Table,
    Id,
    CourseId,
    OrganizationId,
    UserId,
    ParticipantKey,
    ParticipantName,
    ParticipantDepartment,
    ParticipantJobGrade,
    Status,
    WaitlistSeq,
    OfferExpiresAt,
    CompletedHours,
    CompletedOn,
    EnrolledByUserId,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            manager,
            Table::create()
                .table(Courses::Table)
                .col(pk_uuid(Courses::Id))
                .col(uuid(Courses::HostOrganizationId))
                .col(uuid_null(Courses::CoHostCouncilId))
                .col(string(Courses::Title))
                .col(text_null(Courses::Summary))
                .col(json_binary(Courses::JobGrades))
                .col(json_binary(Courses::SkillAreas))
                .col(integer(Courses::Level))
                .col(string_len(Courses::Format, 32))
                .col(double_null(Courses::TotalHours))
                .col(text_null(Courses::EntryConditions))
                .col(integer(Courses::Capacity))
                .col(integer_null(Courses::SeatsPerOrganization))
                .col(integer(Courses::SeatsTaken).default(0))
                .col(timestamp_with_time_zone_null(Courses::EnrolmentOpensAt))
                .col(timestamp_with_time_zone_null(Courses::EnrolmentClosesAt))
                .col(boolean(Courses::SelfEnrolment).default(false))
                .col(string_len(Courses::FeeRule, 32).default("FREE"))
                .col(big_integer_null(Courses::FeeAmount))
                .col(integer(Courses::OfferClaimHours).default(0))
                .col(string_len(Courses::Audience, 16))
                .col(uuid_null(Courses::CouncilId))
                .col(string_len(Courses::Status, 16))
                .col(timestamp_with_time_zone_null(Courses::StartsAt))
                .col(uuid_null(Courses::CreatedByUserId))
                .col(timestamp_with_time_zone(Courses::CreatedAt))
                .col(timestamp_with_time_zone(Courses::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    Courses::Table,
                    Courses::HostOrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Courses::Table,
                    Courses::CoHostCouncilId,
                    Councils::Table,
                    Councils::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Courses::Table,
                    Courses::CouncilId,
                    Councils::Table,
                    Councils::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Courses::Table,
                    Courses::CreatedByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(Courses::Table, [Courses::HostOrganizationId]),
                index(Courses::Table, [Courses::CoHostCouncilId]),
                index(Courses::Table, [Courses::CouncilId]),
                index(Courses::Table, [Courses::CreatedByUserId]),
                index(Courses::Table, [Courses::Status, Courses::StartsAt]),
                index(Courses::Table, [Courses::Audience]),
            ],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(CourseCoHosts::Table)
                .col(uuid(CourseCoHosts::CourseId))
                .col(uuid(CourseCoHosts::OrganizationId))
                .primary_key(
                    Index::create()
                        .col(CourseCoHosts::CourseId)
                        .col(CourseCoHosts::OrganizationId),
                )
                .foreign_key(&mut foreign_key(
                    CourseCoHosts::Table,
                    CourseCoHosts::CourseId,
                    Courses::Table,
                    Courses::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut foreign_key(
                    CourseCoHosts::Table,
                    CourseCoHosts::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![index(CourseCoHosts::Table, [CourseCoHosts::OrganizationId])],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(CourseSessions::Table)
                .col(pk_uuid(CourseSessions::Id))
                .col(uuid(CourseSessions::CourseId))
                .col(timestamp_with_time_zone(CourseSessions::StartsAt))
                .col(timestamp_with_time_zone(CourseSessions::EndsAt))
                .col(string_null(CourseSessions::Venue))
                .col(boolean(CourseSessions::Online).default(false))
                .col(string_null(CourseSessions::Note))
                .col(timestamp_with_time_zone(CourseSessions::CreatedAt))
                .col(timestamp_with_time_zone(CourseSessions::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    CourseSessions::Table,
                    CourseSessions::CourseId,
                    Courses::Table,
                    Courses::Id,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
            vec![index(
                CourseSessions::Table,
                [CourseSessions::CourseId, CourseSessions::StartsAt],
            )],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(CourseOrganizationSeats::Table)
                .col(uuid(CourseOrganizationSeats::CourseId))
                .col(uuid(CourseOrganizationSeats::OrganizationId))
                .col(integer(CourseOrganizationSeats::SeatsTaken).default(0))
                .primary_key(
                    Index::create()
                        .col(CourseOrganizationSeats::CourseId)
                        .col(CourseOrganizationSeats::OrganizationId),
                )
                .foreign_key(&mut foreign_key(
                    CourseOrganizationSeats::Table,
                    CourseOrganizationSeats::CourseId,
                    Courses::Table,
                    Courses::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    CourseOrganizationSeats::Table,
                    CourseOrganizationSeats::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![index(
                CourseOrganizationSeats::Table,
                [CourseOrganizationSeats::OrganizationId],
            )],
        )
        .await?;

        create_table(
            manager,
            Table::create()
                .table(Enrollments::Table)
                .col(pk_uuid(Enrollments::Id))
                .col(uuid(Enrollments::CourseId))
                .col(uuid(Enrollments::OrganizationId))
                .col(uuid_null(Enrollments::UserId))
                .col(string(Enrollments::ParticipantKey))
                .col(string(Enrollments::ParticipantName))
                .col(string_null(Enrollments::ParticipantDepartment))
                .col(string_len_null(Enrollments::ParticipantJobGrade, 32))
                .col(string_len(Enrollments::Status, 16))
                .col(big_integer_null(Enrollments::WaitlistSeq))
                .col(timestamp_with_time_zone_null(Enrollments::OfferExpiresAt))
                .col(double_null(Enrollments::CompletedHours))
                .col(date_null(Enrollments::CompletedOn))
                .col(uuid_null(Enrollments::EnrolledByUserId))
                .col(timestamp_with_time_zone(Enrollments::CreatedAt))
                .col(timestamp_with_time_zone(Enrollments::UpdatedAt))
                .foreign_key(&mut foreign_key(
                    Enrollments::Table,
                    Enrollments::CourseId,
                    Courses::Table,
                    Courses::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Enrollments::Table,
                    Enrollments::OrganizationId,
                    Organizations::Table,
                    Organizations::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Enrollments::Table,
                    Enrollments::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut foreign_key(
                    Enrollments::Table,
                    Enrollments::EnrolledByUserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
            vec![
                index(Enrollments::Table, [Enrollments::CourseId]),
                index(Enrollments::Table, [Enrollments::OrganizationId]),
                index(Enrollments::Table, [Enrollments::UserId]),
                index(Enrollments::Table, [Enrollments::EnrolledByUserId]),
                index(
                    Enrollments::Table,
                    [
                        Enrollments::CourseId,
                        Enrollments::Status,
                        Enrollments::WaitlistSeq,
                    ],
                ),
                index(
                    Enrollments::Table,
                    [Enrollments::CourseId, Enrollments::ParticipantKey],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            manager,
            [
                Enrollments::Table.into_iden(),
                CourseOrganizationSeats::Table.into_iden(),
                CourseSessions::Table.into_iden(),
                CourseCoHosts::Table.into_iden(),
                Courses::Table.into_iden(),
            ],
        )
        .await
    }
}
