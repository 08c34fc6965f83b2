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
use super::limits::count_aliases;
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

/// Codes whatever is still uncoded and stamps the request id.
fn finish(mut response: Response, request_id: Option<&str>) -> Response {
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
        let doc = next.run(ctx, query, variables).await.map_err(|err| {
            let code = if err.message.contains("recursion") || err.message.contains("too many") {
                ErrorCode::QueryRejected
            } else {
                ErrorCode::GraphqlParseFailed
            };
            with_code(err, code)
        })?;
        if count_aliases(&doc) > self.max_aliases {
            return Err(with_code(
                ServerError::new(
                    format!("The document uses more than {} aliases", self.max_aliases),
                    None,
                ),
                ErrorCode::QueryRejected,
            ));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|err| {
                    let code = if err.message == "Query is too complex."
                        || err.message == "Query is nested too deep."
                    {
                        ErrorCode::QueryRejected
                    } else {
                        ErrorCode::GraphqlValidationFailed
                    };
                    with_code(err, code)
                })
                .collect()
        })
    }
}
