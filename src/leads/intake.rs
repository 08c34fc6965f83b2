//! Web-form lead intake: a website's form posts a lead with a service account's key holding
//! `leads:create`. Submissions are counted per client address (in the database, so every
//! instance counts the same ones); a filled honeypot field is answered like a success and
//! dropped; markup in a field is refused. The lead is created as `createLead` creates it for
//! that account: duplicates refused, assigned by the intake team's round-robin or pooled.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use uuid::Uuid;

use super::creation::{BantValues, NewLead, create_lead};
use super::model::{LeadAssignment, LeadSource};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::identity::Viewer;
use crate::service_accounts::scopes;
use crate::state::AppState;
use entity::intake_submission::{self, Entity as Submissions};
use entity::lead;

/// The fields a form may post (others are ignored).
#[derive(Debug, Default, Clone)]
pub struct IntakeForm {
    pub name: String,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// What the visitor wrote; kept as the lead's notes.
    pub message: Option<String>,
    pub region: Option<String>,
    pub industry: Option<String>,
    /// The honeypot: hidden from people, filled by bots.
    pub website: Option<String>,
}

/// Whether `text` holds markup: `<` opening a tag, a closing tag or a comment.
pub fn has_markup(text: &str) -> bool {
    text.as_bytes()
        .windows(2)
        .any(|pair| pair[0] == b'<' && (pair[1].is_ascii_alphabetic() || b"/!?".contains(&pair[1])))
}

/// Forgets submissions older than `cutoff` (housekeeping: they no longer count).
pub async fn prune(
    db: &impl sea_orm::ConnectionTrait,
    cutoff: chrono::DateTime<chrono::Utc>,
) -> AppResult<u64> {
    Ok(Submissions::delete_many()
        .filter(intake_submission::Column::SubmittedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// Counts the submission against its client address, refusing it past the limit. Errors:
/// `RATE_LIMITED`.
async fn count_submission(state: &AppState, client: &str) -> AppResult<()> {
    let now = state.clock.now();
    let config = &state.config.api_keys;
    let window = Duration::seconds(config.intake_window_secs);
    // Addresses are short; a longer forwarded value is cut to the column.
    let client: String = client.chars().take(64).collect();
    let id = Uuid::now_v7();
    // Written first, then counted with the others: racing submissions all see each other.
    intake_submission::ActiveModel {
        id: Set(id),
        client_addr: Set(client.clone()),
        submitted_at: Set(now),
    }
    .insert(&state.db)
    .await?;
    let recent = Submissions::find()
        .filter(intake_submission::Column::ClientAddr.eq(client.as_str()))
        .filter(intake_submission::Column::SubmittedAt.gt(now - window))
        .count(&state.db)
        .await?;
    if recent > config.intake_per_address {
        Submissions::delete_by_id(id).exec(&state.db).await?;
        return Err(AppError {
            message: "Too many forms from this address; retry later".into(),
            ..AppError::rate_limited(config.intake_window_secs)
        });
    }
    Ok(())
}

/// Takes a form's lead from `client`. `Ok(None)` when the honeypot was filled (nothing
/// written). Errors: `INSUFFICIENT_SCOPE` (a key without `leads:create`), `RATE_LIMITED`,
/// `BAD_USER_INPUT` (markup, missing name, bad phone or e-mail), `DUPLICATE`, and
/// `createLead`'s others.
pub async fn submit(
    state: &AppState,
    viewer: &Viewer,
    client: &str,
    form: IntakeForm,
) -> AppResult<Option<lead::Model>> {
    let granted = viewer
        .service
        .as_ref()
        .is_some_and(|access| scopes::allows(&access.scopes, scopes::need("createLead")));
    if !granted {
        return Err(AppError::new(
            ErrorCode::InsufficientScope,
            "This API key's scopes do not include `leads:create`",
        ));
    }
    count_submission(state, client).await?;
    if form
        .website
        .as_deref()
        .is_some_and(|w| !w.trim().is_empty())
    {
        return Ok(None);
    }
    let fields = [
        ("name", Some(form.name.as_str())),
        ("company", form.company.as_deref()),
        ("phone", form.phone.as_deref()),
        ("email", form.email.as_deref()),
        ("message", form.message.as_deref()),
        ("region", form.region.as_deref()),
        ("industry", form.industry.as_deref()),
    ];
    for (field, value) in fields {
        if value.is_some_and(has_markup) {
            return Err(AppError::bad_input(
                format!("input.{field}"),
                "Markup is not accepted in a form field",
            ));
        }
    }
    let blank = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let notes = crate::input::optional_text(blank(form.message).as_deref(), "input.message", 2000)?;
    let new = NewLead {
        name: form.name,
        company: blank(form.company),
        phone: blank(form.phone),
        email: blank(form.email),
        source: LeadSource::WebForm,
        region: blank(form.region),
        industry: blank(form.industry),
        notes,
        bant: BantValues {
            budget: None,
            authority: None,
            need: None,
            timeline: None,
        },
        // The account's intake team decides.
        assign: LeadAssignment::Pool,
        assignee_id: None,
        team_id: None,
        client_id: None,
        campaign_id: None,
    };
    let (lead, _, _) = create_lead(state, viewer, new, None).await?;
    Ok(Some(lead))
}

#[cfg(test)]
mod tests {
    use super::has_markup;

    #[test]
    fn markup_is_tags_comments_and_closing_tags_not_comparisons() {
        assert!(has_markup("<script>alert(1)</script>"));
        assert!(has_markup("hi <img src=x onerror=alert(1)>"));
        assert!(has_markup("<!-- x -->"));
        assert!(has_markup("</b>"));
        assert!(!has_markup("A < B and 3<5"));
        assert!(!has_markup("Zhang & Sons <> partners"));
        assert!(!has_markup("张三 科技有限公司"));
    }
}
