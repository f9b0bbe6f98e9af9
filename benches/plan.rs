//! Planning and rendering: from a screening with at least 10,000 findings to the notices of a
//! run, then every notice rendered as an email (subject, text, HTML) and as a chat message with
//! the shipped templates. Median of 3 runs.
//!
//! `cargo bench --bench plan` (PLAN_CASES=10000 changes the register's size).
//!
//! The register: PLAN_CASES open cases received over the 16 months before the screening date,
//! owned by the shipped config's four leaders, one petitioner in three with several cases (so
//! repeat petitions are flagged too); most are overdue, so every case has a finding.

#[path = "support/mod.rs"]
#[allow(dead_code)]
mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use petition_watch::config;
use petition_watch::domain::{Case, CaseNo, PetitionerId};
use petition_watch::plan::Job;
use petition_watch::plan::job::plan_cases;
use petition_watch::rules::{Register, screen};

fn cases(n: usize) -> Vec<Case> {
    let first = NaiveDate::from_ymd_opt(2025, 8, 1).expect("date");
    let leaders = ["li-hua", "sun-li", "zhao-min", "chen-gang"];
    (0..n)
        .map(|i| {
            let mut case = Case::new(
                CaseNo::parse(&format!("XF{i:07}")).expect("case no"),
                first + Days::new((i * 7 % 480) as u64),
            );
            let person = if i % 3 == 0 { i % 997 } else { 1_000 + i };
            case.petitioner = Some(format!("张{person}"));
            case.petitioner_id = PetitionerId::parse(&format!("P{person:06}")).ok();
            case.village = Some(format!("第{}村", i % 40));
            case.category = Some(["民政救助", "征地拆迁", "劳动社保", "环境保护"][i % 4].into());
            case.summary = Some("要求解决宅基地确权问题。".into());
            case.owner_leader = Some(leaders[i % 4].into());
            case
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let n: usize = std::env::var("PLAN_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    // The shipped config with its mail channel on (pointed nowhere: nothing is sent here).
    let mail = "[channels.mail]\nkind = \"smtp\"\nhost = \"127.0.0.1\"\nport = 25\nsecurity = \"none\"\n\
                from = \"xinfang@example.gov.cn\"\n";
    let path = common::config(dir.path(), &dir.path().join("plan.db"), mail, &[]);
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let loaded = config::load(&path, &[], as_of).unwrap_or_else(|e| panic!("{e}"));
    let templates = loaded.notice_templates().expect("templates");
    let all = cases(n);
    let register = Register::from_cases(&all);
    let rules = loaded.settings.rules.clone();
    let screening = screen(&register, as_of, &rules, &loaded.calendar);
    let findings: usize = screening.cases.iter().map(|c| c.findings.len()).sum();
    let by_no: HashMap<String, Case> = all.iter().map(|c| (c.case_no.to_string(), c.clone())).collect();
    println!("{n} cases: {} flagged, {findings} findings", screening.cases.len());
    for job in [Job::MonthlyScreening, Job::DeadlineWatch] {
        let mut plan_times = Vec::new();
        let mut render_times = Vec::new();
        let mut notices = 0;
        let mut bytes = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let plan = plan_cases(&loaded.township(), job, as_of, &screening, &by_no, &HashMap::new());
            plan_times.push(start.elapsed());
            notices = plan.notices.len();
            let start = Instant::now();
            bytes = 0;
            for notice in &plan.notices {
                let email = templates.email(&notice.body).expect("email renders");
                let chat = templates.chat(&notice.body, "").expect("chat renders");
                bytes += email.subject.len() + email.text.len() + email.html.len() + chat.len();
            }
            render_times.push(start.elapsed());
        }
        let (plan, render) = (median(plan_times), median(render_times));
        println!(
            "{}: planning {:.1} ms → {notices} notices; rendering them as email and chat {:.1} ms \
             ({:.2} ms per notice, {:.1} MiB of text)",
            job.name(),
            plan.as_secs_f64() * 1e3,
            render.as_secs_f64() * 1e3,
            render.as_secs_f64() * 1e3 / notices.max(1) as f64,
            bytes as f64 / (1024.0 * 1024.0)
        );
    }
}
