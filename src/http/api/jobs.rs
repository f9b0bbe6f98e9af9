//! `GET /api/v1/jobs`: each job with its schedule, next and last firing.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::ErrorBody;
use crate::config::Scope;
use crate::http::auth::require;
use crate::http::{ApiError, Shared};

/// A job and its schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobJson {
    /// Its name (`deadline_watch`, …).
    pub name: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Six-field cron, in the township's time zone.
    pub schedule: String,
    /// What a firing on a non-working day does.
    pub on_non_working_day: String,
    /// Its next firing (local time, RFC 3339), if any in the next two years.
    pub next_firing: Option<String>,
    /// Its latest firing recorded by any replica (local time, RFC 3339).
    pub last_firing: Option<String>,
}

/// The jobs.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobList {
    /// The jobs, in the config's order.
    pub jobs: Vec<JobJson>,
}

/// `GET /api/v1/jobs`: each job, its schedule, next and latest firing.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs",
    responses(
        (status = 200, description = "the jobs", body = JobList),
        (status = 401, description = "unauthorized", body = ErrorBody),
    ))]
pub async fn jobs(State(shared): State<Shared>, headers: HeaderMap) -> Result<Response, ApiError> {
    let loaded = shared.loaded();
    require(&loaded.api_tokens, &headers, Scope::Read)?;
    Ok(axum::Json(JobList { jobs: job_list(&shared, &loaded).await? }).into_response())
}

/// Every configured job with its next firing (this config) and latest recorded one.
pub async fn job_list(shared: &Shared, loaded: &crate::config::LoadedConfig) -> Result<Vec<JobJson>, ApiError> {
    let tz = loaded.config.time_zone();
    let now = shared.clock.now().with_timezone(&tz);
    let schedules = crate::jobs::schedules(loaded);
    let mut jobs = Vec::new();
    for (job, config) in loaded.config.jobs.all() {
        let name = job.name();
        let next = schedules
            .iter()
            .find(|(j, ..)| *j == job)
            .and_then(|(_, schedule, _)| schedule.next_after(now, &loaded.calendar))
            .map(|f| f.at.to_rfc3339());
        let last =
            shared.store.last_run(name).await.map_err(ApiError::store)?.map(|t| t.with_timezone(&tz).to_rfc3339());
        jobs.push(JobJson {
            name: name.to_owned(),
            name_zh: job.zh().to_owned(),
            enabled: config.enabled,
            schedule: config.schedule.to_string(),
            on_non_working_day: config.on_non_working_day.as_str().to_owned(),
            next_firing: next,
            last_firing: last,
        });
    }
    Ok(jobs)
}
