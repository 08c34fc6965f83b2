//! Resolvers of work reports.

use async_graphql::{Context, Object};

use super::listing::{self, Filter};
use super::model::WorkReportKind;
use super::service::{self, Report, Submission, Text};
use super::types::{
    CommentOnReportInput, CommentOnReportPayload, SubmitDailyReportInput, SubmitWeeklyReportInput,
    WorkReport, WorkReportConnection, WorkReportFilter, WorkReportPayload,
};
use crate::error::AppResult;
use crate::graphql::context::ContextExt;
use crate::graphql::guards::SignedIn;
use crate::graphql::pagination::list_request;
use crate::graphql::scalars::Date;
use crate::ids::{NodeType, decode_id, decode_optional};

fn filter_of(filter: Option<WorkReportFilter>) -> AppResult<Filter> {
    let f = filter.unwrap_or_default();
    Ok(Filter {
        team_id: decode_optional(f.team_id.as_ref(), NodeType::Team, "filter.teamId")?,
        owner_id: decode_optional(f.owner_id.as_ref(), NodeType::User, "filter.ownerId")?,
        date: f.date.map(|d| d.0),
        from: f.from.map(|d| d.0),
        to: f.to.map(|d| d.0),
        submitted: f.submitted,
    })
}

/// A page of reports of `kind`, as the list queries answer it.
#[allow(clippy::too_many_arguments)]
async fn reports(
    ctx: &Context<'_>,
    kind: WorkReportKind,
    filter: Option<WorkReportFilter>,
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> async_graphql::Result<WorkReportConnection> {
    let viewer = ctx.viewer()?;
    let page = list_request(ctx, after.as_deref(), before.as_deref(), first, last)?;
    let filter = filter_of(filter)?;
    let app = ctx.app();
    let page = listing::list(&app.db, viewer, kind, &filter, &page, app.clock.now()).await?;
    Ok(WorkReportConnection::from_page(page, WorkReport::from))
}

/// Submits the caller's report of `kind` for the period holding `at.0` (`at.1` names the
/// input field), with its summary, plans and problems.
async fn submit(
    ctx: &Context<'_>,
    kind: WorkReportKind,
    at: (chrono::NaiveDate, &str),
    text: (String, Option<String>, Option<String>),
    expected_version: Option<i32>,
) -> async_graphql::Result<WorkReportPayload> {
    let viewer = ctx.viewer()?;
    let (summary, plans, problems) = text;
    let submission = Submission {
        kind,
        day: at.0,
        text: Text::checked(&summary, plans.as_deref(), problems.as_deref())?,
        expected_version,
    };
    let saved = service::submit(ctx.app(), viewer, submission, at.1).await?;
    Ok(WorkReportPayload {
        report: Report::Stored(saved).into(),
    })
}

/// Work reports' queries.
#[derive(Default)]
pub struct WorkReportQuery;

#[Object]
impl WorkReportQuery {
    /// Your report of a day: the submitted one, or a draft counted from the day's visits,
    /// follow-ups, deal moves, activities and collections, in your time zone.
    #[graphql(guard = "SignedIn")]
    async fn my_daily_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The local day; today in your time zone when omitted.")] date: Option<
            Date,
        >,
    ) -> async_graphql::Result<WorkReport> {
        let viewer = ctx.viewer()?;
        let report = service::mine(
            ctx.app(),
            viewer,
            WorkReportKind::Daily,
            date.map(|d| d.0),
            "date",
        )
        .await?;
        Ok(report.into())
    }

    /// Your report of a week (Monday to Sunday): the submitted one, or a draft counted from
    /// the week's records.
    #[graphql(guard = "SignedIn")]
    async fn my_weekly_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Any day of the week; this week when omitted.")] week: Option<Date>,
    ) -> async_graphql::Result<WorkReport> {
        let viewer = ctx.viewer()?;
        let report = service::mine(
            ctx.app(),
            viewer,
            WorkReportKind::Weekly,
            week.map(|d| d.0),
            "week",
        )
        .await?;
        Ok(report.into())
    }

    /// Daily reports you may read (yours; managers their teams'; admins all), newest first;
    /// or, with `submitted: false`, whose report of a day is still missing.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn daily_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only reports matching this filter.")] filter: Option<WorkReportFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<WorkReportConnection> {
        reports(
            ctx,
            WorkReportKind::Daily,
            filter,
            first,
            after,
            last,
            before,
        )
        .await
    }

    /// Weekly reports you may read, newest first; or, with `submitted: false`, whose report
    /// of a week is still missing.
    #[graphql(
        guard = "SignedIn",
        complexity = "first.or(last).unwrap_or(20).max(1) as usize * child_complexity"
    )]
    async fn weekly_reports(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only reports matching this filter.")] filter: Option<WorkReportFilter>,
        #[graphql(desc = "Page size counted from the start (1–100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Cursor to continue after.")] after: Option<String>,
        #[graphql(desc = "Page size counted from the end (1–100).")] last: Option<i32>,
        #[graphql(desc = "Cursor to continue before.")] before: Option<String>,
    ) -> async_graphql::Result<WorkReportConnection> {
        reports(
            ctx,
            WorkReportKind::Weekly,
            filter,
            first,
            after,
            last,
            before,
        )
        .await
    }
}

/// Work reports' mutations.
#[derive(Default)]
pub struct WorkReportMutation;

#[Object]
impl WorkReportMutation {
    /// Submits your report of a day, its facts counted now. The same text again answers the
    /// stored report (a retry); other text revises it at `expectedVersion`.
    #[graphql(guard = "SignedIn")]
    async fn submit_daily_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SubmitDailyReportInput`.")]
        input: SubmitDailyReportInput,
    ) -> async_graphql::Result<WorkReportPayload> {
        let text = (input.summary, input.plans, input.problems);
        let at = (input.date.0, "input.date");
        submit(ctx, WorkReportKind::Daily, at, text, input.expected_version).await
    }

    /// Submits your report of a week, its facts counted now; retries and revisions as for a
    /// day's.
    #[graphql(guard = "SignedIn")]
    async fn submit_weekly_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `SubmitWeeklyReportInput`.")]
        input: SubmitWeeklyReportInput,
    ) -> async_graphql::Result<WorkReportPayload> {
        let text = (input.summary, input.plans, input.problems);
        let at = (input.week.0, "input.week");
        submit(
            ctx,
            WorkReportKind::Weekly,
            at,
            text,
            input.expected_version,
        )
        .await
    }

    /// Comments on a submitted report you can read; its owner (or, for the owner's answer,
    /// the earlier commenters) is notified.
    #[graphql(guard = "SignedIn")]
    async fn comment_on_report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do: the fields of `CommentOnReportInput`.")]
        input: CommentOnReportInput,
    ) -> async_graphql::Result<CommentOnReportPayload> {
        let viewer = ctx.viewer()?;
        let id = decode_id(&input.report_id, NodeType::WorkReport, "input.reportId")?;
        let (comment, report) =
            service::comment(ctx.app(), viewer, id, &input.body, input.idempotency_key).await?;
        Ok(CommentOnReportPayload {
            comment: comment.into(),
            report: Report::Stored(report).into(),
        })
    }
}
