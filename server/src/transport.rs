//! Serving the router over TCP with the limits `axum::serve` lacks. Idle, half-sent requests
//! held connections for minutes; with a 256-descriptor limit, 300 of them made `/healthz` and
//! `/login` unreachable (issue 22). Here a request's head must arrive within a timeout, a
//! connection on which nothing moves is closed, and connections beyond a cap are answered 503
//! at once, so the descriptors the database and the workers need are never all taken.

use std::{
    future::Future,
    io,
    pin::{pin, Pin},
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::Router;
use hyper::{body::Incoming, server::conn::http1, service::service_fn, Request};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{watch, Notify, Semaphore},
};
use tower::ServiceExt;

/// What each connection may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A request's head (request line and headers) must arrive within this, counted from the
    /// moment the server waits for it, so it also closes keep-alive connections left unused.
    pub header_read_timeout: Duration,
    /// A connection with no request being answered and no byte read or written for this long
    /// is closed (a client that stopped reading its answer). Long-polls are being answered.
    pub idle_timeout: Duration,
    /// Connections open at once; more are answered 503 and closed.
    pub max_connections: usize,
}

/// The answer for a connection beyond the cap, written without waiting and without a request.
const OVER_CAPACITY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
Content-Type: text/plain; charset=utf-8\r\nContent-Length: 40\r\nConnection: close\r\n\r\n\
Too many connections; try again shortly.";

/// A connection refused for the cap is not logged more often than this: under a flood, one line
/// says the cap is being hit rather than thousands.
const CAP_WARNING_EVERY: Duration = Duration::from_secs(10);

/// Accept errors other than a client giving up (out of descriptors, above all) are waited out
/// for this long rather than retried in a busy loop.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(500);

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and lets
/// requests in flight finish (as `axum::serve`'s graceful shutdown does).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopped) = watch::channel(false);
    // Every connection task holds a clone of `open`; `open_tx.closed()` waits for all of them.
    let (open_tx, open) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    let mut cap_warned: Option<Instant> = None;
    loop {
        let (stream, _peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_client_gone(&error) => continue,
                Err(error) => {
                    tracing::error!(%error, "cannot accept a connection; pausing");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if cap_warned.is_none_or(|at| at.elapsed() >= CAP_WARNING_EVERY) {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection cap reached; new connections are answered 503"
                );
                cap_warned = Some(Instant::now());
            }
            refuse(stream);
            continue;
        };
        let connection = serve_connection(stream, router.clone(), limits, stopped.clone());
        let open = open.clone();
        tokio::spawn(async move {
            connection.await;
            drop(slot);
            drop(open);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    drop(open);
    open_tx.closed().await;
}

fn is_client_gone(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Answers 503 to a connection beyond the cap and closes it. A fresh socket's send buffer is
/// empty, so the write does not wait; if it cannot be written at once, the close says enough.
fn refuse(stream: TcpStream) {
    let _ = stream.try_write(OVER_CAPACITY);
}

async fn serve_connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    mut stopped: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        service_fn(move |request: Request<Incoming>| {
            let answering = activity.begin();
            let router = router.clone();
            async move {
                let response = router.oneshot(request).await;
                drop(answering);
                response
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let mut connection = pin!(builder.serve_connection(io, service));
    let mut idle = pin!(activity.idle_for(limits.idle_timeout));
    let mut stopping = false;
    loop {
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
                return;
            }
            changed = stopped.changed(), if !stopping => {
                // A closed channel means the server is gone; stop all the same.
                let _ = changed;
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
            () = &mut idle => {
                tracing::debug!("closing an idle connection");
                return;
            }
        }
    }
}

/// When a connection last moved a byte, and how many of its requests are being answered.
#[derive(Debug)]
struct Activity {
    started: Instant,
    last_millis: AtomicU64,
    answering: AtomicUsize,
    /// Told when an answer is done, so the idle clock is looked at again.
    answered: Notify,
}

struct Answering(Arc<Activity>);

impl Drop for Answering {
    fn drop(&mut self) {
        self.0.answering.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
        self.0.answered.notify_one();
    }
}

impl Activity {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            last_millis: AtomicU64::new(0),
            answering: AtomicUsize::new(0),
            answered: Notify::new(),
        }
    }

    fn touch(&self) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_millis.store(now, Ordering::Relaxed);
    }

    fn begin(self: &Arc<Self>) -> Answering {
        self.answering.fetch_add(1, Ordering::Relaxed);
        Answering(self.clone())
    }

    fn quiet_for(&self) -> Duration {
        let last = Duration::from_millis(self.last_millis.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(last)
    }

    /// Completes once the connection has been idle for `limit`.
    async fn idle_for(self: Arc<Self>, limit: Duration) {
        loop {
            let answered = self.answered.notified();
            let quiet = self.quiet_for();
            if self.answering.load(Ordering::Relaxed) > 0 {
                // Not idle while answering, however long it takes (a long-poll); look again
                // when the answer is done.
                answered.await;
                continue;
            }
            if quiet >= limit {
                return;
            }
            // Look again when the limit would be reached if nothing moves meanwhile.
            tokio::select! {
                () = tokio::time::sleep(limit - quiet) => {}
                () = answered => {}
            }
        }
    }
}

/// A socket that notes every byte moved in its connection's `Activity`.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        result
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(result, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
