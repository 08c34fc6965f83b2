//! The search box: `search(query, types, first)` finds visible leads, customers, contacts,
//! deals and contracts by name (any substring of 2+ characters, Chinese included), pinyin
//! (full or initials), phone number (any format, or its last digits), e-mail, and contract and
//! quote number.
//!
//! - `text` folds and splits the text alike for the index and for queries; `index` keeps one
//!   document per record current from each kind's `updated_at` (every search first catches up
//!   one batch; a sweep and start-up work off the rest); `query` reads the documents joined to
//!   the records the viewer may see, ranked.
//! - SQLite indexes with FTS5 (trigrams for terms of 3+ characters, Unicode words for 2),
//!   PostgreSQL with `pg_trgm` and a `tsvector` of the same tokens.

pub mod graphql;
pub mod index;
pub mod query;
pub mod text;
pub mod types;

use chrono::{DateTime, Utc};

use crate::error::AppResult;
use crate::state::AppState;
use crate::sweeps::SweepReport;

/// The time before which writes are surely committed at `now`.
pub fn settled(state: &AppState, now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::seconds(state.config.sync_overlap_secs.max(0))
}

/// The sweep: indexes everything changed since the last run.
pub async fn sweep(state: &AppState, now: DateTime<Utc>) -> AppResult<SweepReport> {
    let affected = index::backfill(&state.db, settled(state, now)).await?;
    Ok(SweepReport {
        ran: true,
        affected,
    })
}
