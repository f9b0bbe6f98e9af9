//! The one place that reads the wall clock. Everything else takes `now` as an argument;
//! tests hand in a [`FixedClock`], or a [`ManualClock`] they move by hand.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use tokio::sync::Notify;

/// A source of the current instant.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in `tz`.
    fn today(&self, tz: Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }

    /// Notified each time the clock is moved by hand ([`ManualClock`]), so the scheduler looks
    /// at it at once; `None` for a clock that only runs (the scheduler's 30-second look and the
    /// cron trigger notice the system clock's jumps).
    fn moved(&self) -> Option<Arc<Notify>> {
        None
    }
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same instant.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// A clock that stands still until it is set or advanced by hand; each move wakes the
/// scheduler (see [`Clock::moved`]). For tests and rehearsals.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
    moved: Arc<Notify>,
    /// How many times a waiter asked to be woken by moves.
    watched: std::sync::atomic::AtomicUsize,
}

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: DateTime<Utc>) -> Self {
        Self { now: Mutex::new(at), moved: Arc::new(Notify::new()), watched: Default::default() }
    }

    /// How many times a waiter (the scheduler, each time it goes to sleep) has asked to be
    /// woken by this clock's moves: above zero once the scheduler has read the time it starts
    /// from, so a move after that is seen as time passing.
    pub fn watched(&self) -> usize {
        self.watched.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Moves the clock to `at` (back or forward).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = at;
        self.moved.notify_one();
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let at = self.now() + by;
        self.set(at);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn moved(&self) -> Option<Arc<Notify>> {
        self.watched.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Some(Arc::clone(&self.moved))
    }
}
