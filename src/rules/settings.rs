//! The township's limits and thresholds (DESIGN §2.1, §2.2), read from `[deadlines]` and
//! `[thresholds]` of the config; the defaults are the township's rules.

use serde::Deserialize;

/// `[deadlines]`: limits in calendar days (DESIGN §2.1).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Deadlines {
    /// 受理: from receipt to acceptance.
    pub acceptance_days: u32,
    /// 办理: from acceptance to conclusion, before any extension.
    pub handling_days: u32,
    /// The most `extension_days` a row may carry (信访工作条例 第三十四条: 30).
    pub max_extension_days: u32,
    /// 复查 (township rule): from acceptance of the review to its opinion.
    pub review_days: u32,
    /// 复核: from the request to the opinion.
    pub recheck_days: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self { acceptance_days: 15, handling_days: 60, max_extension_days: 30, review_days: 15, recheck_days: 30 }
    }
}

/// `[thresholds]`: the screening rules' numbers (DESIGN §2.2).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// `repeat`: an earlier case on the same matter received at most this many days before;
    /// 0 means any time earlier.
    pub repeat_window_days: u32,
    /// `joint`: at least this many signatories.
    pub joint_min_signatories: u32,
    /// `collective`: at least this many petitioners.
    pub collective_min_petitioners: u32,
    /// `skip_level`: visited level minus competent level at least this.
    pub skip_level_min_gap: u8,
    /// `early_sign`: at least this many cases of one category in one village …
    pub early_sign_min_cases: u32,
    /// … received within this many days ending at the screening date.
    pub early_sign_window_days: u32,
    /// Cases received within this many days ending D are screened even when closed.
    pub recent_window_days: u32,
    /// `organizer`: a collective case within this many days before D.
    pub organizer_window_days: u32,
    /// `due_soon`: at most this many working days left before `act_by`.
    pub due_soon_working_days: u32,
    /// `backlog`: open for more than this many days.
    pub backlog_days: u32,
    /// `long_running`: first petition on the matter at least this many days before D.
    pub long_running_days: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            repeat_window_days: 0,
            joint_min_signatories: 2,
            collective_min_petitioners: 5,
            skip_level_min_gap: 2,
            early_sign_min_cases: 3,
            early_sign_window_days: 30,
            recent_window_days: 30,
            organizer_window_days: 365,
            due_soon_working_days: 5,
            backlog_days: 90,
            long_running_days: 365,
        }
    }
}
