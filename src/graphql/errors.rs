//! The error safety net: every error leaving the schema carries `extensions.code` and the
//! request id (subscriptions here, HTTP in the transport); anything uncoded is an internal error whose details stay in the log.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextSubscribe,
    NextValidation,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerError, ServerResult, ValidationResult, Value, Variables};
use futures_util::stream::{BoxStream, StreamExt};

use super::context::RequestId;
use super::limits::{self, Refusal, count_aliases};
use crate::error::{ErrorCode, INTERNAL_MESSAGE};

/// Installs the safety net and the alias limit.
pub struct ErrorSafetyNet {
    pub max_aliases: usize,
}

impl ExtensionFactory for ErrorSafetyNet {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SafetyNet {
            max_aliases: self.max_aliases,
        })
    }
}

struct SafetyNet {
    max_aliases: usize,
}

fn with_code(mut error: ServerError, code: ErrorCode) -> ServerError {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code.as_str());
    error
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|ext| ext.get("code").is_some())
}

/// Most errors one response carries; the rest are summed up in a last one.
pub const MAX_ERRORS: usize = 100;

/// Keeps the first errors of a response and replaces the rest with one that counts them
/// (`extensions.omittedErrors`), so a small document cannot produce a huge answer.
fn cap_errors(response: &mut Response) {
    if response.errors.len() <= MAX_ERRORS {
        return;
    }
    let omitted = response.errors.len() - (MAX_ERRORS - 1);
    response.errors.truncate(MAX_ERRORS - 1);
    let mut summary = with_code(
        ServerError::new(format!("{omitted} more errors were left out"), None),
        ErrorCode::QueryRejected,
    );
    summary
        .extensions
        .get_or_insert_with(Default::default)
        .set("omittedErrors", Value::from(omitted));
    response.errors.push(summary);
}

/// Codes whatever is still uncoded, caps the number of errors and stamps the request id.
fn finish(mut response: Response, request_id: Option<&str>) -> Response {
    cap_errors(&mut response);
    for error in &mut response.errors {
        if !has_code(error) {
            if error.message.starts_with("Failed to parse")
                || error.message.starts_with("Invalid value")
            {
                *error = with_code(error.clone(), ErrorCode::BadUserInput);
            } else {
                tracing::error!(message = %error.message, path = ?error.path, "uncoded error");
                error.message = INTERNAL_MESSAGE.to_owned();
                *error = with_code(error.clone(), ErrorCode::InternalServerError);
            }
        }
        if let Some(id) = request_id {
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("requestId", Value::String(id.to_owned()));
        }
    }
    response
}

/// A parse failure with its code: limits of the parser are `QUERY_REJECTED`.
fn coded_parse_error(err: ServerError) -> ServerError {
    let code = if err.message.contains("recursion") || err.message.contains("too many") {
        ErrorCode::QueryRejected
    } else {
        ErrorCode::GraphqlParseFailed
    };
    with_code(err, code)
}

/// A validation failure with its code: the complexity and depth limits are `QUERY_REJECTED`.
fn coded_validation_error(err: ServerError) -> ServerError {
    let code =
        if err.message == "Query is too complex." || err.message == "Query is nested too deep." {
            ErrorCode::QueryRejected
        } else {
            ErrorCode::GraphqlValidationFailed
        };
    with_code(err, code)
}

/// A document refused by one of [`limits`]' checks, with its code.
fn refused(refusal: Refusal) -> ServerError {
    match refusal {
        Refusal::OverLimit(message) => {
            with_code(ServerError::new(message, None), ErrorCode::QueryRejected)
        }
        Refusal::FragmentCycle(message) => with_code(
            ServerError::new(message, None),
            ErrorCode::GraphqlValidationFailed,
        ),
    }
}

/// Checks a request's variables: on every request, since a cached document meets new ones.
pub fn check_variables(variables: &Variables) -> ServerResult<()> {
    limits::check_variable_nesting(variables).map_err(refused)?;
    match limits::forbidden_text_in_variables(variables) {
        Some(path) => Err(forbidden_text(path)),
        None => Ok(()),
    }
}

/// A text input holding NUL or another control character: `BAD_USER_INPUT` on its path.
fn forbidden_text(path: String) -> ServerError {
    let mut error = with_code(
        ServerError::new(
            "Text may not hold NUL or other control characters (tab and line breaks are fine)",
            None,
        ),
        ErrorCode::BadUserInput,
    );
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("field", Value::String(path));
    error
}

/// The checks on a parsed document that must run before the library's own checks walk it.
fn check_document(doc: &ExecutableDocument, max_aliases: usize) -> ServerResult<()> {
    if count_aliases(doc) > max_aliases {
        return Err(refused(Refusal::OverLimit(format!(
            "The document uses more than {max_aliases} aliases"
        ))));
    }
    if limits::count_directives(doc) > limits::MAX_DIRECTIVES {
        return Err(refused(Refusal::OverLimit(format!(
            "The document uses more than {} directives",
            limits::MAX_DIRECTIVES
        ))));
    }
    limits::check_expansion(doc).map_err(refused)?;
    match limits::forbidden_text_in_document(doc) {
        Some(path) => Err(forbidden_text(path)),
        None => Ok(()),
    }
}

/// Parses a document as the safety net's parse hook would: the text's nesting first, coded
/// parse failures, then the document's limits. Variables are checked by [`check_variables`].
pub fn parse_document(query: &str, max_aliases: usize) -> ServerResult<ExecutableDocument> {
    limits::check_text_nesting(query).map_err(refused)?;
    let doc = async_graphql::parser::parse_query(query)
        .map_err(|err| coded_parse_error(ServerError::from(err)))?;
    check_document(&doc, max_aliases)?;
    Ok(doc)
}

/// The safety net for a response of the schema without extensions (HTTP): an uncoded error
/// without a path arose before execution — the document's limits or its validation — and is
/// coded as the hooks would have; the rest as [`finish`] does.
pub fn settle(mut response: Response) -> Response {
    for error in &mut response.errors {
        if !has_code(error) && error.path.is_empty() {
            *error = if error.message.contains("recursion") || error.message.contains("too many") {
                with_code(error.clone(), ErrorCode::QueryRejected)
            } else if error.message.contains("cannot be greater than") {
                // The directive limit, checked with the parse.
                with_code(error.clone(), ErrorCode::GraphqlParseFailed)
            } else {
                coded_validation_error(error.clone())
            };
        }
    }
    finish(response, None)
}

#[async_graphql::async_trait::async_trait]
impl Extension for SafetyNet {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        // Over HTTP the transport stamps the request id (query data is not attached yet here).
        finish(next.run(ctx).await, None)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let request_id = ctx.data_opt::<RequestId>().map(|id| id.0.clone());
        next.run(ctx, stream)
            .map(move |response| finish(response, request_id.as_deref()))
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // Before the recursive parser sees the text; variables were checked outside the cache.
        limits::check_text_nesting(query).map_err(refused)?;
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(coded_parse_error)?;
        check_document(&doc, self.max_aliases)?;
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx)
            .await
            .map_err(|errors| errors.into_iter().map(coded_validation_error).collect())
    }
}
