//! Role guards: the first of the two authorization checks (row scope in services is the second).

use async_graphql::{Context, Guard};

use crate::error::AppError;
use crate::identity::Role;

use super::context::ContextExt;

/// Lets through only authenticated callers holding one of the roles.
#[derive(Debug)]
pub struct RoleGuard(&'static [Role]);

impl RoleGuard {
    pub const fn new(roles: &'static [Role]) -> Self {
        Self(roles)
    }
}

impl Guard for RoleGuard {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let viewer = ctx.viewer()?;
        if self.0.contains(&viewer.role) {
            Ok(())
        } else {
            Err(AppError::forbidden().into())
        }
    }
}

/// Lets through any authenticated caller.
#[derive(Debug)]
pub struct SignedIn;

impl Guard for SignedIn {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        ctx.viewer()?;
        Ok(())
    }
}

pub const ADMIN: RoleGuard = RoleGuard::new(&[Role::Admin]);
/// Campaign money (budgets, costs, returns): managers, finance and admins.
pub const CAMPAIGN_MONEY: RoleGuard =
    RoleGuard::new(&[Role::Admin, Role::SalesManager, Role::Finance]);
/// The sales numbers (forecasts, targets, funnels, performance, receivables reports): everyone
/// but customer service, who works the after-sales records and never a seller's numbers.
pub const SALES_NUMBERS: RoleGuard = RoleGuard::new(&[
    Role::Admin,
    Role::SalesManager,
    Role::SalesRep,
    Role::Finance,
]);
