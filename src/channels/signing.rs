//! Request signatures (DESIGN §4.1): Standard Webhooks v1 for generic webhooks, DingTalk's and
//! Feishu's robot signatures. Pure functions of the secret, the instant and the body.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Why a signing secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    /// A Standard Webhooks secret is `whsec_` followed by base64.
    #[error("is not a Standard Webhooks secret (whsec_ followed by base64): {0}")]
    NotBase64(String),
    /// The decoded key is too short to be safe.
    #[error("decodes to {0} bytes; at least 24 are needed")]
    TooShort(usize),
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// A decoded Standard Webhooks signing key.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookKey(Vec<u8>);

impl std::fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookKey(***)")
    }
}

impl WebhookKey {
    /// Decodes `whsec_<base64>` (the prefix is optional, as some receivers show it without).
    pub fn parse(secret: &str) -> Result<Self, SecretError> {
        let encoded = secret.trim().strip_prefix("whsec_").unwrap_or(secret.trim());
        let key = STANDARD.decode(encoded).map_err(|e| SecretError::NotBase64(e.to_string()))?;
        if key.len() < 24 {
            return Err(SecretError::TooShort(key.len()));
        }
        Ok(Self(key))
    }
}

/// The `webhook-signature` header of Standard Webhooks v1: `v1,<base64 HMAC-SHA256 of
/// "id.timestamp.body">`, one entry per key, space-separated (several keys during rotation).
pub fn standard_webhook_signature(keys: &[WebhookKey], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{id}.{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    keys.iter().map(|k| format!("v1,{}", STANDARD.encode(hmac_sha256(&k.0, &message)))).collect::<Vec<_>>().join(" ")
}

/// DingTalk custom robot (加签): `sign` = base64(HMAC-SHA256(key = secret,
/// message = "timestamp_ms\nsecret")), URL-encoded, sent as a query parameter with `timestamp`.
pub fn dingtalk_sign(secret: &str, timestamp_ms: i64) -> String {
    let digest = hmac_sha256(secret.as_bytes(), format!("{timestamp_ms}\n{secret}").as_bytes());
    form_urlencoded::byte_serialize(STANDARD.encode(digest).as_bytes()).collect()
}

/// Feishu custom bot (签名校验): `sign` = base64(HMAC-SHA256(key = "timestamp_s\nsecret",
/// message = "")), sent in the JSON body with `timestamp`.
pub fn feishu_sign(secret: &str, timestamp_s: i64) -> String {
    STANDARD.encode(hmac_sha256(format!("{timestamp_s}\n{secret}").as_bytes(), b""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_signature_matches_the_specification_test_vector() {
        let key = WebhookKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
        let signature = standard_webhook_signature(
            &[key],
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn rotating_keys_sign_with_each_in_order() {
        let old = WebhookKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
        let new = WebhookKey::parse("whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA==").expect("secret");
        let both = standard_webhook_signature(&[old.clone(), new], "msg_1", 1, b"{}");
        let parts: Vec<&str> = both.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0], standard_webhook_signature(&[old], "msg_1", 1, b"{}"));
        assert!(WebhookKey::parse("whsec_c2hvcnQ=").is_err(), "short key");
        assert!(WebhookKey::parse("whsec_not base64!").is_err());
        assert!(!format!("{:?}", WebhookKey::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).contains("MfKQ"));
    }

    // The expected values below were computed independently with Python's hmac, base64 and
    // urllib.parse.quote_plus from the formulas in DingTalk's and Feishu's robot documentation.
    #[test]
    fn dingtalk_sign_is_url_encoded_base64_of_the_hmac() {
        let secret = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
        assert_eq!(dingtalk_sign(secret, 1_700_000_000_000), "8SZas7RY4E7wuOlgLfjLwHSKZpyUEdXdLvFYSDZiiFw%3D");
        assert_eq!(
            dingtalk_sign(secret, 1_700_000_000_015),
            "WkhwWv%2Fd9lDN%2BiQSL1g%2Bx4dWEUFe%2F9%2BW28zhERrfbFU%3D"
        );
    }

    #[test]
    fn feishu_sign_keys_the_hmac_with_timestamp_and_secret() {
        assert_eq!(feishu_sign("demo-feishu-secret", 1_700_000_000), "V3Wp8znUoP+7XezI+6p/Lp2Uyk2BLceZJJbP1KE87hk=");
    }
}
