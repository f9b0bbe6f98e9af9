//! Who is asking: a bearer token (the API) or a status-page session cookie made from one.
//!
//! Tokens are compared in constant time: the presented token's SHA-256 is compared with every
//! configured token's SHA-256 (fixed length, `subtle`), all of them, whether or not one matched.
//! A session cookie is `name.expiry.mac` with the mac an HMAC-SHA256 keyed by the token itself:
//! it works on every replica, holds no token, and dies when the token is removed.

use axum::http::{HeaderMap, StatusCode, header};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::ApiError;
use crate::config::{ApiToken, Scope};

/// The status page's session cookie.
pub const SESSION_COOKIE: &str = "pw_session";

/// How long a status-page login lasts.
pub const SESSION_HOURS: i64 = 12;

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
}

/// The token of `presented`, compared in constant time with every token.
pub fn find<'t>(tokens: &'t [ApiToken], presented: &str) -> Option<&'t ApiToken> {
    let digest = Sha256::digest(presented.as_bytes());
    let mut found = None;
    for token in tokens {
        let expected = Sha256::digest(token.token.expose().as_bytes());
        if bool::from(expected.as_slice().ct_eq(digest.as_slice())) {
            found = Some(token);
        }
    }
    found
}

/// The bearer token of a request, if it sent one.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Checks the request's bearer token: 401 when missing or unknown, 403 when its scope is short.
pub fn require(tokens: &[ApiToken], headers: &HeaderMap, needed: Scope) -> Result<Caller, ApiError> {
    let Some(presented) = bearer(headers) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send a token: Authorization: Bearer TOKEN (tokens are set in [http] tokens, http.tokens_file \
             or PETITION_WATCH_API_TOKENS)",
        ));
    };
    let Some(token) = find(tokens, presented) else {
        tracing::warn!("HTTP request with an unknown token refused");
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "the token is not known"));
    };
    if !token.scope.allows(needed) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("token {:?} has scope {}; this needs {}", token.name, token.scope.as_str(), needed.as_str()),
        ));
    }
    Ok(Caller { name: token.name.clone(), scope: token.scope })
}

fn mac(token: &ApiToken, name: &str, expires: i64) -> Vec<u8> {
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(token.token.expose().as_bytes()) else { return Vec::new() };
    mac.update(format!("status-page|{name}|{expires}").as_bytes());
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A session cookie value for `token`, valid until `expires` (Unix seconds).
pub fn session_value(token: &ApiToken, expires: i64) -> String {
    format!("{}.{expires}.{}", token.name, hex(&mac(token, &token.name, expires)))
}

/// The caller of a valid, unexpired session cookie.
pub fn session(tokens: &[ApiToken], headers: &HeaderMap, now: i64) -> Option<Caller> {
    let cookies = headers.get_all(header::COOKIE);
    let value = cookies
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))?;
    let mut parts = value.rsplitn(3, '.');
    let (Some(given), Some(expires), Some(name)) = (parts.next(), parts.next(), parts.next()) else { return None };
    let expires: i64 = expires.parse().ok()?;
    if expires <= now {
        return None;
    }
    let token = tokens.iter().find(|t| t.name == name)?;
    let expected = hex(&mac(token, name, expires));
    bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
        .then(|| Caller { name: name.to_owned(), scope: token.scope })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn token(name: &str, scope: Scope, value: &str) -> ApiToken {
        ApiToken { name: name.into(), scope, token: Secret::new(value) }
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), value.parse().expect("header value"));
        }
        map
    }

    #[test]
    fn scopes_decide_between_401_and_403() {
        let tokens = [
            token("ops", Scope::Read, "read-token-0123456789"),
            token("intake", Scope::Write, "write-token-0123456789"),
        ];
        let none = require(&tokens, &HeaderMap::new(), Scope::Read).expect_err("no token");
        assert_eq!((none.status, none.code), (StatusCode::UNAUTHORIZED, "unauthorized"));
        let wrong = headers(&[(header::AUTHORIZATION, "Bearer read-token-0123456788")]);
        assert_eq!(require(&tokens, &wrong, Scope::Read).expect_err("unknown").status, StatusCode::UNAUTHORIZED);
        let read = headers(&[(header::AUTHORIZATION, "bearer read-token-0123456789")]);
        assert_eq!(require(&tokens, &read, Scope::Read).expect("read").name, "ops");
        assert_eq!(require(&tokens, &read, Scope::Write).expect_err("short scope").status, StatusCode::FORBIDDEN);
        let write = headers(&[(header::AUTHORIZATION, "Bearer write-token-0123456789")]);
        assert_eq!(require(&tokens, &write, Scope::Write).expect("write").scope, Scope::Write);
    }

    #[test]
    fn a_session_cookie_is_bound_to_its_token_and_expiry() {
        let tokens = [token("office", Scope::Read, "office-token-0123456789")];
        let value = session_value(&tokens[0], 1_000);
        assert!(!value.contains("office-token"), "the cookie holds no token");
        let cookie = |v: &str| headers(&[(header::COOKIE, &format!("theme=dark; {SESSION_COOKIE}={v}"))]);
        assert_eq!(session(&tokens, &cookie(&value), 999).map(|c| c.name), Some("office".into()));
        assert_eq!(session(&tokens, &cookie(&value), 1_000), None, "expired");
        let forged = value.replace(".1000.", ".9999.");
        assert_eq!(session(&tokens, &cookie(&forged), 999), None, "a longer expiry breaks the mac");
        let rotated = [token("office", Scope::Read, "office-token-new-0123456789")];
        assert_eq!(session(&rotated, &cookie(&value), 999), None, "a new token ends old sessions");
    }
}
