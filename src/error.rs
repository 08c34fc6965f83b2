//! The one error type of the service and the append-only set of codes clients rely on.
//!
//! Every error a client can see carries `extensions.code`. Database and driver details are
//! logged with the request id and never returned.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, RuntimeErr};

/// Stable error codes, exposed as `extensions.code`. Append only: never rename or reuse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadUserInput,
    Conflict,
    Duplicate,
    InvalidState,
    IdempotencyKeyReused,
    RateLimited,
    QueryRejected,
    ServiceUnavailable,
    InternalServerError,
    GraphqlParseFailed,
    GraphqlValidationFailed,
    PersistedQueryNotFound,
    PersistedQueryNotInList,
    FileTooLarge,
    UnsupportedFileType,
    /// An API key called a root field its scopes do not open.
    InsufficientScope,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 19] = [
        Self::Unauthenticated,
        Self::Forbidden,
        Self::NotFound,
        Self::BadUserInput,
        Self::Conflict,
        Self::Duplicate,
        Self::InvalidState,
        Self::IdempotencyKeyReused,
        Self::RateLimited,
        Self::QueryRejected,
        Self::ServiceUnavailable,
        Self::InternalServerError,
        Self::GraphqlParseFailed,
        Self::GraphqlValidationFailed,
        Self::PersistedQueryNotFound,
        Self::PersistedQueryNotInList,
        Self::FileTooLarge,
        Self::UnsupportedFileType,
        Self::InsufficientScope,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Conflict => "CONFLICT",
            Self::Duplicate => "DUPLICATE",
            Self::InvalidState => "INVALID_STATE",
            Self::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            Self::RateLimited => "RATE_LIMITED",
            Self::QueryRejected => "QUERY_REJECTED",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryNotInList => "PERSISTED_QUERY_NOT_IN_LIST",
            Self::FileTooLarge => "FILE_TOO_LARGE",
            Self::UnsupportedFileType => "UNSUPPORTED_FILE_TYPE",
            Self::InsufficientScope => "INSUFFICIENT_SCOPE",
        }
    }
}

/// The message every unexpected failure shows; the details go to the log.
pub const INTERNAL_MESSAGE: &str = "Internal server error";

/// A failure of a service operation, with everything a client may be told about it.
#[derive(Debug, Clone, PartialEq)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// Input path the error concerns, e.g. `input.email`.
    pub field: Option<String>,
    pub current_version: Option<i32>,
    pub existing_id: Option<String>,
    /// Seconds (a `u32` keeps the error small: results carry it by value).
    pub retry_after_seconds: Option<u32>,
    /// Further input errors of the same request, each reported as an error of its own.
    pub more: Box<[AppError]>,
    /// What is still missing, as (id, name) pairs: `extensions.missing: [{id name}]`.
    pub missing: Option<Box<Vec<(String, String)>>>,
}

pub type AppResult<T> = Result<T, AppError>;

/// Where the further errors of one input travel from a resolver to the response, which lists
/// each as an error of its own (and drops this entry).
pub const MORE_ERRORS: &str = "moreErrors";

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            current_version: None,
            existing_id: None,
            retry_after_seconds: None,
            more: Box::default(),
            missing: None,
        }
    }

    /// This error listing what is still missing (each an id and a name).
    pub fn with_missing(mut self, missing: Vec<(String, String)>) -> Self {
        self.missing = Some(Box::new(missing));
        self
    }

    /// This error with `more` of the same input reported beside it.
    pub fn with_more(mut self, more: Vec<AppError>) -> Self {
        self.more = more.into_boxed_slice();
        self
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Authentication required")
    }

    pub fn forbidden() -> Self {
        Self::new(
            ErrorCode::Forbidden,
            "Your role may not perform this operation",
        )
    }

    /// A record the caller may see but not change (seen through a split, a share or a link).
    pub fn read_only(what: &str) -> Self {
        Self::new(
            ErrorCode::Forbidden,
            format!("You may see this {what} but not change it"),
        )
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadUserInput, message).with_field(field)
    }

    pub fn conflict(current_version: i32) -> Self {
        Self {
            current_version: Some(current_version),
            ..Self::new(
                ErrorCode::Conflict,
                "The record was changed by someone else; reload it and retry",
            )
        }
    }

    pub fn duplicate(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Duplicate, message).with_field(field)
    }

    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidState, message)
    }

    pub fn rate_limited(retry_after_seconds: i64) -> Self {
        Self {
            retry_after_seconds: Some(
                u32::try_from(retry_after_seconds.max(1)).unwrap_or(u32::MAX),
            ),
            ..Self::new(ErrorCode::RateLimited, "Too many attempts; retry later")
        }
    }

    pub fn internal() -> Self {
        Self::new(ErrorCode::InternalServerError, INTERNAL_MESSAGE)
    }

    pub fn unavailable() -> Self {
        Self::new(
            ErrorCode::ServiceUnavailable,
            "The service is temporarily unavailable; retry shortly",
        )
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Names `field` as the input whose id named nothing the caller may see, when this is a
    /// `NOT_FOUND` that names no field yet.
    pub fn naming(mut self, field: &str) -> Self {
        if self.code == ErrorCode::NotFound && self.field.is_none() {
            self.field = Some(field.to_owned());
        }
        self
    }

    pub fn with_existing_id(mut self, id: impl Into<String>) -> Self {
        self.existing_id = Some(id.into());
        self
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for AppError {}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        if is_connection_failure(&err) {
            tracing::error!(error = %err, "database unreachable");
            Self::unavailable()
        } else {
            tracing::error!(error = %err, "database error");
            Self::internal()
        }
    }
}

impl<E> From<sea_orm::TransactionError<E>> for AppError
where
    E: Into<AppError> + std::error::Error,
{
    fn from(err: sea_orm::TransactionError<E>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner.into(),
        }
    }
}

fn is_connection_failure(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            match e.as_ref() {
                sea_orm::sqlx::Error::Io(_)
                | sea_orm::sqlx::Error::PoolTimedOut
                | sea_orm::sqlx::Error::PoolClosed
                | sea_orm::sqlx::Error::WorkerCrashed => true,
                // PostgreSQL shutting down or restarting (57P01–57P03: operator intervention)
                // or the connection failing (class 08): retryable once it is back.
                sea_orm::sqlx::Error::Database(db) => db
                    .code()
                    .is_some_and(|code| code.starts_with("57P") || code.starts_with("08")),
                _ => false,
            }
        }
        _ => false,
    }
}

/// True when the database refused a write because of a unique constraint.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let AppError {
            code,
            message,
            field,
            current_version,
            existing_id,
            retry_after_seconds,
            more,
            missing,
        } = err;
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", code.as_str());
            if let Some(field) = field {
                ext.set("field", field);
            }
            if let Some(version) = current_version {
                ext.set("currentVersion", version);
            }
            if let Some(id) = existing_id {
                ext.set("existingId", id);
            }
            if let Some(seconds) = retry_after_seconds {
                ext.set("retryAfterSeconds", seconds);
            }
            if code == ErrorCode::ServiceUnavailable {
                ext.set("retryable", true);
            }
            if let Some(missing) = missing {
                let items = missing
                    .into_iter()
                    .map(|(id, name)| {
                        let mut fields = async_graphql::indexmap::IndexMap::new();
                        fields.insert(
                            async_graphql::Name::new("id"),
                            async_graphql::Value::from(id),
                        );
                        fields.insert(
                            async_graphql::Name::new("name"),
                            async_graphql::Value::from(name),
                        );
                        async_graphql::Value::Object(fields)
                    })
                    .collect::<Vec<_>>();
                ext.set("missing", async_graphql::Value::List(items));
            }
            if !more.is_empty() {
                let others = more
                    .into_vec()
                    .into_iter()
                    .map(|other| {
                        let mut fields = async_graphql::indexmap::IndexMap::new();
                        fields.insert(
                            async_graphql::Name::new("message"),
                            async_graphql::Value::from(other.message),
                        );
                        fields.insert(
                            async_graphql::Name::new("code"),
                            async_graphql::Value::from(other.code.as_str()),
                        );
                        if let Some(field) = other.field {
                            fields.insert(
                                async_graphql::Name::new("field"),
                                async_graphql::Value::from(field),
                            );
                        }
                        async_graphql::Value::Object(fields)
                    })
                    .collect::<Vec<_>>();
                ext.set(MORE_ERRORS, async_graphql::Value::List(others));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented_in_the_readme() {
        let readme = include_str!("../README.md");
        for code in ErrorCode::ALL {
            assert!(
                readme.contains(&format!("| `{}` |", code.as_str())),
                "{} missing",
                code.as_str()
            );
        }
    }

    #[test]
    fn an_app_error_becomes_a_graphql_error_with_its_code_and_extras() {
        let error: async_graphql::Error = AppError::conflict(7).into();
        let extensions = error.extensions.expect("extensions");
        assert_eq!(
            extensions.get("code"),
            Some(&async_graphql::Value::from("CONFLICT"))
        );
        assert_eq!(
            extensions.get("currentVersion"),
            Some(&async_graphql::Value::from(7))
        );
        let unavailable: async_graphql::Error = AppError::unavailable().into();
        let extensions = unavailable.extensions.expect("extensions");
        assert_eq!(
            extensions.get("retryable"),
            Some(&async_graphql::Value::from(true))
        );
    }
}
