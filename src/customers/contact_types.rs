//! GraphQL types of contacts, the people at a customer.

use async_graphql::{ComplexObject, Context, ID, InputObject, MaybeUndefined, SimpleObject};

use super::types::Customer;
use crate::graphql::scalars::Instant;
use crate::ids::{NodeType, encode_id};
use entity::contact;

/// The columns each field of [`Contact`] reads (see [`crate::columns`]).
pub const CONTACT_COLUMNS: crate::graphql::columns::FieldColumns =
    crate::graphql::columns::FieldColumns {
        fields: &[
            ("id", &[]),
            ("customerId", &["customer_id"]),
            ("name", &["name"]),
            ("title", &["title"]),
            ("phone", &["phone"]),
            ("email", &["email"]),
            ("createdAt", &["created_at"]),
            ("updatedAt", &["updated_at"]),
            ("version", &["version"]),
            ("customer", &["customer_id"]),
        ],
    };

/// A person at a customer.
#[derive(SimpleObject, Clone, Debug)]
#[graphql(complex)]
pub struct Contact {
    /// Opaque, globally unique identifier.
    pub id: ID,
    /// The customer's id.
    #[graphql(deprecation = "Use `customer { id }`.")]
    pub customer_id: ID,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Phone number as entered.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// When the contact was added.
    pub created_at: Instant,
    /// When the contact last changed.
    pub updated_at: Instant,
    /// Increases with every change; pass it back as `expectedVersion`.
    pub version: i32,
    #[graphql(skip)]
    pub customer: uuid::Uuid,
}

#[ComplexObject]
impl Contact {
    /// The customer the contact works for; null if no longer visible to you.
    async fn customer(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Customer>> {
        super::loaders::customer(ctx, self.customer).await
    }
}

impl From<contact::Model> for Contact {
    fn from(model: contact::Model) -> Self {
        Self {
            id: encode_id(NodeType::Contact, model.id),
            customer_id: encode_id(NodeType::Customer, model.customer_id),
            name: model.name,
            title: model.title,
            phone: model.phone,
            email: model.email,
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            version: model.version,
            customer: model.customer_id,
        }
    }
}

/// A new contact at a customer.
#[derive(InputObject, Debug)]
pub struct AddContactInput {
    /// The customer the contact works for.
    pub customer_id: ID,
    /// Full name.
    pub name: String,
    /// Job title.
    pub title: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// A UUIDv7 your app generated for the new contact (within the last 30 days): the contact
    /// gets it as its UUID, and any id argument accepts it before you learn the contact's id (so a
    /// contact made offline needs no id mapping). Retrying with it and the same input answers
    /// once; a client id another record holds answers `DUPLICATE`.
    pub client_id: Option<ID>,
    /// Retry key: the same key and input return the first result without a second contact.
    pub idempotency_key: Option<String>,
}

/// Changes to a contact; omitted fields stay, `null` clears.
#[derive(InputObject, Debug)]
pub struct UpdateContactInput {
    /// The contact to change.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New title.
    pub title: MaybeUndefined<String>,
    /// New phone number.
    pub phone: MaybeUndefined<String>,
    /// New e-mail address.
    pub email: MaybeUndefined<String>,
}

crate::connection_types!(ContactConnection, ContactEdge, Contact);

/// Result of `addContact`.
#[derive(SimpleObject, Debug)]
pub struct AddContactPayload {
    /// The new contact.
    pub contact: Contact,
}

/// Result of `updateContact`.
#[derive(SimpleObject, Debug)]
pub struct UpdateContactPayload {
    /// The contact after the change.
    pub contact: Contact,
}

crate::payload_from_model! {
    UpdateContactPayload { contact } <- contact::Model;
}
