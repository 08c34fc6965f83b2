//! Possible duplicates of a lead: other leads, customers and contacts with the same phone,\ne-mail or company name, checked on creation and listed on request.

use crate::customers::service as customers;
use crate::error::{AppError, AppResult};
use crate::identity::Viewer;
use crate::ids::{NodeType, encode_id};
use crate::policy;
use entity::customer;
use entity::lead::{self, Entity as Leads};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// Refuses a phone or e-mail another lead (other than `exclude`) or any contact already has.
pub(crate) async fn check_duplicates(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    phone_key: Option<&str>,
    email_key: Option<&str>,
    exclude: Option<Uuid>,
) -> AppResult<()> {
    if phone_key.is_none() && email_key.is_none() {
        return Ok(());
    }
    let mut matches = Condition::any();
    if let Some(phone) = phone_key {
        matches = matches.add(lead::Column::PhoneKey.eq(phone));
    }
    if let Some(email) = email_key {
        matches = matches.add(lead::Column::EmailKey.eq(email));
    }
    let mut query = Leads::find().filter(matches);
    if let Some(id) = exclude {
        query = query.filter(lead::Column::Id.ne(id));
    }
    if let Some(existing) = query.one(db).await? {
        let field = if phone_key.is_some() && existing.phone_key.as_deref() == phone_key {
            "input.phone"
        } else {
            "input.email"
        };
        let mut error =
            AppError::duplicate(field, "A lead with this phone or e-mail already exists");
        let visible = Leads::find_by_id(existing.id)
            .filter(policy::leads(viewer))
            .one(db)
            .await?
            .is_some();
        if visible {
            error = error.with_existing_id(encode_id(NodeType::Lead, existing.id).0);
        }
        return Err(error);
    }
    if let Some(existing) = customers::contact_matching(db, phone_key, email_key).await? {
        let field = if phone_key.is_some() && existing.phone_key.as_deref() == phone_key {
            "input.phone"
        } else {
            "input.email"
        };
        let mut error =
            AppError::duplicate(field, "A contact with this phone or e-mail already exists");
        if customers::get_customer(db, viewer, existing.customer_id)
            .await
            .is_ok()
        {
            error = error.with_existing_id(encode_id(NodeType::Contact, existing.id).0);
        }
        return Err(error);
    }
    Ok(())
}

/// Visible leads (other than `exclude`) and customers with the same company key.
pub async fn possible_duplicates(
    db: &impl ConnectionTrait,
    viewer: &Viewer,
    company_key: Option<&str>,
    exclude: Uuid,
) -> AppResult<(Vec<lead::Model>, Vec<customer::Model>)> {
    let Some(key) = company_key else {
        return Ok((Vec::new(), Vec::new()));
    };
    let leads = Leads::find()
        .filter(lead::Column::CompanyKey.eq(key))
        .filter(lead::Column::Id.ne(exclude))
        .filter(policy::leads(viewer))
        .limit(20)
        .all(db)
        .await?;
    let customers = customers::similar_customers(db, viewer, key).await?;
    Ok((leads, customers))
}
