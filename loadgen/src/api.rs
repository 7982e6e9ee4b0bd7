//! The one HTTP client every call goes through, and errors that keep what the server said.

use std::{error::Error as _, fmt, time::Duration};

use reqwest::StatusCode;
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

#[derive(Debug)]
pub enum ApiError {
    /// No HTTP reply at all: refused connection, reset, timeout.
    Transport(reqwest::Error),
    /// A reply outside 2xx.
    Status { status: StatusCode, body: String },
    /// A 2xx reply that is not what the API promises.
    UnexpectedBody { reason: String, body: String },
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // reqwest's own message names only the URL; the cause is further down the chain.
            Self::Transport(error) => {
                write!(f, "{error}")?;
                let mut cause = error.source();
                while let Some(inner) = cause {
                    write!(f, ": {inner}")?;
                    cause = inner.source();
                }
                Ok(())
            }
            Self::Status { status, body } => write!(f, "HTTP {status}: {body}"),
            Self::UnexpectedBody { reason, body } => write!(f, "{reason}: {body}"),
        }
    }
}

impl std::error::Error for ApiError {}

pub struct Api {
    client: reqwest::Client,
    base_url: String,
}

impl Api {
    /// `concurrency` idle connections are kept so that no agent waits for a new TCP handshake.
    pub fn new(base_url: &str, concurrency: usize) -> Result<Self, ApiError> {
        let client = loadgen::http_client_builder()
            .pool_max_idle_per_host(concurrency)
            .tcp_nodelay(true)
            // A hung request would otherwise stall its agent silently until the run ends.
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(ApiError::Transport)?;
        Ok(Self {
            client,
            base_url: base_url.to_owned(),
        })
    }

    /// POSTs `body` as JSON with `token` as bearer and parses a 2xx reply as `Reply`.
    pub async fn post<Reply: DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
        body: &impl Serialize,
    ) -> Result<Reply, ApiError> {
        let reply = self.send(path, Some(token), body).await?;
        serde_json::from_str(&reply).map_err(|error| ApiError::UnexpectedBody {
            reason: format!("unreadable reply ({error})"),
            body: reply,
        })
    }

    /// Like `post`, without a credential (`POST /api/v1/receipts/verify` takes none).
    pub async fn post_public<Reply: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<Reply, ApiError> {
        let reply = self.send(path, None, body).await?;
        serde_json::from_str(&reply).map_err(|error| ApiError::UnexpectedBody {
            reason: format!("unreadable reply ({error})"),
            body: reply,
        })
    }

    /// Like `post` for calls whose reply carries nothing the caller needs (it may be empty).
    pub async fn post_ignoring_reply(
        &self,
        path: &str,
        token: &str,
        body: &impl Serialize,
    ) -> Result<(), ApiError> {
        self.send(path, Some(token), body).await.map(drop)
    }

    /// The body of a 2xx reply.
    async fn send(
        &self,
        path: &str,
        token: Option<&str>,
        body: &impl Serialize,
    ) -> Result<String, ApiError> {
        let mut request = self.client.post(format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request
            .json(body)
            .send()
            .await
            .map_err(ApiError::Transport)?;
        let status = response.status();
        let body = response.text().await.map_err(ApiError::Transport)?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(ApiError::Status { status, body })
        }
    }
}

impl Api {
    /// Any call: the status and body whatever they are, or what kept a reply from coming.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> Result<(StatusCode, String), String> {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .map_err(|error| ApiError::Transport(error).to_string())?;
        let status = response.status();
        let body = response
            .text()
            .await
            .map_err(|error| ApiError::Transport(error).to_string())?;
        Ok((status, body))
    }
}

/// The string at `field` of a JSON reply, or an error quoting the whole reply.
pub fn string_field<'reply>(reply: &'reply Value, field: &str) -> Result<&'reply str, ApiError> {
    reply[field]
        .as_str()
        .ok_or_else(|| ApiError::UnexpectedBody {
            reason: format!("no string `{field}` in the reply"),
            body: reply.to_string(),
        })
}

/// Checks that `field` of a JSON reply is the string `expected`.
pub fn expect_field(reply: &Value, field: &str, expected: &str) -> Result<(), ApiError> {
    let actual = string_field(reply, field)?;
    if actual == expected {
        Ok(())
    } else {
        Err(ApiError::UnexpectedBody {
            reason: format!("`{field}` is `{actual}`, expected `{expected}`"),
            body: reply.to_string(),
        })
    }
}
