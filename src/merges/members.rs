//! Campaign memberships of merged records: a campaign holds a contact or lead once, so the
//! memberships of merged records in campaigns the survivor (or an earlier merged record) is
//! in already are removed before the rest move, and come back on undo.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::error::AppResult;
use entity::campaign_member::{self, Column, Entity as Members};

/// Whose memberships: contacts' or leads'.
#[derive(Debug, Clone, Copy)]
pub enum Holder {
    Contact,
    Lead,
}

impl Holder {
    fn column(self) -> Column {
        match self {
            Self::Contact => Column::ContactId,
            Self::Lead => Column::LeadId,
        }
    }
}

/// Removes the memberships of `merged` that would repeat a campaign once they all name the
/// survivor; the rows removed.
pub async fn drop_repeats(
    txn: &impl ConnectionTrait,
    holder: Holder,
    survivor: Uuid,
    merged: &[Uuid],
) -> AppResult<Vec<campaign_member::Model>> {
    let mut campaigns: BTreeSet<Uuid> = Members::find()
        .filter(holder.column().eq(survivor))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.campaign_id)
        .collect();
    let theirs = Members::find()
        .filter(holder.column().is_in(merged.to_vec()))
        .order_by_asc(Column::Id)
        .all(txn)
        .await?;
    let mut dropped = Vec::new();
    for member in theirs {
        if !campaigns.insert(member.campaign_id) {
            dropped.push(member);
        }
    }
    if !dropped.is_empty() {
        Members::delete_many()
            .filter(Column::Id.is_in(dropped.iter().map(|m| m.id)))
            .exec(txn)
            .await?;
    }
    Ok(dropped)
}

/// Puts removed memberships back (after the others moved back).
pub async fn put_back(
    txn: &impl ConnectionTrait,
    dropped: &[campaign_member::Model],
) -> AppResult<()> {
    for member in dropped {
        campaign_member::ActiveModel::from(member.clone())
            .reset_all()
            .insert(txn)
            .await?;
    }
    Ok(())
}
