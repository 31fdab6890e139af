//! GraphQL types and queries of the organisation directory. Resolvers stay thin: they check
//! arguments through the area's rules and load nested fields through the dataloader.

use async_graphql::connection::Connection;
use async_graphql::{ComplexObject, Context, ID, InputObject, Object, SimpleObject};
use entity::enums::{CouncilKind, CouncilMemberRole, OrganizationKind};
use entity::{council, council_member, organization};

use super::loaders::{
    CouncilId, CouncilsOf, MembersOf, MunicipalitiesOf, OrganizationId, SubgroupsOf,
};
use super::{OrgCode, OrganizationFilter};
use crate::error::AppError;
use crate::graphql::pagination::{self, PageArgs, TotalCount};
use crate::graphql::scalars::Date;
use crate::graphql::{ids, state};

/// A local government (prefecture, city, town, village, special ward) or another body that
/// takes part (the platform operator, partner organisations).
#[derive(Clone, Debug)]
pub struct Organization(pub organization::Model);

/// 団体: a local government or another participating body.
#[Object]
impl Organization {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Organization", self.0.id)
    }
    /// 全国地方公共団体コード: the 6-digit local government code (check digit included), or an
    /// operator-assigned code (capital letters) for bodies that are not local governments.
    async fn code(&self) -> &str {
        &self.0.code
    }
    /// Name as written, e.g. 金沢市.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Reading in full-width katakana, e.g. カナザワシ.
    async fn name_kana(&self) -> &str {
        &self.0.name_kana
    }
    async fn kind(&self) -> OrganizationKind {
        self.0.kind
    }
    /// Population, where the reference material gives it.
    async fn population(&self) -> Option<i64> {
        self.0.population
    }
    /// The date the population figure refers to, when known.
    async fn population_as_of(&self) -> Option<Date> {
        self.0.population_as_of.map(Date)
    }
    /// The prefecture a municipality belongs to (null for prefectures and national bodies).
    async fn prefecture(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, self.0.prefecture_id).await
    }
    /// The municipalities of a prefecture, by code (empty for other kinds).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn municipalities(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Organization, TotalCount>> {
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .parse::<String>()?;
        let all = if self.0.kind == OrganizationKind::Prefecture {
            state(ctx)
                .directory
                .load_one(MunicipalitiesOf(self.0.id))
                .await
                .map_err(AppError::from)?
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let total = TotalCount::known(all.len() as u64);
        let page = pagination::page_in_memory(all, |o| o.code.clone(), &request);
        Ok(pagination::into_connection(page, total, Organization))
    }
    /// The councils this organisation is a member of.
    async fn councils(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Council>> {
        let found = state(ctx)
            .directory
            .load_one(CouncilsOf(self.0.id))
            .await
            .map_err(AppError::from)?;
        Ok(found.unwrap_or_default().into_iter().map(Council).collect())
    }
}

/// 協議会: a group of organisations that work together; subcommittees (分科会) and working
/// groups are councils with a parent.
#[derive(Clone, Debug)]
pub struct Council(pub council::Model);

#[Object]
impl Council {
    /// Global id.
    pub async fn id(&self) -> ID {
        ids::encode("Council", self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    async fn kind(&self) -> CouncilKind {
        self.0.kind
    }
    /// The council this one is a subcommittee or working group of.
    async fn parent(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Council>> {
        council_by_id(ctx, self.0.parent_id).await
    }
    /// Subcommittees and working groups of this council.
    async fn subgroups(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Council>> {
        let found = state(ctx)
            .directory
            .load_one(SubgroupsOf(self.0.id))
            .await
            .map_err(AppError::from)?;
        Ok(found.unwrap_or_default().into_iter().map(Council).collect())
    }
    /// The organisation that runs the council's secretariat (null where not known).
    async fn secretariat(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Organization>> {
        organization_by_id(ctx, self.0.secretariat_organization_id).await
    }
    /// Member organisations, by code.
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CouncilMember>> {
        let found = state(ctx)
            .directory
            .load_one(MembersOf(self.0.id))
            .await
            .map_err(AppError::from)?;
        Ok(found
            .unwrap_or_default()
            .into_iter()
            .map(|(member, organization)| CouncilMember {
                member,
                organization: Organization(organization),
            })
            .collect())
    }
}

/// An organisation's membership of a council.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct CouncilMember {
    #[graphql(skip)]
    member: council_member::Model,
    organization: Organization,
}

#[ComplexObject]
impl CouncilMember {
    async fn role(&self) -> CouncilMemberRole {
        self.member.role
    }
}

/// The organisation with this id (null for none), through the request's directory loader:
/// for any area's field that names an organisation.
pub async fn organization_by_id(
    ctx: &Context<'_>,
    id: Option<uuid::Uuid>,
) -> async_graphql::Result<Option<Organization>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let found = state(ctx)
        .directory
        .load_one(OrganizationId(id))
        .await
        .map_err(AppError::from)?;
    Ok(found.map(Organization))
}

/// The council with this id (null for none), through the request's directory loader.
pub async fn council_by_id(
    ctx: &Context<'_>,
    id: Option<uuid::Uuid>,
) -> async_graphql::Result<Option<Council>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let found = state(ctx)
        .directory
        .load_one(CouncilId(id))
        .await
        .map_err(AppError::from)?;
    Ok(found.map(Council))
}

/// Filter of `organizations`.
#[derive(InputObject, Default)]
pub struct OrganizationFilterInput {
    /// Only organisations of this kind. Without it, local governments of every kind (national
    /// and partner bodies are listed only when asked for by kind).
    kind: Option<OrganizationKind>,
    /// Only this prefecture and its municipalities (a municipality's code selects its
    /// prefecture).
    prefecture_code: Option<String>,
    /// Name or reading, in kanji, hiragana, katakana or half-width katakana.
    search: Option<String>,
    /// Only organisations with at least this population (those without a figure are left out).
    population_min: Option<i64>,
    /// Only organisations with at most this population (those without a figure are left out).
    population_max: Option<i64>,
}

#[derive(Default)]
pub struct OrganizationsQuery;

#[Object]
impl OrganizationsQuery {
    /// One organisation by its code; a malformed code or a wrong check digit is a
    /// `VALIDATION` error, an unknown one gives null.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        code: String,
    ) -> async_graphql::Result<Option<Organization>> {
        let code = OrgCode::parse("code", &code)?;
        Ok(super::find_by_code(&state(ctx).db, &code)
            .await?
            .map(Organization))
    }

    /// Organisations, ordered by code.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        filter: Option<OrganizationFilterInput>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Organization, TotalCount>> {
        let f = filter.unwrap_or_default();
        let filter = OrganizationFilter::parse(
            f.kind,
            f.prefecture_code.as_deref(),
            f.search.as_deref(),
            f.population_min,
            f.population_max,
        )?;
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .parse::<String>()?;
        let select = filter.select();
        let page = pagination::fetch_page(
            &state(ctx).db,
            select.clone(),
            organization::Column::Code,
            |o| o.code.clone(),
            &request,
        )
        .await?;
        Ok(pagination::into_connection(
            page,
            TotalCount::of(select),
            Organization,
        ))
    }

    /// One council by id; null when there is none.
    async fn council(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Option<Council>> {
        let id = ids::decode("id", "Council", &id)?;
        Ok(super::find_council(&state(ctx).db, id).await?.map(Council))
    }

    /// Councils, subcommittees and working groups, oldest first.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn councils(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<Connection<String, Council, TotalCount>> {
        let request = PageArgs {
            first,
            after,
            last,
            before,
        }
        .parse::<uuid::Uuid>()?;
        let select = super::councils_select();
        let page = pagination::fetch_page(
            &state(ctx).db,
            select.clone(),
            council::Column::Id,
            |c| c.id,
            &request,
        )
        .await?;
        Ok(pagination::into_connection(
            page,
            TotalCount::of(select),
            Council,
        ))
    }
}
