//! Action links (DESIGN §5.3): `{public_url}/a/{token}`, one per case in a notice, that let its
//! recipient acknowledge and answer without a login. The token is signed (HMAC-SHA256) over the
//! notice id, the person, the case and the instant it expires; the first key signs and every key
//! verifies, so a key is rotated by putting the new one first and dropping the old one once its
//! links have expired (30 days). Pure: keys and instants come in.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{NoticeBody, NoticeKind};

/// The case number a report link's claim carries: it names the report of its notice, no case.
pub const REPORT: &str = "#report";

/// How long a link works.
pub const LINK_VALID_DAYS: i64 = 30;

/// What a verified link stands for: this person may act on this case, from this notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionClaim {
    /// The notice that carried the link.
    pub notice: String,
    /// The person it was for (a person id from the config).
    pub person: String,
    /// The case.
    pub case_no: String,
    /// When it stops working.
    pub expires: DateTime<Utc>,
}

/// Why a link is refused (each answered 403, and nothing recorded).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a token this version makes.
    #[error("not an action link")]
    Malformed,
    /// No key signed it: forged, altered, or signed with a key since dropped.
    #[error("the link's signature does not match")]
    BadSignature,
    /// Signed, but past its 30 days.
    #[error("the link expired on {0}")]
    Expired(DateTime<Utc>),
}

fn mac(key: &[u8], message: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("any key length"));
    mac.update(message);
    mac
}

/// The token for `claim`, signed with `key`.
pub fn sign(claim: &ActionClaim, key: &[u8]) -> String {
    let payload = serde_json::json!(["v1", claim.notice, claim.person, claim.case_no, claim.expires.timestamp()]);
    let payload = payload.to_string();
    let signature = mac(key, payload.as_bytes()).finalize().into_bytes();
    format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(signature))
}

/// The claim of the link for `person` on `case_no` in `notice`, issued at `now`.
pub fn claim(notice: &str, person: &str, case_no: &str, now: DateTime<Utc>) -> ActionClaim {
    ActionClaim {
        notice: notice.to_owned(),
        person: person.to_owned(),
        case_no: case_no.to_owned(),
        expires: now + chrono::Duration::days(LINK_VALID_DAYS),
    }
}

/// Checks `token` against `keys` at `now`: the claim it carries, or why it is refused. The
/// signature is checked (in constant time) before anything in the payload is believed.
pub fn verify(token: &str, keys: &[&[u8]], now: DateTime<Utc>) -> Result<ActionClaim, LinkError> {
    let (payload, signature) = token.split_once('.').ok_or(LinkError::Malformed)?;
    let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| LinkError::Malformed)?;
    let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| LinkError::Malformed)?;
    if !keys.iter().any(|key| mac(key, &payload).verify_slice(&signature).is_ok()) {
        return Err(LinkError::BadSignature);
    }
    let parts: (String, String, String, String, i64) =
        serde_json::from_slice(&payload).map_err(|_| LinkError::Malformed)?;
    let (version, notice, person, case_no, expires) = parts;
    if version != "v1" {
        return Err(LinkError::Malformed);
    }
    let expires = DateTime::<Utc>::from_timestamp(expires, 0).ok_or(LinkError::Malformed)?;
    if now >= expires {
        return Err(LinkError::Expired(expires));
    }
    Ok(ActionClaim { notice, person, case_no, expires })
}

/// Signs a link for every case of `body`, notice `notice_id`, into its `link`: each case of a
/// case notice, `{public_url}/a/{token}`, issued at `now`, for the notice's addressee; a report
/// notice gets one link to the report as a page, `{public_url}/r/{token}` (`report_link`). A notice
/// to a group channel carries them too (DESIGN §5.3: robots carry the links); its page shows
/// only what the group saw ([`crate::notice::Audience::Group`]), since anyone in the chat may
/// open it. A notice without cases is left as it is.
pub fn attach(body: &mut NoticeBody, notice_id: &str, public_url: &str, key: &[u8], now: DateTime<Utc>) {
    if body.kind == NoticeKind::Report && body.report.is_some() {
        let token = sign(&claim(notice_id, &body.to.id, REPORT, now), key);
        body.report_link = Some(format!("{public_url}/r/{token}"));
        return;
    }
    if body.kind != NoticeKind::Cases {
        return;
    }
    let person = body.to.id.clone();
    for case in &mut body.cases {
        let token = sign(&claim(notice_id, &person, &case.line.case_no, now), key);
        case.link = Some(format!("{public_url}/a/{token}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 12, day)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .map(|t| t.and_utc())
            .unwrap_or_default()
    }

    const OLD: &[u8] = b"an old key, signing links for a month";
    const NEW: &[u8] = b"the new key, put first when rotated";

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let claim = claim("ntc_1", "li-hua", "XF2026-001", at(1));
        let token = sign(&claim, NEW);
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)), "URL-safe: {token}");
        assert_eq!(verify(&token, &[NEW], at(5)), Ok(claim.clone()));
        let expired = at(1) + chrono::Duration::days(LINK_VALID_DAYS);
        assert_eq!(verify(&token, &[NEW], expired), Err(LinkError::Expired(claim.expires)));
    }

    #[test]
    fn a_rotated_key_still_verifies_its_links_and_a_dropped_one_does_not() {
        let token = sign(&claim("ntc_1", "li-hua", "XF2026-001", at(1)), OLD);
        assert!(verify(&token, &[NEW, OLD], at(2)).is_ok());
        assert_eq!(verify(&token, &[NEW], at(2)), Err(LinkError::BadSignature));
    }

    #[test]
    fn an_altered_or_garbled_link_is_refused() {
        let token = sign(&claim("ntc_1", "li-hua", "XF2026-001", at(1)), NEW);
        let (payload, signature) = token.split_once('.').expect("two parts");
        // Another person's or case's payload under this signature.
        let other = sign(&claim("ntc_1", "sun-li", "XF2026-001", at(1)), NEW);
        let (other_payload, _) = other.split_once('.').expect("two parts");
        assert_eq!(verify(&format!("{other_payload}.{signature}"), &[NEW], at(2)), Err(LinkError::BadSignature));
        assert_eq!(verify(&format!("{payload}.AAAA"), &[NEW], at(2)), Err(LinkError::BadSignature));
        for garbled in ["", ".", "abc", "a.b.c", "%%%.%%%"] {
            assert!(verify(garbled, &[NEW], at(2)).is_err(), "{garbled}");
        }
        // A well-signed payload that is not a claim.
        let odd = URL_SAFE_NO_PAD.encode(b"[\"v2\"]");
        let signature = URL_SAFE_NO_PAD.encode(mac(NEW, b"[\"v2\"]").finalize().into_bytes());
        assert_eq!(verify(&format!("{odd}.{signature}"), &[NEW], at(2)), Err(LinkError::Malformed));
    }

    #[test]
    fn links_go_to_each_case_of_a_case_notice_and_to_no_other_kind() {
        let mut samples = crate::render::message::samples().into_iter();
        let (mut leader, mut group) = (samples.next().expect("leader"), samples.next().expect("group"));
        attach(&mut leader, "ntc_9", "https://x.example", NEW, at(1));
        for case in &leader.cases {
            let link = case.link.as_deref().expect("a link per case");
            let token = link.strip_prefix("https://x.example/a/").expect("the page's address");
            let claim = verify(token, &[NEW], at(2)).expect("verifies");
            assert_eq!((claim.notice.as_str(), claim.person.as_str()), ("ntc_9", "li-hua"));
            assert_eq!(claim.case_no, case.line.case_no);
        }
        attach(&mut group, "ntc_9", "https://x.example", NEW, at(1));
        assert!(group.cases.iter().all(|c| c.link.is_some()), "a group's robot carries them too");
        let mut test = crate::render::message::samples().remove(2);
        test.cases = group
            .cases
            .iter()
            .cloned()
            .map(|mut c| {
                c.link = None;
                c
            })
            .collect();
        attach(&mut test, "ntc_9", "https://x.example", NEW, at(1));
        assert!(test.cases.iter().all(|c| c.link.is_none()), "only case notices");
    }
}
