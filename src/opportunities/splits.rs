//! Revenue splits: who is credited with a deal and how much (shares summing to 100%, the owner's
//! unless split), and the credit each holder gets; and overlay credit for supporting people,
//! on top of the revenue (each at most 100%), reported apart and never added into it.

use super::access::{load, opportunity_for_change, require_seller};
use crate::error::{AppError, AppResult};
use crate::idempotency::{self, IdempotentCall};
use crate::identity::{Role, Viewer};
use crate::money::Money;
use crate::state::AppState;
use entity::opportunity::{self, Entity as Opportunities};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

/// The kind of a split that shares the deal's revenue.
pub const REVENUE: &str = "REVENUE";
/// The kind of a split that credits a supporting person on top of the revenue.
pub const OVERLAY: &str = "OVERLAY";

/// One member's share of a deal, in percent.
#[derive(Debug, Clone)]
pub struct SplitSpec {
    pub user_id: Uuid,
    pub percent: rust_decimal::Decimal,
}

/// A share as basis points (above 0, at most 100%, two decimals). Errors: `BAD_USER_INPUT` on
/// `field`.
fn basis_points(percent: rust_decimal::Decimal, field: String) -> AppResult<i32> {
    let basis = (percent * rust_decimal::Decimal::ONE_HUNDRED).normalize();
    i32::try_from(basis.mantissa())
        .ok()
        .filter(|b| basis.scale() == 0 && *b > 0 && *b <= 10_000)
        .ok_or_else(|| {
            AppError::bad_input(
                field,
                "A share is above 0 and at most 100, with at most two decimals",
            )
        })
}

/// Replaces a deal's revenue splits (shares summing to exactly 100%) and, when given, its
/// overlays (each above 0 and at most 100%, for people without a revenue share; `None` keeps
/// them). The owner, their managers and admins may set them. Errors: `FORBIDDEN`,
/// `NOT_FOUND`, `BAD_USER_INPUT`, `CONFLICT`.
pub async fn set_splits(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    expected_version: i32,
    specs: Vec<SplitSpec>,
    overlays: Option<Vec<SplitSpec>>,
    idempotency_key: Option<String>,
) -> AppResult<opportunity::Model> {
    require_seller(viewer)?;
    let mut shares = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let basis = basis_points(spec.percent, format!("input.splits.{i}.percent"))?;
        if specs[..i]
            .iter()
            .any(|earlier| earlier.user_id == spec.user_id)
        {
            return Err(AppError::bad_input(
                format!("input.splits.{i}.userId"),
                "Each member appears once",
            ));
        }
        shares.push((spec.user_id, basis));
    }
    if shares.iter().map(|(_, b)| i64::from(*b)).sum::<i64>() != 10_000 {
        return Err(AppError::bad_input(
            "input.splits",
            "Shares must sum to exactly 100",
        ));
    }
    let mut extra = Vec::new();
    for (i, spec) in overlays.iter().flatten().enumerate() {
        let basis = basis_points(spec.percent, format!("input.overlays.{i}.percent"))?;
        let twice = extra.iter().any(|(u, _)| *u == spec.user_id);
        if twice || shares.iter().any(|(u, _)| *u == spec.user_id) {
            return Err(AppError::bad_input(
                format!("input.overlays.{i}.userId"),
                "An overlay goes to someone without a share of the deal, once",
            ));
        }
        extra.push((spec.user_id, basis));
    }
    if extra.len() > 20 {
        return Err(AppError::bad_input(
            "input.overlays",
            "At most 20 overlays per deal",
        ));
    }
    let overlays = overlays.map(|_| extra);
    let now = state.clock.now();
    let call = IdempotentCall::new(
        viewer.user_id,
        "setOpportunitySplits",
        idempotency_key,
        &format!("{:?}", (id, expected_version, &shares, &overlays)),
    )?;
    idempotency::run(&state.db, &call, now, async |txn| {
        let current = opportunity_for_change(txn, viewer, id).await?;
        crate::versioned::check(expected_version, current.version)?;
        let members = shares
            .iter()
            .enumerate()
            .map(|(i, (user, _))| (format!("input.splits.{i}.userId"), *user))
            .chain(
                overlays
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, (user, _))| (format!("input.overlays.{i}.userId"), *user)),
            );
        for (field, user_id) in members {
            let member = entity::user::Entity::find_by_id(user_id).one(txn).await?;
            let eligible = member.is_some_and(|m| {
                m.active
                    && (m.role == Role::SalesRep.as_str() || m.role == Role::SalesManager.as_str())
            });
            if !eligible {
                return Err(AppError::bad_input(
                    field,
                    "Splits go to active sales reps and managers",
                ));
            }
        }
        let former: Vec<(Uuid, String)> = entity::opportunity_split::Entity::find()
            .select_only()
            .column(entity::opportunity_split::Column::UserId)
            .column(entity::opportunity_split::Column::Kind)
            .filter(entity::opportunity_split::Column::OpportunityId.eq(id))
            .into_tuple()
            .all(txn)
            .await?;
        // Kept overlays stay as they are.
        let kept: Vec<(Uuid, i32)> = match &overlays {
            Some(_) => Vec::new(),
            None => entity::opportunity_split::Entity::find()
                .filter(entity::opportunity_split::Column::OpportunityId.eq(id))
                .filter(entity::opportunity_split::Column::Kind.eq(OVERLAY))
                .all(txn)
                .await?
                .into_iter()
                .filter(|o| !shares.iter().any(|(u, _)| *u == o.user_id))
                .map(|o| (o.user_id, o.share_basis_points))
                .collect(),
        };
        let overlays = overlays.unwrap_or(kept);
        for (holder, _) in former.into_iter().filter(|(h, _)| {
            !shares.iter().any(|(u, _)| u == h) && !overlays.iter().any(|(u, _)| u == h)
        }) {
            let kind = crate::sync::Kind::Opportunity;
            crate::sync::link_ended(txn, kind, id, Some(holder), now).await?;
        }
        entity::opportunity_split::Entity::delete_many()
            .filter(entity::opportunity_split::Column::OpportunityId.eq(id))
            .exec(txn)
            .await?;
        let rows = shares
            .iter()
            .map(|s| (s, REVENUE))
            .chain(overlays.iter().map(|o| (o, OVERLAY)));
        for ((user_id, basis), kind) in rows {
            entity::opportunity_split::ActiveModel {
                opportunity_id: Set(id),
                user_id: Set(*user_id),
                share_basis_points: Set(*basis),
                kind: Set(kind.to_owned()),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
        let bump = opportunity::ActiveModel {
            id: Set(id),
            ..Default::default()
        };
        let target = crate::versioned::Target::new(id, expected_version, current.version);
        crate::versioned::write::<Opportunities>(txn, target, bump, now).await?;
        let audit: Vec<_> = shares
            .iter()
            .map(|(user, basis)| serde_json::json!({"userId": user, "basisPoints": basis}))
            .chain(overlays.iter().map(|(user, basis)| {
                serde_json::json!({"userId": user, "basisPoints": basis, "kind": OVERLAY})
            }))
            .collect();
        crate::audit::Entry {
            actor_id: Some(viewer.user_id),
            action: "opportunity.splits_set",
            subject_type: "Opportunity",
            subject_id: id,
            details: serde_json::json!({"splits": audit}),
        }
        .record(txn, now)
        .await?;
        Ok(id)
    })
    .await?;
    load(&state.db, id).await
}

/// Revenue splits of deals (for loaders under visible deals).
pub async fn splits_of(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> AppResult<Vec<entity::opportunity_split::Model>> {
    Ok(entity::opportunity_split::Entity::find()
        .filter(entity::opportunity_split::Column::OpportunityId.is_in(ids.to_vec()))
        .order_by_desc(entity::opportunity_split::Column::ShareBasisPoints)
        .order_by_asc(entity::opportunity_split::Column::UserId)
        .all(db)
        .await?)
}

/// Credited and weighted amounts per member: explicit revenue splits, or 100% to the owner.
/// Each column sums exactly to the deal's amount (weighted amount), the remainder going to the
/// last member. Overlays among `splits` are left out.
pub fn credits(
    owner: Uuid,
    amount: Money,
    weighted_amount: Money,
    splits: &[entity::opportunity_split::Model],
) -> Vec<(Uuid, rust_decimal::Decimal, Money, Money)> {
    let splits: Vec<&entity::opportunity_split::Model> =
        splits.iter().filter(|s| s.kind == REVENUE).collect();
    let members: Vec<(Uuid, rust_decimal::Decimal)> = if splits.is_empty() {
        vec![(owner, rust_decimal::Decimal::new(10_000, 2))]
    } else {
        splits
            .iter()
            .map(|s| {
                (
                    s.user_id,
                    rust_decimal::Decimal::new(i64::from(s.share_basis_points), 2),
                )
            })
            .collect()
    };
    let percents: Vec<rust_decimal::Decimal> = members.iter().map(|(_, p)| *p).collect();
    let credited = amount
        .split_by_percent(&percents)
        .unwrap_or_else(|| vec![amount]);
    let weighted = weighted_amount
        .split_by_percent(&percents)
        .unwrap_or_else(|| vec![weighted_amount]);
    members
        .into_iter()
        .zip(credited.into_iter().zip(weighted))
        .map(|((user, percent), (credit, weight))| (user, percent, credit, weight))
        .collect()
}

/// Overlay credit per supporting person: the amount and weighted amount times their share,
/// each rounded half-up to the cent on its own (overlays do not share out the deal).
pub fn overlay_credits(
    amount: Money,
    weighted_amount: Money,
    splits: &[entity::opportunity_split::Model],
) -> Vec<(Uuid, rust_decimal::Decimal, Money, Money)> {
    let part = |money: Money, basis: i32| {
        Money::round_half_up(
            money.to_decimal() * rust_decimal::Decimal::from(basis)
                / rust_decimal::Decimal::from(10_000),
        )
        .unwrap_or(Money::ZERO)
    };
    splits
        .iter()
        .filter(|s| s.kind == OVERLAY)
        .map(|s| {
            (
                s.user_id,
                rust_decimal::Decimal::new(i64::from(s.share_basis_points), 2),
                part(amount, s.share_basis_points),
                part(weighted_amount, s.share_basis_points),
            )
        })
        .collect()
}

/// The giver's revenue share of each of `deals` goes to the receiver (added to theirs when they
/// had one; replacing an overlay they had); the giver's overlays stay theirs.
pub(crate) async fn hand_over_shares(
    txn: &impl ConnectionTrait,
    deals: &[Uuid],
    from: Uuid,
    to: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    let rows = entity::opportunity_split::Entity::find()
        .filter(entity::opportunity_split::Column::OpportunityId.is_in(deals.to_vec()))
        .filter(entity::opportunity_split::Column::UserId.is_in([from, to]))
        .all(txn)
        .await?;
    let split_deals: std::collections::BTreeSet<Uuid> = rows
        .iter()
        .filter(|r| r.user_id == from && r.kind == REVENUE)
        .map(|r| r.opportunity_id)
        .collect();
    for deal in split_deals {
        let Some(giver) = rows
            .iter()
            .find(|r| r.opportunity_id == deal && r.user_id == from && r.kind == REVENUE)
        else {
            continue;
        };
        let held = rows
            .iter()
            .find(|r| r.opportunity_id == deal && r.user_id == to)
            .filter(|r| r.kind == REVENUE)
            .map_or(0, |r| r.share_basis_points);
        entity::opportunity_split::Entity::delete_many()
            .filter(entity::opportunity_split::Column::OpportunityId.eq(deal))
            .filter(entity::opportunity_split::Column::UserId.is_in([from, to]))
            .exec(txn)
            .await?;
        entity::opportunity_split::ActiveModel {
            opportunity_id: Set(deal),
            user_id: Set(to),
            share_basis_points: Set(held + giver.share_basis_points),
            kind: Set(REVENUE.to_owned()),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
