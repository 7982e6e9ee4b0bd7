//! Sending email through the configured SMTP server.

use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    transport::smtp::authentication::Credentials,
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

use crate::ssr::state::{SmtpSecurity, SmtpSettings};

/// One message, as plain text and as HTML.
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub text: String,
    pub html: String,
}

/// Sends `mail`; the error says why, in words fit for the delivery's attempt log.
pub async fn send(smtp: &SmtpSettings, mail: Mail<'_>) -> Result<(), String> {
    let from: Mailbox = smtp
        .from
        .parse()
        .map_err(|_| format!("the sender {:?} is not an address", smtp.from))?;
    let to: Mailbox = mail
        .to
        .parse()
        .map_err(|_| format!("{:?} is not an address", mail.to))?;
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(mail.text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(mail.html),
                ),
        )
        .map_err(|error| format!("the message could not be built: {error}"))?;
    // The ring provider, as for webhooks; another part of the process may have installed one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = match smtp.security {
        SmtpSecurity::None => {
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
        }
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|error| format!("no TLS for {}: {error}", smtp.host))?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|error| format!("no TLS for {}: {error}", smtp.host))?,
    };
    let mut builder = builder.port(smtp.port);
    if let Some((user, password)) = &smtp.credentials {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|error| format!("the mail server refused or could not be reached: {error}"))
}

/// Text as HTML content, so a title or message can never become markup in an email.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
