//! GraphQL types of the stage playbook: a stage's exit criteria and a deal's checklist.

use async_graphql::{ComplexObject, Context, ID, InputObject, SimpleObject};

use super::checklist::ItemState;
use super::model::{CriterionKind, DealField, DocumentKind};
use crate::followups::types::FollowUpKind;
use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use crate::opportunities::types::Opportunity;
use crate::users::loaders::UserLoader;
use crate::users::types::User;
use entity::exit_criterion;

/// One item of a stage's exit checklist: what a deal must show before it moves on.
#[derive(SimpleObject, Clone, Debug)]
pub struct ExitCriterion {
    /// Opaque, globally unique identifier (for `itemId` arguments).
    pub id: ID,
    /// What must be done, as reps read it.
    pub name: String,
    /// How it is met.
    pub kind: CriterionKind,
    /// For `FIELD`: the deal field that must be set.
    pub field: Option<DealField>,
    /// For `ACTIVITY`: the kind of follow-up required; null: any contact (not a note).
    pub activity_kind: Option<FollowUpKind>,
    /// For `DOCUMENT`: the document that must exist.
    pub document_kind: Option<DocumentKind>,
    /// Whether a forward move waits for it (optional items only guide).
    pub required: bool,
    /// Order within the stage, from 1.
    pub position: i32,
    /// When it was added.
    pub created_at: Instant,
    /// When it last changed.
    pub updated_at: Instant,
}

impl From<exit_criterion::Model> for ExitCriterion {
    fn from(model: exit_criterion::Model) -> Self {
        Self {
            id: encode_id(NodeType::ExitCriterion, model.id),
            kind: CriterionKind::parse(&model.kind).unwrap_or(CriterionKind::Manual),
            field: model.field.as_deref().and_then(DealField::parse),
            activity_kind: model.activity_kind.as_deref().and_then(FollowUpKind::parse),
            document_kind: model.document_kind.as_deref().and_then(DocumentKind::parse),
            required: model.required,
            position: model.position,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            name: model.name,
        }
    }
}

/// Where a deal stands on one exit criterion of its current stage.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct OpportunityChecklistItem {
    /// The criterion.
    pub item: ExitCriterion,
    /// Whether it is met.
    pub done: bool,
    /// When it was ticked, or when the activity or document that meets it happened; null for
    /// fields and for what is not met.
    pub done_at: Option<Instant>,
    /// The note given when it was ticked.
    pub note: Option<String>,
    #[graphql(skip)]
    pub done_by_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl OpportunityChecklistItem {
    /// Who ticked it (`MANUAL` items only).
    async fn done_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.done_by_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(id)
            .await?
            .map(User::from))
    }
}

impl From<ItemState> for OpportunityChecklistItem {
    fn from(state: ItemState) -> Self {
        Self {
            item: state.criterion.into(),
            done: state.done,
            done_at: state.done_at.map(Into::into),
            note: state.note,
            done_by_id: state.done_by,
        }
    }
}

/// One exit criterion of a stage in `updatePipelineStages`.
#[derive(InputObject, Debug)]
pub struct ExitCriterionInput {
    /// An existing criterion of this stage to keep (omit for a new one).
    pub id: Option<ID>,
    /// What must be done (1–200 characters).
    pub name: String,
    /// How it is met.
    pub kind: CriterionKind,
    /// For `FIELD` (and only then): the deal field that must be set.
    pub field: Option<DealField>,
    /// For `ACTIVITY`: the kind of follow-up required; any contact (not a note) when omitted.
    pub activity_kind: Option<FollowUpKind>,
    /// For `DOCUMENT` (and only then): the document that must exist.
    pub document_kind: Option<DocumentKind>,
    /// Whether a forward move waits for it (default true).
    #[graphql(default = true)]
    pub required: bool,
}

/// Ticking a `MANUAL` item of a deal's current stage.
#[derive(InputObject, Debug)]
pub struct CompleteChecklistItemInput {
    /// The deal.
    pub opportunity_id: ID,
    /// The item (an `ExitCriterion` of the deal's current stage).
    pub item_id: ID,
    /// What was done, for the record (at most 2000 characters).
    pub note: Option<String>,
}

/// Removing the tick of a `MANUAL` item of a deal's current stage.
#[derive(InputObject, Debug)]
pub struct UncompleteChecklistItemInput {
    /// The deal.
    pub opportunity_id: ID,
    /// The item.
    pub item_id: ID,
}

/// Result of `completeChecklistItem`.
#[derive(SimpleObject, Debug)]
pub struct CompleteChecklistItemPayload {
    /// The deal, whose `checklist` shows the tick.
    pub opportunity: Opportunity,
}

/// Result of `uncompleteChecklistItem`.
#[derive(SimpleObject, Debug)]
pub struct UncompleteChecklistItemPayload {
    /// The deal, whose `checklist` shows the item open again.
    pub opportunity: Opportunity,
}
