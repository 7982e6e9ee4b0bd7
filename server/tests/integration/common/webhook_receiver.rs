//! A webhook receiver on a free local port, where approval-route deliveries go in tests: it
//! keeps every delivery's headers and body and answers with the statuses it was given, in order,
//! then with its default (200 unless told otherwise).

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};

#[derive(Clone)]
pub struct WebhookReceiver {
    received: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    answers: Arc<Mutex<VecDeque<StatusCode>>>,
    then: StatusCode,
    /// Sent as `Location` with every answer (a redirect, which must not be followed).
    location: Option<String>,
}

impl Default for WebhookReceiver {
    fn default() -> Self {
        Self {
            received: Arc::default(),
            answers: Arc::default(),
            then: StatusCode::OK,
            location: None,
        }
    }
}

impl WebhookReceiver {
    /// A receiver that answers every delivery `status`, with a `Location` header when
    /// `location` is given; returns its URL.
    pub async fn always(status: StatusCode, location: Option<String>) -> (String, Self) {
        let receiver = Self {
            then: status,
            location,
            ..Self::default()
        };
        let url = receiver.start(&[]).await;
        (url, receiver)
    }

    /// Listens on a free local port, answering `answers` first; returns its URL.
    pub async fn start(&self, answers: &[StatusCode]) -> String {
        self.answers.lock().unwrap().extend(answers);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    }

    /// Every delivery so far: its headers and its body.
    pub fn received(&self) -> Vec<(HeaderMap, String)> {
        self.received.lock().unwrap().clone()
    }

    /// How many deliveries arrived.
    pub fn hits(&self) -> usize {
        self.received.lock().unwrap().len()
    }
}

async fn receive(
    State(receiver): State<WebhookReceiver>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    receiver
        .received
        .lock()
        .unwrap()
        .push((headers, String::from_utf8_lossy(&body).into_owned()));
    let status = receiver
        .answers
        .lock()
        .unwrap()
        .pop_front()
        .unwrap_or(receiver.then);
    match receiver.location {
        Some(location) => (status, [(header::LOCATION, location)]).into_response(),
        None => status.into_response(),
    }
}
