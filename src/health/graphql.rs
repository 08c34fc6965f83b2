//! Resolvers of customer health: its rules, pinning grades and setting influence.

use async_graphql::{Context, Object};

use super::types::{
    CustomerHealthRules, PinCustomerGradeInput, PinCustomerGradePayload, SetCustomerInfluenceInput,
    SetCustomerInfluencePayload, UnpinCustomerGradeInput, UnpinCustomerGradePayload,
    UpdateCustomerHealthRulesInput, UpdateCustomerHealthRulesPayload,
};
use crate::customers::grading;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::{ADMIN, SignedIn};
use crate::ids::{NodeType, decode_id};

#[derive(Default)]
pub struct HealthQuery;

#[Object]
impl HealthQuery {
    /// How customer health and grades are computed, and the influence picklist.
    #[graphql(guard = "SignedIn")]
    async fn customer_health_rules(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<CustomerHealthRules> {
        ctx.viewer()?;
        Ok(super::store::rules(&ctx.app().db).await?.into())
    }
}

#[derive(Default)]
pub struct HealthMutation;

#[Object]
impl HealthMutation {
    /// Replaces the health weights, parameters, thresholds and influence picklist (admins).
    #[graphql(guard = "ADMIN")]
    async fn update_customer_health_rules(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UpdateCustomerHealthRulesInput`.")]
        input: UpdateCustomerHealthRulesInput,
    ) -> async_graphql::Result<UpdateCustomerHealthRulesPayload> {
        let viewer = ctx.viewer()?;
        let rules = input.rules.into_rules()?;
        let rules = super::store::update_rules(ctx.app(), viewer, rules).await?;
        Ok(UpdateCustomerHealthRulesPayload {
            rules: rules.into(),
        })
    }

    /// Pins a customer's grade over the computed one, with a reason (admins, and managers of
    /// the customer's owner); the owner is told.
    #[graphql(guard = "SignedIn")]
    async fn pin_customer_grade(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `PinCustomerGradeInput`.")]
        input: PinCustomerGradeInput,
    ) -> async_graphql::Result<PinCustomerGradePayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Customer, "input.id")?;
        let saved =
            grading::pin_grade(ctx.app(), viewer, id, input.grade.as_str(), &input.reason).await?;
        Ok(PinCustomerGradePayload {
            customer: saved.into(),
        })
    }

    /// Lets a customer's grade follow its health again (admins, and managers of the
    /// customer's owner).
    #[graphql(guard = "SignedIn")]
    async fn unpin_customer_grade(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `UnpinCustomerGradeInput`.")]
        input: UnpinCustomerGradeInput,
    ) -> async_graphql::Result<UnpinCustomerGradePayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Customer, "input.id")?;
        let saved = grading::unpin_grade(ctx.app(), viewer, id, input.reason.as_deref()).await?;
        Ok(UnpinCustomerGradePayload {
            customer: saved.into(),
        })
    }

    /// Sets or clears a customer's influence level (sellers who may change the customer).
    #[graphql(guard = "SignedIn")]
    async fn set_customer_influence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SetCustomerInfluenceInput`.")]
        input: SetCustomerInfluenceInput,
    ) -> async_graphql::Result<SetCustomerInfluencePayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.id, NodeType::Customer, "input.id")?;
        let rules = super::store::rules(&ctx.app().db).await?;
        let keys: Vec<&str> = rules
            .influence_levels
            .iter()
            .map(|l| l.key.as_str())
            .collect();
        let saved =
            grading::set_influence(ctx.app(), viewer, id, input.influence.as_deref(), &keys)
                .await?;
        Ok(SetCustomerInfluencePayload {
            customer: saved.into(),
        })
    }
}
