//! `verdict receipt verify FILE [--keys FILE|URL]`: checks signed receipts offline.

use std::{io::Read, path::PathBuf, time::Instant};

use verdict_receipt::{limits::MAX_DOCUMENT_BYTES, verify, Jwks, KeySet};

use super::{keys::SigningKeyArgs, CommandError};

/// Receipts listed one per line (NDJSON) may fill a file this large.
const MAX_FILE_BYTES: u64 = 1024 * 1024 * 1024;

#[derive(Debug, clap::Args)]
pub struct ReceiptVerifyArgs {
    /// A signed receipt (JSON), or many, one per line; `-` reads standard input.
    pub file: String,

    /// The trusted public keys: a JWKS file, a Verdict key file, or an `http(s)://` URL of a
    /// server's `/.well-known/verdict-keys.json`. Defaults to this server's key file.
    #[arg(long)]
    pub keys: Option<String>,

    #[command(flatten)]
    pub key_file: SigningKeyArgs,
}

fn usage(message: impl Into<String>) -> CommandError {
    CommandError::Usage(message.into())
}

/// Verifies every receipt given; fails unless all verify. Only signatures are checked: whether
/// the decision and its chain are still stored as receipted is `POST /api/v1/receipts/verify`.
pub async fn verify_command(args: ReceiptVerifyArgs) -> Result<(), CommandError> {
    let keys = trusted_keys(&args).await?;
    let text = read_input(&args.file)?;
    let documents = documents_of(&text);
    let started = Instant::now();
    let mut failures = Vec::new();
    let mut last = None;
    for (line, document) in &documents {
        let verification = verify(document.as_bytes(), &keys);
        if !verification.verified() {
            let problem = verification.problem.as_ref().map_or_else(
                || "does not verify".to_owned(),
                |problem| problem.to_string(),
            );
            failures.push(format!(
                "{}{problem}",
                line.map(|n| format!("line {n}: ")).unwrap_or_default()
            ));
        }
        last = Some(verification);
    }
    let elapsed = started.elapsed();
    match (documents.len(), last) {
        (0, _) | (_, None) => return Err(usage(format!("{}: no receipt in it", args.file))),
        (1, Some(verification)) if failures.is_empty() => {
            let Some(receipt) = verification.receipt else {
                return Err(usage("the receipt verified but could not be read"));
            };
            println!(
                "verified: the receipt of decision {} ({}, {} event(s), chain head {}) issued by {} at {}, signed with key {}",
                receipt.decision_id,
                receipt.status,
                receipt.event_count,
                receipt.chain_head,
                receipt.issuer,
                receipt.issued_at,
                receipt.key_id
            );
        }
        (count, _) => {
            let rate = count as f64 / elapsed.as_secs_f64().max(1e-9);
            println!(
                "{} of {count} receipt(s) verified in {elapsed:.2?} ({rate:.0} receipts/s)",
                count - failures.len()
            );
        }
    }
    for failure in failures.iter().take(20) {
        println!("NOT verified: {failure}");
    }
    if failures.len() > 20 {
        println!("… and {} more not verified", failures.len() - 20);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(usage(format!(
            "{} receipt(s) did not verify",
            failures.len()
        )))
    }
}

/// One document, or one per line when the first line is a whole JSON object (NDJSON). Lines
/// are numbered from 1 when there are several.
fn documents_of(text: &str) -> Vec<(Option<usize>, &str)> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    let first_is_whole = lines.next().is_some_and(|(_, line)| {
        serde_json::from_str::<serde_json::Value>(line).is_ok_and(|value| value.is_object())
    });
    if first_is_whole && text.lines().filter(|line| !line.trim().is_empty()).count() > 1 {
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| (Some(index + 1), line))
            .collect()
    } else if text.trim().is_empty() {
        Vec::new()
    } else {
        vec![(None, text)]
    }
}

fn read_input(file: &str) -> Result<String, CommandError> {
    let mut text = String::new();
    let read = if file == "-" {
        std::io::stdin()
            .take(MAX_FILE_BYTES)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(MAX_FILE_BYTES).read_to_string(&mut text))
    };
    read.map_err(|error| usage(format!("{file}: {error}")))?;
    Ok(text)
}

async fn trusted_keys(args: &ReceiptVerifyArgs) -> Result<Jwks, CommandError> {
    let Some(keys) = &args.keys else {
        let path = args.key_file.path();
        return verdict_receipt::read_key_file(&path)
            .map(|keys| keys.jwks())
            .map_err(|error| {
                usage(format!(
                    "{error} (pass --keys FILE|URL to verify with other keys)"
                ))
            });
    };
    let bytes = if keys.starts_with("https://") || keys.starts_with("http://") {
        fetch(keys).await?
    } else {
        std::fs::read(keys).map_err(|error| usage(format!("{keys}: {error}")))?
    };
    if let Ok(set) = KeySet::from_file_json(&bytes, &PathBuf::from(keys)) {
        return Ok(set.jwks());
    }
    let jwks = Jwks::from_json(&bytes).map_err(|error| usage(format!("{keys}: {error}")))?;
    if jwks.keys().is_empty() {
        return Err(usage(format!("{keys}: no Ed25519 signing key in it")));
    }
    Ok(jwks)
}

/// The host of an http(s) URL, for allowing the one fetch to reach it.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = match authority.strip_prefix('[') {
        Some(bracketed) => &authority[..bracketed.find(']')? + 2],
        None => authority.split(':').next()?,
    };
    (!host.is_empty()).then_some(host)
}

/// Fetches a key set; the host the operator named may be internal (it is allowed for this
/// fetch), and no more than a key set's largest size is read.
async fn fetch(url: &str) -> Result<Vec<u8>, CommandError> {
    let host = host_of(url).ok_or_else(|| usage(format!("{url}: not an http(s) URL")))?;
    let outbound = app::ssr::services::outbound::Outbound::new(&[host.to_owned()]);
    let client = outbound.client().map_err(usage)?;
    let failed = |error: String| usage(format!("{url}: {error}"));
    let mut response = client
        .get(url)
        .send()
        .await
        .map_err(|error| failed(error.to_string()))?;
    if !response.status().is_success() {
        return Err(failed(format!("answered {}", response.status())));
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| failed(error.to_string()))?
    {
        bytes.extend_from_slice(&chunk);
        if bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(failed("the key set is larger than 1 MiB".to_owned()));
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_read_from_urls() {
        assert_eq!(
            host_of("https://verdict.example.com/.well-known/x"),
            Some("verdict.example.com")
        );
        assert_eq!(host_of("http://127.0.0.1:3000/x"), Some("127.0.0.1"));
        assert_eq!(host_of("http://[::1]:3000/x"), Some("[::1]"));
        assert_eq!(host_of("http://u:p@h.example/x"), Some("h.example"));
        assert_eq!(host_of("nothing"), None);
    }

    #[test]
    fn one_document_or_one_per_line() {
        assert_eq!(documents_of("{\n \"a\": 1\n}\n").len(), 1);
        assert_eq!(documents_of("{\"a\":1}\n\n{\"a\":2}\n").len(), 2);
        assert_eq!(documents_of("{\"a\":1}\n")[0].0, None);
        assert!(documents_of("  \n").is_empty());
    }
}
