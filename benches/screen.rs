//! Screening benchmark: synthetic registers of 100k and 1M cases (≈N/5 petitioners with a
//! skewed number of cases each, three years of dates).
//!
//! Measures, median of 3 runs: the pure screening (all flags and deadlines, one core); reading
//! the cases from SQLite plus screening, warm; the sqlite3 command-line tool running a simpler
//! screening query over the same rows in the same run; the same read and screening on
//! PostgreSQL (`PETITION_WATCH_TEST_PG`, default postgres://root@127.0.0.1:5432/test; a scratch
//! database is created and dropped); the load time, separately; peak memory; and how each cost
//! grows from the smallest size to the largest.
//!
//! `cargo bench --bench screen` (SIZES=100000,1000000 changes the sizes).

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use petition_watch::calendar::{Calendar, HolidayFile};
use petition_watch::domain::{Case, CaseNo, Level, PetitionerId};
use petition_watch::rules::{Register, RuleBook, screen};
use petition_watch::store::{Store, StoreOptions};

fn calendar() -> Calendar {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/holidays");
    let files = ["2025.toml", "2026.toml"].map(|f| {
        let text = std::fs::read_to_string(dir.join(f)).expect("holiday file");
        toml::from_str::<HolidayFile>(&text).expect("parses")
    });
    Calendar::new(files)
}

/// A deterministic register: petitioner k of N/5 has a Zipf-like share of the cases.
fn register_cases(n: usize) -> Vec<Case> {
    let villages = ["东湖村", "西山村", "南桥社区", "北岭村", "青石村", "柳营村", "石桥村", "新河村"];
    let categories = ["征地拆迁", "劳动社保", "民政救助", "环境保护", "村务管理", "涉法涉诉", "城乡建设", "教育医疗"];
    let people = (n / 5).max(1) as u64;
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).expect("date");
    let mut seed: u64 = 0x5eed;
    let mut next = |m: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % m.max(1)
    };
    (0..n)
        .map(|i| {
            // Skew: squaring a uniform draw favours low petitioner numbers.
            let u = next(1 << 20) as f64 / f64::from(1u32 << 20);
            let person = ((u * u) * people as f64) as u64;
            let received = first + Days::new(next(1_095));
            let mut c = Case::new(CaseNo::parse(&format!("XF{i:08}")).expect("no"), received);
            c.petitioner = Some(format!("信访人{person}"));
            if person.is_multiple_of(3) {
                c.petitioner_id = PetitionerId::parse(&format!("3201121965{person:08}")).ok();
            }
            c.village = Some(villages[(person % 8) as usize].to_owned());
            c.category = Some(categories[next(8) as usize].to_owned());
            if person.is_multiple_of(4) {
                c.matter = Some(format!("事项{}", person % 50));
            }
            c.anonymous = next(20) == 0;
            c.petitioner_count = if next(30) == 0 { 5 + next(20) as u32 } else { 1 };
            c.signatories = if next(15) == 0 { 2 + next(10) as u32 } else { 1 };
            c.competent_level = Level::from_number(1);
            c.visited_level = Level::from_number(1 + next(4) as i64);
            if next(10) != 0 {
                c.accepted_on = Some(received + Days::new(next(12)));
            }
            if next(5) != 0 {
                c.concluded_on = Some(received + Days::new(20 + next(80)));
            }
            if next(3) == 0 {
                c.owner_leader = Some("li-hua".into());
                c.owner_deadline = Some(received + Days::new(60));
            }
            c.extension_days = if next(10) == 0 { next(31) as u32 } else { 0 };
            if next(8) == 0 {
                c.accused = vec![format!("被反映人{}", next(100))];
            }
            c
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time3(mut f: impl FnMut() -> usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut out = 0;
    for _ in 0..3 {
        let start = Instant::now();
        out = f();
        times.push(start.elapsed());
    }
    (median(times), out)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// Child mode: open the database, read and screen once, print the peak memory in MB.
fn measure_memory_in_a_fresh_process(url: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let store = runtime.block_on(Store::open(url, &StoreOptions::default())).expect("open");
    let register = runtime.block_on(store.load_register()).expect("read");
    let rules = RuleBook { month_starts_on_day: 1, ..RuleBook::default() };
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let listed = screen(&register, as_of, &rules, &calendar()).cases.len();
    println!("{listed} {:.0}", peak_rss_mb());
}

fn main() {
    if let Ok(url) = std::env::var("SCREEN_MEMORY_OF") {
        measure_memory_in_a_fresh_process(&url);
        return;
    }
    let sizes: Vec<usize> = std::env::var("SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    let calendar = calendar();
    let rules = RuleBook { month_starts_on_day: 1, ..RuleBook::default() };
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut pure_times = Vec::new();
    let mut sqlite_times = Vec::new();
    let mut postgres_times = Vec::new();
    let pg_admin =
        std::env::var("PETITION_WATCH_TEST_PG").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into());
    for n in sizes {
        let cases = register_cases(n);
        let (build, _) = time3(|| Register::from_cases(&cases).len());
        let register = Register::from_cases(&cases);
        let (pure, listed) = time3(|| screen(&register, as_of, &rules, &calendar).cases.len());
        pure_times.push((n, pure));
        println!(
            "{n:>8} cases: pure screening {:>8.1} ms ({listed} listed); building the compact register {:>8.1} ms",
            pure.as_secs_f64() * 1e3,
            build.as_secs_f64() * 1e3
        );
        drop(register);
        if std::env::var("PURE_ONLY").is_ok() {
            continue;
        }

        let path = dir.path().join(format!("bench{n}.db"));
        let url = format!("sqlite://{}", path.display());
        let store = runtime.block_on(Store::open(&url, &StoreOptions::default())).expect("open");
        let start = Instant::now();
        for chunk in cases.chunks(2_000) {
            runtime.block_on(store.upsert_cases(chunk, chrono::Utc::now())).expect("load");
        }
        println!("{n:>8} cases: load into SQLite {:>8.1} s", start.elapsed().as_secs_f64());
        drop(cases);
        // Close (checkpointing the WAL) and reopen: the state of a database at rest.
        runtime.block_on(store.close());
        let store = runtime.block_on(Store::open(&url, &StoreOptions::default())).expect("reopen");
        let (read, _) = time3(|| runtime.block_on(store.load_register()).expect("read").len());
        let (end_to_end, _) = time3(|| {
            let register = runtime.block_on(store.load_register()).expect("read");
            screen(&register, as_of, &rules, &calendar).cases.len()
        });
        // The sqlite3 tool selecting the cases in screening scope, in screening order.
        let query = "SELECT case_no, received_on, accepted_on, concluded_on, petitioner_count FROM cases \
                     WHERE received_on <= '2026-11-27' AND (concluded_on IS NULL OR concluded_on > '2026-11-27' \
                     OR received_on >= '2026-10-29') ORDER BY received_on, case_no;";
        let (cli, _) = time3(|| {
            let out = std::process::Command::new("sqlite3").arg(&path).arg(query).output();
            out.map(|o| o.stdout.len()).unwrap_or(0)
        });
        // The same scope counted only: no rows leave SQLite.
        let count_query = "SELECT COUNT(*) FROM cases WHERE received_on <= '2026-11-27' AND (concluded_on IS NULL \
                           OR concluded_on > '2026-11-27' OR received_on >= '2026-10-29');";
        let (count, _) = time3(|| {
            let out = std::process::Command::new("sqlite3").arg(&path).arg(count_query).output();
            out.map(|o| o.stdout.len()).unwrap_or(0)
        });
        runtime.block_on(store.close());
        sqlite_times.push((n, end_to_end));
        println!(
            "{n:>8} cases: SQLite read {:>8.1} ms; read + screening {:>8.1} ms; sqlite3 tool, simpler query {:>8.1} ms \
             (ratio {:.1}x), counting only {:>8.1} ms (ratio {:.1}x)",
            read.as_secs_f64() * 1e3,
            end_to_end.as_secs_f64() * 1e3,
            cli.as_secs_f64() * 1e3,
            end_to_end.as_secs_f64() / cli.as_secs_f64(),
            count.as_secs_f64() * 1e3,
            end_to_end.as_secs_f64() / count.as_secs_f64()
        );
        let child = std::env::current_exe()
            .and_then(|exe| std::process::Command::new(exe).env("SCREEN_MEMORY_OF", &url).output())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let peak = child.split_whitespace().nth(1).unwrap_or("?");
        println!("{n:>8} cases: peak memory of a process that opens the database, reads and screens: {peak} MB");
        match runtime.block_on(postgres(&pg_admin, n, &register_cases(n), as_of, &rules, &calendar)) {
            Ok(read_and_screen) => postgres_times.push((n, read_and_screen)),
            Err(e) => println!("{n:>8} cases: PostgreSQL not measured: {e}"),
        }
    }
    for (what, times) in [
        ("pure screening", &pure_times),
        ("SQLite read + screening", &sqlite_times),
        ("PostgreSQL read + screening", &postgres_times),
    ] {
        if let [(n0, t0), .., (n1, t1)] = times.as_slice() {
            println!(
                "{what} cost ratio {n1}/{n0}: {:.1}x for {:.0}x the cases",
                t1.as_secs_f64() / t0.as_secs_f64(),
                *n1 as f64 / *n0 as f64
            );
        }
    }
}

/// Loads `cases` into a scratch PostgreSQL database, then reads and screens them (median of 3,
/// warm); returns the read + screening time. The database is dropped afterwards.
async fn postgres(
    admin: &str,
    n: usize,
    cases: &[Case],
    as_of: NaiveDate,
    rules: &RuleBook,
    calendar: &Calendar,
) -> Result<Duration, String> {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(admin).await.map_err(|e| format!("{admin} does not answer: {e}"))?;
    let name = format!("pw_screen_{n}");
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    let _ = sqlx::query(sqlx::AssertSqlSafe(drop.clone())).execute(&mut conn).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let url = format!("{base}/{name}");
    let store = Store::open(&url, &StoreOptions::default()).await.map_err(|e| e.to_string())?;
    let start = Instant::now();
    for chunk in cases.chunks(2_000) {
        store.upsert_cases(chunk, chrono::Utc::now()).await.map_err(|e| e.to_string())?;
    }
    println!("{n:>8} cases: load into PostgreSQL {:>8.1} s", start.elapsed().as_secs_f64());
    let mut reads = Vec::new();
    let mut both = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let register = store.load_register().await.map_err(|e| e.to_string())?;
        reads.push(start.elapsed());
        let listed = screen(&register, as_of, rules, calendar).cases.len();
        both.push(start.elapsed());
        std::hint::black_box(listed);
    }
    store.close().await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut conn).await;
    let (read, read_and_screen) = (median(reads), median(both));
    println!(
        "{n:>8} cases: PostgreSQL read {:>8.1} ms; read + screening {:>8.1} ms",
        read.as_secs_f64() * 1e3,
        read_and_screen.as_secs_f64() * 1e3
    );
    Ok(read_and_screen)
}
