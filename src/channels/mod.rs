//! Delivery endpoints: email and the webhook kinds. For now the request signing each webhook
//! kind requires (pure, with known-answer tests); the senders follow.

pub mod signing;
