//! Bounds on the listener's heavy work (a screening of the whole register per request): at most
//! `http.max_heavy_requests` run at once, the rest wait their turn (until `http.request_timeout`
//! answers them 408), and concurrent requests for the same findings share one screening and one
//! serialized answer. A thousand concurrent `GET /api/v1/findings` took 5.2 GB before.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use futures_util::FutureExt;
use futures_util::future::Shared;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ApiError;

/// One answer being computed, shared by every request that asked for it meanwhile.
type Flight = Shared<Pin<Box<dyn Future<Output = Result<Bytes, Arc<ApiError>>> + Send>>>;

/// The listener's heavy work: its turns and the answers in flight.
#[derive(Clone, Default)]
pub struct HeavyWork {
    slots: Arc<OnceLock<Arc<Semaphore>>>,
    in_flight: Arc<Mutex<HashMap<String, Flight>>>,
}

impl HeavyWork {
    /// Waits for a turn to do heavy work; `max` (the config's `http.max_heavy_requests`) is
    /// read on first use.
    pub async fn turn(&self, max: usize) -> Result<OwnedSemaphorePermit, ApiError> {
        let slots = Arc::clone(self.slots.get_or_init(|| Arc::new(Semaphore::new(max.max(1)))));
        slots.acquire_owned().await.map_err(|_| ApiError::store("the listener is stopping"))
    }

    /// The answer for `key`: computed by `work` in a turn of its own, or shared with a request
    /// for the same key already computing it.
    pub async fn shared(
        &self,
        key: String,
        max: usize,
        work: impl Future<Output = Result<Bytes, ApiError>> + Send + 'static,
    ) -> Result<Bytes, ApiError> {
        let (flight, mine) = {
            let mut in_flight = self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match in_flight.get(&key) {
                Some(flight) => (flight.clone(), false),
                None => {
                    let this = self.clone();
                    let run: Pin<Box<dyn Future<Output = Result<Bytes, Arc<ApiError>>> + Send>> =
                        Box::pin(async move {
                            let _turn = this.turn(max).await.map_err(Arc::new)?;
                            work.await.map_err(Arc::new)
                        });
                    let flight = run.shared();
                    in_flight.insert(key.clone(), flight.clone());
                    (flight, true)
                }
            }
        };
        let answer = flight.await;
        if mine {
            self.in_flight.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&key);
        }
        answer.map_err(|e| (*e).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_requests_for_one_key_share_one_computation() {
        let work = HeavyWork::default();
        let runs = Arc::new(AtomicUsize::new(0));
        let asks = (0..50).map(|_| {
            let (work, runs) = (work.clone(), Arc::clone(&runs));
            async move {
                work.shared("2026-11-20".into(), 2, async move {
                    runs.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    Ok(Bytes::from_static(b"answer"))
                })
                .await
            }
        });
        let answers = futures_util::future::join_all(asks).await;
        assert!(answers.iter().all(|a| a.as_ref().is_ok_and(|b| b.as_ref() == b"answer")));
        assert_eq!(runs.load(Ordering::SeqCst), 1, "one screening for fifty requests");
        assert!(work.in_flight.lock().expect("lock").is_empty(), "nothing kept once answered");
    }

    #[tokio::test]
    async fn no_more_than_the_allowed_turns_run_at_once() {
        let work = HeavyWork::default();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let asks = (0..20).map(|n| {
            let (work, running, most) = (work.clone(), Arc::clone(&running), Arc::clone(&most));
            async move {
                work.shared(format!("day-{n}"), 2, async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(Bytes::new())
                })
                .await
            }
        });
        futures_util::future::join_all(asks).await;
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }
}
