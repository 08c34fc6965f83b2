//! The GraphQL type of a member's credit for a deal: a revenue share (the shares sum to the
//! deal) or an overlay (credit on top, reported apart).

use async_graphql::{ComplexObject, Context, SimpleObject};

use super::loaders::SplitsByOpportunity;
use super::service;
use super::types::Opportunity;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Decimal;
use crate::money::Money;
use crate::users::loaders::UserLoader;
use crate::users::types::User;

/// One member's share of a deal.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct RevenueSplit {
    /// Share in percent.
    pub percent: Decimal,
    /// The member's part of the amount; revenue parts sum exactly to the amount, an overlay
    /// is the amount times its share.
    pub credited_amount: Decimal,
    /// The member's part of the weighted amount, the same way.
    pub weighted_amount: Decimal,
    #[graphql(skip)]
    pub user_id: uuid::Uuid,
}

#[ComplexObject]
impl RevenueSplit {
    /// The credited member.
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(self.user_id)
            .await?
            .map(User::from))
    }
}

/// The revenue shares (or, with `overlay`, the overlays) of a deal, through the request's
/// loader.
pub(super) async fn credited(
    ctx: &Context<'_>,
    deal: &Opportunity,
    overlay: bool,
) -> async_graphql::Result<Vec<RevenueSplit>> {
    let splits = ctx
        .loader::<SplitsByOpportunity>()?
        .load_one(deal.model.id)
        .await?
        .unwrap_or_default();
    if overlay && splits.iter().all(|s| s.kind != super::splits::OVERLAY) {
        return Ok(Vec::new());
    }
    let probability = deal.probability(ctx).await?;
    let amount = Money::from_minor(deal.model.amount_minor);
    let weighted = service::weighted(amount, probability);
    let credits = if overlay {
        super::splits::overlay_credits(amount, weighted, &splits)
    } else {
        service::credits(deal.model.owner_id, amount, weighted, &splits)
    };
    Ok(credits
        .into_iter()
        .map(|(user_id, percent, credited, weighted)| RevenueSplit {
            user_id,
            percent: Decimal(percent),
            credited_amount: Decimal(credited.to_decimal()),
            weighted_amount: Decimal(weighted.to_decimal()),
        })
        .collect())
}
