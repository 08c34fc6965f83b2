//! One customer with what its card shows beside it — the owner and the newest follow-up — in
//! the customer's own statement.

use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::policy;
use entity::customer::{self, Entity as Customers};

/// What to join into a customer read by id.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    pub owner: bool,
    pub last_follow_up: bool,
}

/// A customer with its owner and newest follow-up, each `None` when not asked for.
pub type Joined = (
    customer::Model,
    Option<Option<entity::user::Model>>,
    Option<Option<entity::follow_up::Model>>,
);

/// [`crate::customers::service::get_customer`] with the owner and the newest follow-up joined into its one statement.
pub async fn get_customer_joined(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    id: Uuid,
    wants: Wants,
) -> AppResult<Joined> {
    use crate::db::{left_join_prefixed, read_prefixed};
    use crate::statements::Param;
    use sea_orm::sea_query::Expr;
    use sea_orm::{Condition, FromQueryResult, QueryTrait};
    let build = |viewer: &Viewer, id: Uuid| {
        let mut query = Customers::find_by_id(id)
            .filter(policy::customers(viewer))
            .into_query();
        if wants.owner {
            let owner = Expr::col((Customers, customer::Column::OwnerId));
            left_join_prefixed(
                &mut query,
                entity::user::Entity,
                owner,
                Condition::all(),
                "ow_",
            );
        }
        if wants.last_follow_up {
            let customer_id = Expr::col((Customers, customer::Column::Id));
            crate::followups::service::join_newest(
                &mut query,
                customer_id,
                "fu_",
                crate::columns::Needs::ALL,
            );
        }
        query
    };
    // Rendered once per shape (viewer, links asked for), reused with this request's ids.
    let shape = format!(
        "customer/{}{}",
        u8::from(wants.owner),
        u8::from(wants.last_follow_up)
    );
    let backend = db.get_database_backend();
    let statement =
        crate::statements::for_viewer(backend, &shape, viewer, &[Param::Id(id)], |viewer, p| {
            build(viewer, p.first().and_then(Param::id).unwrap_or(id))
        });
    let row = db
        .query_one_raw(statement)
        .await?
        .ok_or_else(|| AppError::not_found("Customer"))?;
    Ok((
        customer::Model::from_query_result(&row, "")?,
        wants
            .owner
            .then(|| read_prefixed(&row, "ow_"))
            .transpose()?,
        wants
            .last_follow_up
            .then(|| read_prefixed(&row, "fu_"))
            .transpose()?,
    ))
}
