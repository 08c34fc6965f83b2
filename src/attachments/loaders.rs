//! Batch loaders of attachments and of the records they are on.

use std::collections::HashMap;

use async_graphql::Context;
use async_graphql::dataloader::Loader;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::model::{AttachmentSubjectType as Subject, CHECK_IN, READY};
use super::types::{Attachment, AttachmentSubject};
use crate::error::AppError;
use crate::graphql::batch;
use crate::graphql::context::ContextExt;
use entity::{attachment, follow_up};

/// The photos given at check-in as on-site proof, of many visits in one query.
pub struct CheckInPhotosByVisit(pub DatabaseConnection);

impl Loader<Uuid> for CheckInPhotosByVisit {
    type Value = Vec<attachment::Model>;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let found = attachment::Entity::find()
            .filter(attachment::Column::SubjectId.is_in(keys.to_vec()))
            .filter(attachment::Column::SubjectType.eq(Subject::Visit.as_str()))
            .filter(attachment::Column::Purpose.eq(CHECK_IN))
            .filter(attachment::Column::Status.eq(READY))
            .order_by_asc(attachment::Column::Id)
            .all(&self.0)
            .await?;
        Ok(batch::grouped(found, |a| a.subject_id))
    }
}

/// Follow-ups by id. Only for the record of an attachment already shown to the viewer, whose
/// visibility was checked with it.
pub struct FollowUpLoader(pub DatabaseConnection);

impl Loader<Uuid> for FollowUpLoader {
    type Value = follow_up::Model;
    type Error = AppError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let found = follow_up::Entity::find()
            .filter(follow_up::Column::Id.is_in(keys.to_vec()))
            .all(&self.0)
            .await?;
        Ok(batch::keyed(found, |f| f.id))
    }
}

/// The check-in photos of a visit.
pub async fn check_in_photos(
    ctx: &Context<'_>,
    visit: Uuid,
) -> async_graphql::Result<Vec<Attachment>> {
    Ok(ctx
        .loader::<CheckInPhotosByVisit>()?
        .load_one(visit)
        .await?
        .unwrap_or_default()
        .into_iter()
        .map(Attachment::from)
        .collect())
}

/// The record an attachment is on, through the loader of its kind.
pub async fn subject(
    ctx: &Context<'_>,
    kind: Subject,
    id: Uuid,
) -> async_graphql::Result<Option<AttachmentSubject>> {
    Ok(match kind {
        Subject::Visit => ctx
            .loader::<crate::visits::loaders::VisitLoader>()?
            .load_one(id)
            .await?
            .map(|v| AttachmentSubject::VisitTask(Box::new(v.into()))),
        Subject::FollowUp => ctx
            .loader::<FollowUpLoader>()?
            .load_one(id)
            .await?
            .map(|f| AttachmentSubject::FollowUp(Box::new(f.into()))),
        Subject::Customer => crate::customers::loaders::customer(ctx, id)
            .await?
            .map(|c| AttachmentSubject::Customer(Box::new(c))),
        Subject::Opportunity => ctx
            .loader::<crate::opportunities::loaders::VisibleOpportunityLoader>()?
            .load_one(id)
            .await?
            .map(|o| AttachmentSubject::Opportunity(Box::new(o.into()))),
        Subject::Contract => ctx
            .loader::<crate::contracts::loaders::ContractLoader>()?
            .load_one(id)
            .await?
            .map(|c| AttachmentSubject::Contract(Box::new(c.into()))),
        Subject::Quote => ctx
            .loader::<crate::quotes::loaders::QuoteLoader>()?
            .load_one(id)
            .await?
            .map(|q| AttachmentSubject::Quote(Box::new(q.into()))),
    })
}
