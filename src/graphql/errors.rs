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

/// The configured limits a document is checked against before the library's own checks.
#[derive(Debug, Clone, Copy)]
pub struct DocumentLimits {
    /// `SALESGRAPH_MAX_ALIASES`.
    pub max_aliases: usize,
    /// `SALESGRAPH_MAX_DEPTH`: fields nested outside introspection.
    pub max_depth: usize,
    /// `SALESGRAPH_MAX_COMPLEXITY`.
    pub max_complexity: usize,
}

impl DocumentLimits {
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            max_aliases: config.max_aliases,
            max_depth: config.max_depth,
            max_complexity: config.max_complexity,
        }
    }
}

/// Installs the safety net and the document limits, the complexity limit included (the
/// schema it is installed in has none of its own, so the refusal can name the cost).
pub struct ErrorSafetyNet {
    pub limits: DocumentLimits,
}

impl ExtensionFactory for ErrorSafetyNet {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(SafetyNet {
            limits: self.limits,
        })
    }
}

struct SafetyNet {
    limits: DocumentLimits,
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

/// Lists the further input errors a resolver's error carries (`AppError::more`) as errors of
/// their own, at the same path and location.
fn spread_more(response: &mut Response) {
    if !response.errors.iter().any(|error| {
        error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get(crate::error::MORE_ERRORS).is_some())
    }) {
        return;
    }
    let mut spread = Vec::with_capacity(response.errors.len());
    for mut error in std::mem::take(&mut response.errors) {
        let more = error.extensions.as_mut().and_then(|ext| {
            let more = ext.get(crate::error::MORE_ERRORS).cloned();
            ext.unset(crate::error::MORE_ERRORS);
            more
        });
        let (locations, path) = (error.locations.clone(), error.path.clone());
        spread.push(error);
        let Some(Value::List(others)) = more else {
            continue;
        };
        for other in others {
            let Value::Object(fields) = other else {
                continue;
            };
            let text = |key: &str| match fields.get(key) {
                Some(Value::String(text)) => Some(text.clone()),
                _ => None,
            };
            let mut extra = ServerError::new(text("message").unwrap_or_default(), None);
            extra.locations.clone_from(&locations);
            extra.path.clone_from(&path);
            let extensions = extra.extensions.get_or_insert_with(Default::default);
            extensions.set(
                "code",
                text("code").unwrap_or_else(|| ErrorCode::BadUserInput.as_str().to_owned()),
            );
            if let Some(field) = text("field") {
                extensions.set("field", field);
            }
            spread.push(extra);
        }
    }
    response.errors = spread;
}

/// Codes whatever is still uncoded, caps the number of errors and stamps the request id.
fn finish(mut response: Response, request_id: Option<&str>) -> Response {
    spread_more(&mut response);
    drop_echoes(&mut response);
    cap_errors(&mut response);
    for error in &mut response.errors {
        if !has_code(error) {
            if error.message.starts_with("Failed to parse")
                || error.message.starts_with("Invalid value")
                // A nullable variable left undefined for a non-null argument with a default:
                // the library passes null instead of the default.
                || error.message.starts_with("Expected input type")
            {
                *error = with_code(error.clone(), ErrorCode::BadUserInput);
            } else if let Some(name) = error
                .message
                .strip_prefix("Variable ")
                .and_then(|rest| rest.strip_suffix(" is not defined."))
            {
                // A required variable left out of a socket's multi-operation document.
                let field = Value::String(name.to_owned());
                *error = with_code(error.clone(), ErrorCode::BadUserInput);
                error
                    .extensions
                    .get_or_insert_with(Default::default)
                    .set("field", field);
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

/// Leaves out the library's second report of a variable that does not fit its type ("Failed
/// to parse …", without a path or field) when the argument's report names the field.
fn drop_echoes(response: &mut Response) {
    let named = |error: &ServerError| {
        error
            .extensions
            .as_ref()
            .is_some_and(|ext| ext.get("field").is_some())
    };
    if response.errors.iter().any(named) {
        response.errors.retain(|error| {
            named(error) || !error.path.is_empty() || !error.message.starts_with("Failed to parse")
        });
    }
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

/// The library's message for a document over the complexity limit.
pub const TOO_COMPLEX: &str = "Query is too complex.";

/// A validation failure with its code: the complexity limit is `QUERY_REJECTED`; a value that
/// does not fit its argument's type (written in the document or passed as a variable) is
/// `BAD_USER_INPUT` on the argument's path (`input.installments.2.dueDate`), as it would be
/// had the resolver refused it; the rest is `GRAPHQL_VALIDATION_FAILED`.
fn coded_validation_error(err: ServerError) -> ServerError {
    if err.message == TOO_COMPLEX {
        return with_code(err, ErrorCode::QueryRejected);
    }
    if err.message.starts_with("Failed to parse ") {
        return with_code(err, ErrorCode::BadUserInput);
    }
    if let Some(field) = invalid_argument_path(&err.message) {
        let mut error = with_code(err, ErrorCode::BadUserInput);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("field", Value::String(field));
        return error;
    }
    with_code(err, ErrorCode::GraphqlValidationFailed)
}

/// The input path of the library's `Invalid value for argument "input.amount", …` message;
/// for an unknown or a missing input field, the path of that field.
fn invalid_argument_path(message: &str) -> Option<String> {
    let rest = message.strip_prefix("Invalid value for argument \"")?;
    let (path, reason) = rest.split_once('"')?;
    // `, unknown field "x"…` and `, field "x" of type "T!" is required but not provided`.
    let unknown = reason
        .strip_prefix(", unknown field \"")
        .or_else(|| {
            reason
                .strip_prefix(", field \"")
                .filter(|_| reason.ends_with("is required but not provided"))
        })
        .and_then(|name| name.split_once('"'))
        .map(|(name, _)| name);
    Some(match unknown {
        Some(name) => format!("{path}.{name}"),
        None => path.to_owned(),
    })
}

/// The refusal of a document over the complexity limit, naming its cost and the limit.
pub fn too_complex(cost: usize, limit: usize) -> ServerError {
    let mut error = with_code(
        ServerError::new(
            format!(
                "The query costs {cost} and the limit is {limit}: each field costs 1 and a list \
                 multiplies what it selects by its page size (`first`); ask for fewer fields or \
                 smaller pages"
            ),
            None,
        ),
        ErrorCode::QueryRejected,
    );
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("cost", Value::from(cost));
    extensions.set("limit", Value::from(limit));
    error
}

/// Refuses a request that leaves out a variable its operation requires (non-null, without a
/// default): `BAD_USER_INPUT` on the variable, before anything runs. The library checks
/// variables that are given; one left out would otherwise fail only when a resolver reads it.
pub fn check_required_variables(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> ServerResult<()> {
    use async_graphql::parser::types::DocumentOperations;
    let operation = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name),
        // Which operation runs is for validation to settle.
        (DocumentOperations::Multiple(_), None) => None,
    };
    let Some(operation) = operation else {
        return Ok(());
    };
    for definition in &operation.node.variable_definitions {
        let definition = &definition.node;
        let name = definition.name.node.as_str();
        let given = variables.get(&definition.name.node);
        let required = !definition.var_type.node.nullable;
        let problem = match given {
            None if required && definition.default_value.is_none() => "was not provided",
            Some(Value::Null) if required => "must not be null",
            _ => continue,
        };
        {
            let mut error = with_code(
                ServerError::new(
                    format!(
                        "Variable \"${name}\" of required type \"{}\" {problem}",
                        definition.var_type.node
                    ),
                    Some(definition.name.pos),
                ),
                ErrorCode::BadUserInput,
            );
            error
                .extensions
                .get_or_insert_with(Default::default)
                .set("field", Value::String(name.to_owned()));
            return Err(error);
        }
    }
    Ok(())
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
fn check_document(doc: &ExecutableDocument, limits: DocumentLimits) -> ServerResult<()> {
    let max_aliases = limits.max_aliases;
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
    limits::check_depth(doc, limits.max_depth).map_err(refused)?;
    match limits::forbidden_text_in_document(doc) {
        Some(path) => Err(forbidden_text(path)),
        None => Ok(()),
    }
}

/// Parses a document as the safety net's parse hook would: the text's nesting first, coded
/// parse failures, then the document's limits. Variables are checked by [`check_variables`].
pub fn parse_document(query: &str, limits: DocumentLimits) -> ServerResult<ExecutableDocument> {
    self::limits::check_text_nesting(query).map_err(refused)?;
    let doc = async_graphql::parser::parse_query(query)
        .map_err(|err| coded_parse_error(ServerError::from(err)))?;
    check_document(&doc, limits)?;
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
        check_document(&doc, self.limits)?;
        // Over HTTP the executor checks the selected operation; a socket's document most
        // often holds one.
        check_required_variables(&doc, None, variables)?;
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(coded_validation_error)
                .collect::<Vec<_>>()
        })?;
        if result.complexity > self.limits.max_complexity {
            return Err(vec![too_complex(
                result.complexity,
                self.limits.max_complexity,
            )]);
        }
        Ok(result)
    }
}
