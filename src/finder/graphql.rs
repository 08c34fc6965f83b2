//! The `search` query.

use async_graphql::{Context, Object};
use futures_util::future::try_join_all;

use super::index::{self, Kind};
use super::query::{self, Hit};
use super::text;
use super::types::{SearchResult, SearchType};
use crate::error::AppError;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;

/// Longest query, in characters.
const MAX_QUERY_CHARS: usize = 100;
/// Most results one search answers.
const MAX_FIRST: i32 = 50;

async fn load(ctx: &Context<'_>, hit: &Hit) -> async_graphql::Result<Option<SearchResult>> {
    let id = hit.id;
    Ok(match hit.kind {
        Kind::Lead => crate::leads::loaders::lead(ctx, id)
            .await?
            .map(|found| SearchResult::Lead(Box::new(found))),
        Kind::Customer => crate::customers::loaders::customer(ctx, id)
            .await?
            .map(|found| SearchResult::Customer(Box::new(found))),
        Kind::Contact => ctx
            .loader::<crate::customers::loaders::ContactLoader>()?
            .load_one(id)
            .await?
            .map(|found| SearchResult::Contact(Box::new(found.into()))),
        Kind::Opportunity => ctx
            .loader::<crate::opportunities::loaders::VisibleOpportunityLoader>()?
            .load_one(id)
            .await?
            .map(|deal| SearchResult::Opportunity(Box::new(deal.into()))),
        Kind::Contract => ctx
            .loader::<crate::contracts::loaders::ContractLoader>()?
            .load_one(id)
            .await?
            .map(|contract| SearchResult::Contract(Box::new(contract.into()))),
    })
}

/// The search box's query.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Records you may see matching every word of `query`, best first: by name (any part of
    /// 2+ characters, Chinese included), pinyin (`huawei`, `hw`), phone (any format, or its
    /// last 4+ digits), e-mail, and contract or quote number.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.unwrap_or(10).clamp(1, 50) as usize * child_complexity"
    )]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for (2–100 characters).")] query: String,
        #[graphql(desc = "Only these kinds of record; all when omitted or empty.")] types: Option<
            Vec<SearchType>,
        >,
        #[graphql(desc = "How many results (1–50, default 10).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<SearchResult>> {
        let viewer = ctx.viewer()?;
        let app = ctx.app();
        let first = first.unwrap_or(10);
        if !(1..=MAX_FIRST).contains(&first) {
            return Err(AppError::bad_input("first", format!("Between 1 and {MAX_FIRST}")).into());
        }
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::bad_input(
                "query",
                format!("Search for at most {MAX_QUERY_CHARS} characters"),
            )
            .into());
        }
        let terms = text::terms(&query).map_err(|message| AppError::bad_input("query", message))?;
        // Each kind once, however often named (a kind named twice would answer twice).
        let asked: Vec<Kind> = types
            .unwrap_or_default()
            .into_iter()
            .map(SearchType::kind)
            .collect();
        let kinds: Vec<Kind> = Kind::ALL
            .into_iter()
            .filter(|k| asked.is_empty() || asked.contains(k))
            .collect();
        // What was just written is found: one batch of changes is indexed first.
        index::catch_up(&app.db, super::settled(app, app.clock.now())).await?;
        let first = u64::try_from(first).unwrap_or(10);
        let hits = query::search(&app.db, viewer, &terms, &query, &kinds, first).await?;
        let found = try_join_all(hits.iter().map(|hit| load(ctx, hit))).await?;
        Ok(found.into_iter().flatten().collect())
    }
}
