//! GraphQL inputs and payloads of the lead mutations, and the filter and order of lead lists.

use crate::graphql::scalars::Instant;
use async_graphql::{ID, InputObject, SimpleObject};

use super::types::{
    BantAnswer, BantTimeline, DuplicateCandidate, Lead, LeadAssignment, LeadOrderField, LeadSource,
    LeadStatus,
};
use crate::customers::types::{Contact, Customer, Grade};
use entity::lead;

crate::order_input!(
    /// How to order a lead list.
    LeadOrder,
    LeadOrderField
);

/// BANT answers; omitted ones are `UNKNOWN` on create and unchanged on update.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct BantInput {
    /// Does the lead have budget?
    pub budget: Option<BantAnswer>,
    /// Are we talking to someone who decides?
    pub authority: Option<BantAnswer>,
    /// Is there a need we meet?
    pub need: Option<BantAnswer>,
    /// When will they buy?
    pub timeline: Option<BantTimeline>,
}

/// A new lead.
#[derive(InputObject, Debug)]
pub struct CreateLeadInput {
    /// The person's name.
    pub name: String,
    /// Their company.
    pub company: Option<String>,
    /// Phone number; the same number on another lead or contact is a `DUPLICATE`.
    pub phone: Option<String>,
    /// E-mail; the same address on another lead or contact is a `DUPLICATE`.
    pub email: Option<String>,
    /// Where the lead came from.
    pub source: LeadSource,
    /// Sales region.
    pub region: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// Qualification answers known so far.
    pub bant: Option<BantInput>,
    /// Who receives the lead (default `SELF`).
    pub assign: Option<LeadAssignment>,
    /// The rep for `assign: USER`.
    pub assignee_id: Option<ID>,
    /// The team whose reps take turns for `assign: AUTO`.
    pub team_id: Option<ID>,
    /// The campaign it came from (see `campaigns`).
    pub campaign_id: Option<ID>,
    /// A UUIDv7 your app generated for the new lead (within the last 30 days): the lead
    /// gets it as its UUID, and any id argument accepts it before you learn the lead's id (so a
    /// lead made offline needs no id mapping). Retrying with it and the same input answers
    /// once; a client id another record holds answers `DUPLICATE`.
    pub client_id: Option<ID>,
    /// Retry key: the same key and input return the first result without a second lead.
    pub idempotency_key: Option<String>,
}

/// Changes to a lead; omitted fields stay.
#[derive(InputObject, Debug)]
pub struct UpdateLeadInput {
    /// The lead to change.
    pub id: ID,
    /// The `version` the change is based on; a newer one answers `CONFLICT`.
    pub expected_version: i32,
    /// New name.
    pub name: Option<String>,
    /// New company.
    pub company: Option<String>,
    /// New phone number.
    pub phone: Option<String>,
    /// New e-mail.
    pub email: Option<String>,
    /// New source.
    pub source: Option<LeadSource>,
    /// New region.
    pub region: Option<String>,
    /// New industry.
    pub industry: Option<String>,
    /// New notes.
    pub notes: Option<String>,
    /// Changed qualification answers.
    pub bant: Option<BantInput>,
    /// A later status: `CONTACTED` or `QUALIFIED` (conversion and disqualification have their own
    /// mutations).
    pub status: Option<LeadStatus>,
    /// The campaign it came from; null clears it.
    pub campaign_id: async_graphql::MaybeUndefined<ID>,
}

/// A lead to take from the pool.
#[derive(InputObject, Debug)]
pub struct ClaimLeadInput {
    /// The pool lead.
    pub id: ID,
}

/// A lead to put back into the pool.
#[derive(InputObject, Debug)]
pub struct ReleaseLeadInput {
    /// The lead.
    pub id: ID,
    /// Why it is released.
    pub reason: String,
}

/// A lead to hand to a rep.
#[derive(InputObject, Debug)]
pub struct AssignLeadInput {
    /// The lead (owned within your teams, or in the pool).
    pub id: ID,
    /// The rep who receives it.
    pub assignee_id: ID,
}

/// A lead to disqualify.
#[derive(InputObject, Debug)]
pub struct DisqualifyLeadInput {
    /// The lead.
    pub id: ID,
    /// Why it is not worth pursuing.
    pub reason: String,
}

/// A qualified lead to convert.
#[derive(InputObject, Debug)]
pub struct ConvertLeadInput {
    /// The lead (status `QUALIFIED`).
    pub id: ID,
    /// An existing customer to attach the lead to; a new customer is created from the lead
    /// when omitted.
    pub customer_id: Option<ID>,
    /// A deal to open for the customer at once.
    pub opportunity: Option<ConvertOpportunityInput>,
    /// Retry key: the same key returns the first conversion.
    pub idempotency_key: Option<String>,
}

/// The deal opened by `convertLead`.
#[derive(InputObject, Debug)]
pub struct ConvertOpportunityInput {
    /// Deal name.
    pub name: String,
    /// Deal amount.
    pub amount: crate::graphql::scalars::Decimal,
    /// When you expect to close it.
    pub expected_close_date: crate::graphql::scalars::Date,
}

/// Filters for lead lists; all given filters must match. They narrow what you may see, never
/// widen it.
#[derive(InputObject, Debug, Default)]
pub struct LeadFilter {
    /// Only these statuses.
    pub statuses: Option<Vec<LeadStatus>>,
    /// Only leads of this owner.
    pub owner_id: Option<ID>,
    /// Only this source.
    pub source: Option<LeadSource>,
    /// Only scores at least this high.
    pub min_score: Option<i32>,
    /// Only this grade.
    pub grade: Option<Grade>,
    /// Text contained in the name, company, phone or e-mail, ignoring case.
    pub search: Option<String>,
    /// Only leads changed at or after this time, and those whose visibility to you changed
    /// (incremental sync: pass the `serverTime` of the previous sync; see `removedIds`).
    pub updated_since: Option<Instant>,
}

/// Result of `createLead`.
#[derive(SimpleObject, Debug)]
pub struct CreateLeadPayload {
    /// The created lead (or the first one created with the same idempotency key).
    pub lead: Lead,
    /// Visible leads and customers whose company name looks the same.
    pub possible_duplicates: Vec<DuplicateCandidate>,
}

/// Declares the payload of a mutation that changes one lead.
macro_rules! lead_payload {
    ($($name:ident => $doc:literal),+ $(,)?) => {
        $(
            #[doc = $doc]
            #[derive(SimpleObject, Debug)]
            pub struct $name {
                /// The lead after the change.
                pub lead: Lead,
            }

            impl From<lead::Model> for $name {
                fn from(model: lead::Model) -> Self {
                    Self { lead: model.into() }
                }
            }
        )+
    };
}

lead_payload! {
    UpdateLeadPayload => "Result of `updateLead`.",
    ClaimLeadPayload => "Result of `claimLead`.",
    ReleaseLeadPayload => "Result of `releaseLead`.",
    AssignLeadPayload => "Result of `assignLead`.",
    DisqualifyLeadPayload => "Result of `disqualifyLead`.",
}

/// Result of `convertLead`.
#[derive(SimpleObject, Debug)]
pub struct ConvertLeadPayload {
    /// The converted lead.
    pub lead: Lead,
    /// The customer it became or joined.
    pub customer: Customer,
    /// The contact made from the lead.
    pub contact: Contact,
    /// The deal opened with the conversion, if one was asked for.
    pub opportunity: Option<crate::opportunities::types::Opportunity>,
}
