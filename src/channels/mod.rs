//! Delivery endpoints. Each channel sorts its own failures into transient (try again later) and
//! permanent (give up), so the delivery worker never reads error strings (STYLE §11).
//! So far: the `file` channel and the webhook request signatures; the senders follow.

pub mod file;
pub mod signing;

/// Why a delivery attempt failed, as the channel judged it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Worth retrying on the schedule (SMTP 4xx, HTTP 5xx/408/429, timeouts, a full disk).
    #[error("transient: {0}")]
    Transient(String),
    /// Retrying will not help (SMTP 5xx, HTTP 4xx, a bad key): the notice is dead.
    #[error("permanent: {0}")]
    Permanent(String),
}
