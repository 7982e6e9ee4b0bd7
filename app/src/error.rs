//! The one error type of the application layer. It crosses the wire to the browser as JSON, so
//! every variant carries only what a person may see; internals are logged where they happen.

use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum AppError {
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// A signed request (a route's webhook receiver) whose signature does not verify.
    #[error("{message}")]
    BadSignature { message: String },
    #[error("Your role does not allow this.")]
    Forbidden,
    /// Refused for a reason beyond the role, which the message names.
    #[error("{message}")]
    NotPermitted { message: String },
    #[error("{message}")]
    NotFound { message: String },
    #[error("{message}")]
    Conflict { message: String },
    /// A write whose action is not one the decision evaluated and permitted (the binding rule):
    /// refused, and recorded on the decision as `write_refused`.
    #[error("{message}")]
    ActionMismatch {
        message: String,
        /// The fields that differ from the closest evaluated action.
        differing: Vec<String>,
    },
    /// An attempt to read or write that the data product catalogue, the decision's purpose or
    /// its risk tier refuses: recorded on the decision (`read_refused` / `write_refused`) and
    /// answered with the refusal's own code and status.
    #[error("{message}")]
    Refused {
        refusal: crate::model::RefusalCode,
        message: String,
        /// The request field at fault (`product`, `operation`, `purpose`), when there is one.
        field: Option<String>,
        /// The operation's risk tier, when the refusal is about it.
        risk_tier: Option<String>,
    },
    #[error("{message}")]
    TooManyAttempts { message: String },
    #[error("The request could not be read: {message}")]
    BadRequest { message: String },
    #[error("{message}")]
    UnsupportedMediaType { message: String },
    #[error("The request body is larger than this server accepts.")]
    TooLarge,
    #[error("{message}")]
    MethodNotAllowed { message: String },
    #[error("{message}")]
    Frozen { message: String },
    #[error("Too many requests for this key; retry in {retry_after_seconds} s.")]
    RateLimited { retry_after_seconds: u64 },
    /// A passing condition (the database busy, restarting or out of space; every evaluation
    /// slot taken): nothing was changed, and the same request may succeed after the wait.
    #[error("{message}")]
    Unavailable {
        message: String,
        retry_after_seconds: u64,
        /// Lost a race with another writer (SQLite busy past its timeout, a PostgreSQL
        /// serialization failure or deadlock): the same transaction at once again will likely
        /// pass (`Db::write` retries it). Not sent to the browser.
        #[serde(skip)]
        contended: bool,
    },
    #[error("Something went wrong on our side; it has been logged.")]
    Internal,
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound {
            message: message.into(),
        }
    }

    pub fn unavailable(message: impl Into<String>, retry_after_seconds: u64) -> Self {
        Self::Unavailable {
            message: message.into(),
            retry_after_seconds,
            contended: false,
        }
    }

    /// A transaction that lost a race with another writer, which trying again may win.
    pub fn is_contended(&self) -> bool {
        matches!(
            self,
            Self::Unavailable {
                contended: true,
                ..
            }
        )
    }

    /// How long a caller should wait before trying again, for the refusals that pass.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            Self::RateLimited {
                retry_after_seconds,
            }
            | Self::Unavailable {
                retry_after_seconds,
                ..
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict {
            message: message.into(),
        }
    }

    /// The form field this error belongs next to, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => Some(field),
            Self::Refused { field, .. } => field.as_deref(),
            _ => None,
        }
    }

    /// The fields an `action_mismatch` names (those that differ from the evaluated action).
    pub fn differing_fields(&self) -> Option<&[String]> {
        match self {
            Self::ActionMismatch { differing, .. } => Some(differing),
            _ => None,
        }
    }

    /// The risk tier a refusal names, when it is about one.
    pub fn risk_tier(&self) -> Option<&str> {
        match self {
            Self::Refused { risk_tier, .. } => risk_tier.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status this error is answered with, on every surface.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Invalid { .. } => 422,
            Self::Unauthenticated | Self::BadSignature { .. } => 401,
            Self::Forbidden | Self::NotPermitted { .. } => 403,
            Self::NotFound { .. } => 404,
            Self::Conflict { .. } | Self::ActionMismatch { .. } => 409,
            Self::Refused { refusal, .. } => refusal.status_code(),
            Self::TooManyAttempts { .. } => 429,
            Self::BadRequest { .. } => 400,
            Self::UnsupportedMediaType { .. } => 415,
            Self::TooLarge => 413,
            Self::MethodNotAllowed { .. } => 405,
            Self::Frozen { .. } => 423,
            Self::RateLimited { .. } => 429,
            Self::Unavailable { .. } => 503,
            Self::Internal => 500,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "invalid",
            Self::Unauthenticated => "unauthenticated",
            Self::BadSignature { .. } => "bad_signature",
            Self::Forbidden | Self::NotPermitted { .. } => "forbidden",
            Self::NotFound { .. } => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::ActionMismatch { .. } => "action_mismatch",
            Self::Refused { refusal, .. } => refusal.as_str(),
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::BadRequest { .. } => "bad_request",
            Self::UnsupportedMediaType { .. } => "unsupported_media_type",
            Self::TooLarge => "too_large",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Frozen { .. } => "frozen",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable { .. } => "unavailable",
            Self::Internal => "internal",
        }
    }
}

impl FromServerFnError for AppError {
    // Read as text like every answer (`api::codec` says why): one JSON reader for errors too.
    type Encoder = crate::api::codec::JsonTextEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::Deserialization(message)
            | ServerFnErrorErr::MissingArg(message) => Self::BadRequest { message },
            ServerFnErrorErr::Request(message) | ServerFnErrorErr::Response(message) => {
                Self::BadRequest {
                    message: format!("the server could not be reached ({message})"),
                }
            }
            ServerFnErrorErr::Registration(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_)
            | ServerFnErrorErr::ServerError(_)
            | ServerFnErrorErr::MiddlewareError(_)
            | ServerFnErrorErr::Serialization(_) => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        if crate::ssr::db_faults::is_unique_violation(&error) {
            // A race the service did not name (see `db_faults::TakenOnConflict`): the other
            // change won, nothing of this one was written.
            tracing::warn!(%error, "unique violation; answered 409");
            return Self::conflict(
                "Someone else made the same change at the same moment; reload and try again.",
            );
        }
        match crate::ssr::db_faults::classify(&error) {
            Some(fault) => {
                tracing::warn!(%error, cause = fault.cause(), "database unavailable; answered 503");
                fault.into()
            }
            None => {
                tracing::error!(%error, "database error");
                Self::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    fn from(error: tower_sessions::session::Error) -> Self {
        match error {
            // The session store is the database, and the sqlx store keeps only its error's text,
            // so a store failure cannot be classified further: it is the database failing (the
            // fault test saw "pool timed out" while PostgreSQL restarted), answered as one.
            tower_sessions::session::Error::Store(error) => {
                tracing::warn!(%error, "session store unavailable; answered 503");
                crate::ssr::db_faults::DbFault::Unreachable.into()
            }
            error => {
                tracing::error!(%error, "session store error");
                Self::Internal
            }
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
