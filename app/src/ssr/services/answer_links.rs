//! Emailed approve and reject links: signed (HMAC-SHA256 with a secret every server shares),
//! bound to one request, one answer and one recipient, valid until the request expires, and
//! usable once. Following a link only shows a confirmation page; the answer counts when the
//! person confirms there.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};

use crate::{
    error::{AppError, AppResult},
    model::Answer,
    ssr::{auth::tokens, db::Db, now_millis, store},
};

const SECRET_NAME: &str = "answer_link_key";

/// What a valid link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerClaim {
    pub approval_id: String,
    pub answer: Answer,
    pub recipient: String,
    pub expires_at: i64,
    /// The digest that marks the link as used.
    pub digest: String,
}

async fn key(db: &Db) -> AppResult<String> {
    Ok(store::answer_links::secret(&db.pool, SECRET_NAME, &tokens::random_secret()).await?)
}

/// A link token for `recipient` to approve (or reject) `approval_id` until `expires_at`.
pub async fn issue(
    db: &Db,
    approval_id: &str,
    answer: Answer,
    recipient: &str,
    expires_at: i64,
) -> AppResult<String> {
    let claim = format!(
        "{approval_id}|{}|{recipient}|{expires_at}|{}",
        answer.link_word(),
        tokens::random_secret()
    );
    let signature = hmac_sha256::HMAC::mac(claim.as_bytes(), key(db).await?.as_bytes());
    Ok(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(claim),
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// The claim of a link that is authentic, unexpired and unused.
pub async fn verify(db: &Db, token: &str) -> AppResult<AnswerClaim> {
    let invalid = || AppError::BadSignature {
        message: "This link is not valid. Open the request in Verdict instead.".to_owned(),
    };
    let (claim, signature) = token.split_once('.').ok_or_else(invalid)?;
    let claim = URL_SAFE_NO_PAD.decode(claim).map_err(|_| invalid())?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| invalid())?;
    let expected = hmac_sha256::HMAC::mac(&claim, key(db).await?.as_bytes());
    if !tokens::constant_time_eq(&hex::encode(expected), &hex::encode(&signature)) {
        return Err(invalid());
    }
    let claim = String::from_utf8(claim).map_err(|_| invalid())?;
    let parts: Vec<&str> = claim.split('|').collect();
    let [approval_id, answer, recipient, expires_at, _nonce] = parts[..] else {
        return Err(invalid());
    };
    let expires_at: i64 = expires_at.parse().map_err(|_| invalid())?;
    if expires_at <= now_millis() {
        return Err(AppError::Conflict {
            message: "This link has expired, as has the request it was for.".to_owned(),
        });
    }
    let digest = tokens::digest(token);
    if store::answer_links::is_used(&db.pool, &digest).await? {
        return Err(AppError::conflict("This link has been used already."));
    }
    Ok(AnswerClaim {
        approval_id: approval_id.to_owned(),
        answer: Answer::parse(answer).ok_or_else(invalid)?,
        recipient: recipient.to_owned(),
        expires_at,
        digest,
    })
}

/// Marks the link used; refused when another use got there first.
pub async fn consume(db: &Db, claim: &AnswerClaim) -> AppResult<()> {
    if store::answer_links::mark_used(&db.pool, &claim.digest, &claim.approval_id, now_millis())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::conflict("This link has been used already."))
    }
}
