//! GraphQL types of customer grades: the letter, and a manager's pin over the computed one.

use async_graphql::{ComplexObject, Context, Enum, SimpleObject};

use crate::graphql::context::ContextExt;
use crate::graphql::scalars::Instant;
use crate::users::loaders::UserLoader;
use crate::users::types::User;

/// A letter grade, A best.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum Grade {
    /// Top priority.
    A,
    /// Worth working.
    B,
    /// Low priority.
    C,
}

impl Grade {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "A" => Some(Self::A),
            "B" => Some(Self::B),
            "C" => Some(Self::C),
            _ => None,
        }
    }
}

/// A manager's pin, as stored.
#[derive(Clone, Debug)]
pub struct GradePinned {
    pub grade: Grade,
    pub reason: String,
    pub pinned_by: Option<uuid::Uuid>,
    pub pinned_at: chrono::DateTime<chrono::Utc>,
}

/// A grade a manager pinned over the computed one.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct GradePin {
    /// The pinned grade.
    pub grade: Grade,
    /// Why it was pinned.
    pub reason: String,
    /// When it was pinned.
    pub pinned_at: Instant,
    #[graphql(skip)]
    pub pinned_by_id: Option<uuid::Uuid>,
}

#[ComplexObject]
impl GradePin {
    /// Who pinned it.
    async fn pinned_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        let Some(id) = self.pinned_by_id else {
            return Ok(None);
        };
        Ok(ctx
            .loader::<UserLoader>()?
            .load_one(id)
            .await?
            .map(User::from))
    }
}
