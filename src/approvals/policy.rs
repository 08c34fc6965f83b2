//! Approval policies: amount tiers mapped to ordered steps, one policy per kind of subject.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::{Role, Viewer};
use crate::state::AppState;
use entity::approval_tier::{self, Entity as Tiers};

crate::string_enum! {
    /// Who decides a step.
    ApproverRole {
        /// The manager of the submitter's team (an admin when the team has none).
        SalesManager => "SALES_MANAGER",
        /// Any finance user.
        Finance => "FINANCE",
        /// Any admin.
        Admin => "ADMIN",
    }
}

crate::string_enum! {
    /// What a policy approves.
    ApprovalSubjectKind {
        /// Contracts before signing.
        Contract => "CONTRACT",
        /// Waivers of installment amounts.
        Waiver => "WAIVER",
        /// Quotes discounted beyond what is allowed; tier minimums are discount percents.
        Quote => "QUOTE",
        /// Amendments of signed contracts: the contract policy on the amended amount, always
        /// with the manager step.
        ContractAmendment => "CONTRACT_AMENDMENT",
        /// Refunds of customers' money.
        Refund => "REFUND",
    }
}

impl ApprovalSubjectKind {
    /// The kind whose tiers decide: amendments follow the contract policy.
    pub fn policy_kind(self) -> Self {
        match self {
            Self::ContractAmendment => Self::Contract,
            other => other,
        }
    }
}

/// The steps a request of `kind` for `amount_minor` needs under `tiers` (the tiers of its
/// [`ApprovalSubjectKind::policy_kind`]): an amendment always has the manager step first.
pub fn steps_of_kind(
    kind: ApprovalSubjectKind,
    tiers: &[Tier],
    amount_minor: i64,
) -> Vec<ApproverRole> {
    let mut steps = steps_for(tiers, amount_minor);
    if kind == ApprovalSubjectKind::ContractAmendment
        && !steps.contains(&ApproverRole::SalesManager)
    {
        steps.insert(0, ApproverRole::SalesManager);
    }
    steps
}

/// From `min_amount_minor` (inclusive) up to the next tier, these roles decide in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tier {
    pub min_amount_minor: i64,
    pub steps: Vec<ApproverRole>,
}

/// The steps an amount requires: those of the highest tier whose minimum it reaches.
pub fn steps_for(tiers: &[Tier], amount_minor: i64) -> Vec<ApproverRole> {
    tiers
        .iter()
        .filter(|tier| tier.min_amount_minor <= amount_minor)
        .max_by_key(|tier| tier.min_amount_minor)
        .map(|tier| tier.steps.clone())
        .unwrap_or_default()
}

/// Checks a whole policy: tiers start at zero, minimums strictly increase, each tier has one
/// to five distinct steps. Errors: `BAD_USER_INPUT` on the offending tier.
pub fn validate(tiers: &[Tier]) -> AppResult<()> {
    if tiers.first().map(|t| t.min_amount_minor) != Some(0) {
        return Err(AppError::bad_input(
            "input.tiers",
            "The first tier starts at 0",
        ));
    }
    for (i, tier) in tiers.iter().enumerate() {
        if i > 0 && tier.min_amount_minor <= tiers[i - 1].min_amount_minor {
            return Err(AppError::bad_input(
                format!("input.tiers.{i}.minAmount"),
                "Tier minimums strictly increase",
            ));
        }
        let distinct = tier
            .steps
            .iter()
            .enumerate()
            .all(|(j, role)| !tier.steps[..j].contains(role));
        if tier.steps.is_empty() || tier.steps.len() > 5 || !distinct {
            return Err(AppError::bad_input(
                format!("input.tiers.{i}.steps"),
                "A tier has one to five distinct steps",
            ));
        }
    }
    Ok(())
}

fn tier_of(model: approval_tier::Model) -> AppResult<Tier> {
    let steps = model
        .steps
        .split(',')
        .map(|role| ApproverRole::parse(role.trim()).ok_or_else(AppError::internal))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Tier {
        min_amount_minor: model.min_amount_minor,
        steps,
    })
}

/// The policy of a kind of subject, lowest tier first.
pub async fn tiers(db: &impl ConnectionTrait, kind: ApprovalSubjectKind) -> AppResult<Vec<Tier>> {
    Tiers::find()
        .filter(approval_tier::Column::SubjectKind.eq(kind.policy_kind().as_str()))
        .order_by_asc(approval_tier::Column::MinAmountMinor)
        .all(db)
        .await?
        .into_iter()
        .map(tier_of)
        .collect()
}

/// Replaces a policy (admins). Requests already submitted keep the steps they were given.
/// Errors: `FORBIDDEN`, `BAD_USER_INPUT`.
pub async fn replace(
    state: &AppState,
    viewer: &Viewer,
    kind: ApprovalSubjectKind,
    new: Vec<Tier>,
) -> AppResult<Vec<Tier>> {
    if viewer.role != Role::Admin {
        return Err(AppError::forbidden());
    }
    if kind.policy_kind() != kind {
        return Err(AppError::bad_input(
            "input.kind",
            "Amendments follow the contract policy: change that one",
        ));
    }
    validate(&new)?;
    let now = state.clock.now();
    let txn = crate::db::begin_write(&state.db).await?;
    Tiers::delete_many()
        .filter(approval_tier::Column::SubjectKind.eq(kind.as_str()))
        .exec(&txn)
        .await?;
    for tier in &new {
        let steps: Vec<&str> = tier.steps.iter().map(|r| r.as_str()).collect();
        approval_tier::ActiveModel {
            id: Set(Uuid::now_v7()),
            subject_kind: Set(kind.as_str().to_owned()),
            min_amount_minor: Set(tier.min_amount_minor),
            steps: Set(steps.join(",")),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    let audit: Vec<_> = new
        .iter()
        .map(|t| {
            serde_json::json!({
                "minAmountMinor": t.min_amount_minor,
                "steps": t.steps.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    crate::audit::Entry {
        actor_id: Some(viewer.user_id),
        action: "approval_policy.replaced",
        subject_type: "ApprovalPolicy",
        subject_id: Uuid::nil(),
        details: serde_json::json!({"kind": kind.as_str(), "tiers": audit}),
    }
    .record(&txn, now)
    .await?;
    let stored = tiers(&txn, kind).await?;
    txn.commit().await?;
    Ok(stored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApproverRole::*;

    fn defaults() -> Vec<Tier> {
        vec![
            Tier {
                min_amount_minor: 0,
                steps: vec![SalesManager],
            },
            Tier {
                min_amount_minor: 10_000_000,
                steps: vec![SalesManager, Finance],
            },
            Tier {
                min_amount_minor: 100_000_000,
                steps: vec![SalesManager, Finance, Admin],
            },
        ]
    }

    #[test]
    fn each_threshold_belongs_to_the_tier_it_starts() {
        let tiers = defaults();
        assert_eq!(steps_for(&tiers, 1), vec![SalesManager]);
        assert_eq!(steps_for(&tiers, 9_999_999), vec![SalesManager]);
        assert_eq!(steps_for(&tiers, 10_000_000), vec![SalesManager, Finance]);
        assert_eq!(steps_for(&tiers, 99_999_999), vec![SalesManager, Finance]);
        assert_eq!(
            steps_for(&tiers, 100_000_000),
            vec![SalesManager, Finance, Admin]
        );
    }

    #[test]
    fn an_amendment_always_passes_the_manager() {
        let finance_only = vec![Tier {
            min_amount_minor: 0,
            steps: vec![Finance],
        }];
        assert_eq!(
            steps_of_kind(ApprovalSubjectKind::ContractAmendment, &finance_only, 5),
            vec![SalesManager, Finance]
        );
        assert_eq!(
            steps_of_kind(ApprovalSubjectKind::Contract, &finance_only, 5),
            vec![Finance]
        );
        assert_eq!(
            steps_of_kind(
                ApprovalSubjectKind::ContractAmendment,
                &defaults(),
                100_000_000
            ),
            vec![SalesManager, Finance, Admin]
        );
    }

    #[test]
    fn a_policy_starts_at_zero_rises_strictly_and_has_sensible_steps() {
        assert!(validate(&defaults()).is_ok());
        let mut late_start = defaults();
        late_start[0].min_amount_minor = 1;
        assert_eq!(
            validate(&late_start).unwrap_err().field.as_deref(),
            Some("input.tiers")
        );
        let mut flat = defaults();
        flat[2].min_amount_minor = flat[1].min_amount_minor;
        assert_eq!(
            validate(&flat).unwrap_err().field.as_deref(),
            Some("input.tiers.2.minAmount")
        );
        let mut twice = defaults();
        twice[1].steps = vec![Finance, Finance];
        assert_eq!(
            validate(&twice).unwrap_err().field.as_deref(),
            Some("input.tiers.1.steps")
        );
        let mut empty = defaults();
        empty[0].steps.clear();
        assert!(validate(&empty).is_err());
    }
}
