//! Times importing a synthetic register of 100 000 rows into a fresh database, on SQLite and on
//! PostgreSQL (`PETITION_WATCH_TEST_PG`, default postgres://root@127.0.0.1:5432/test), and the
//! re-import of the same file (every row unchanged). Prints the median of three runs.
//!
//! `cargo bench --bench import` (ROWS=N changes the size).

use std::io::Write;
use std::time::{Duration, Instant};

use petition_watch::config::Config;
use petition_watch::import::{ImportOptions, RowRules, import_file};
use petition_watch::store::{Store, StoreOptions};
use sqlx::Connection;

const HEADER: &str = "信访件编号,收到日期,信访形式,信访来源,信访人,证件号码,联系电话,村(社区),匿名,要求保密,人数,联名人数,问题类别,事项,主要诉求,被反映人,有权处理层级,走访层级,受理日期,延期天数,包案领导,包案期限,责任人,责任单位,办结日期,听证,回避人员";

fn write_register(path: &std::path::Path, rows: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    writeln!(out, "{HEADER}").expect("write");
    let villages = ["东湖村", "西山村", "南桥社区", "北岭村", "青石村", "柳营村"];
    let categories = ["征地拆迁", "劳动社保", "民政救助", "环境保护", "村务管理", "涉法涉诉"];
    let mut seed: u64 = 0x2026_1127;
    let mut next = |m: u64| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (seed >> 33) % m
    };
    for i in 0..rows {
        let person = next((rows / 5).max(1) as u64);
        let day = next(1000);
        let received = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("date") + chrono::Days::new(day);
        let accepted = received + chrono::Days::new(next(10));
        let concluded =
            if next(3) == 0 { String::new() } else { (accepted + chrono::Days::new(10 + next(50))).to_string() };
        writeln!(
            out,
            "XF-{i:07},{received},来访,直接,信访人{person},3201121965{person:08},138{person:08},{},否,否,{},{},{},事项{},诉求内容{i},被反映人{},1,{},{accepted},{},李华,,责任人,镇征迁办,{concluded},,",
            villages[next(6) as usize],
            1 + next(8),
            1 + next(3),
            categories[next(6) as usize],
            person % 97,
            next(50),
            1 + next(5),
            next(31),
        )
        .expect("write");
    }
    out.flush().expect("flush");
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

async fn time_import(
    url_for_run: impl Fn(usize) -> String,
    file: &std::path::Path,
    options: ImportOptions,
) -> (Duration, Duration) {
    let config = Config::default();
    let settings = petition_watch::config::Settings::new(&config, &Default::default());
    let mut first = Vec::new();
    let mut again = Vec::new();
    for run in 0..3 {
        let store = Store::open(&url_for_run(run), &StoreOptions::default()).await.expect("open");
        let start = Instant::now();
        let report = import_file(file, Some(&store), &settings.rules.directory, options, chrono::Utc::now()).await;
        first.push(start.elapsed());
        assert!(
            report.fatal.is_none() && report.rejected.is_empty(),
            "{:?} {:?}",
            report.fatal,
            report.rejected.first()
        );
        let start = Instant::now();
        let report = import_file(file, Some(&store), &settings.rules.directory, options, chrono::Utc::now()).await;
        again.push(start.elapsed());
        assert_eq!(report.counts.unchanged, report.rows);
        store.close().await;
    }
    (median(first), median(again))
}

#[tokio::main]
async fn main() {
    let rows: usize = std::env::var("ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("register.csv");
    write_register(&file, rows);
    let options = ImportOptions {
        dry_run: false,
        rules: RowRules { max_cell_bytes: 65_536, max_extension_days: 30 },
        batch_rows: Config::default().import.batch_rows,
        progress_bar: false,
        time_zone: Config::default().time_zone(),
        restore: false,
        today: None,
    };
    println!(
        "import of {rows} rows ({} MB CSV), median of 3 runs:",
        std::fs::metadata(&file).map_or(0, |m| m.len()) / 1_000_000
    );

    let mut parse = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let report = import_file(
            &file,
            None,
            &petition_watch::config::Settings::new(&Config::default(), &Default::default()).rules.directory,
            ImportOptions { dry_run: true, ..options },
            chrono::Utc::now(),
        )
        .await;
        parse.push(start.elapsed());
        assert_eq!(report.valid, rows);
    }
    println!("  read and check only (--dry-run): {:>7.2} s", median(parse).as_secs_f64());

    let (new, unchanged) =
        time_import(|run| format!("sqlite://{}/bench{run}.db", dir.path().display()), &file, options).await;
    println!("  sqlite:   new {:>7.2} s   re-import unchanged {:>7.2} s", new.as_secs_f64(), unchanged.as_secs_f64());

    let admin =
        std::env::var("PETITION_WATCH_TEST_PG").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into());
    match sqlx::PgConnection::connect(&admin).await {
        Ok(mut conn) => {
            let base = admin.rsplit_once('/').map_or(admin.clone(), |(b, _)| b.to_owned());
            for run in 0..3 {
                let name = format!("pw_bench_{run}");
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut conn)
                    .await;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await
                    .expect("create db");
            }
            let (new, unchanged) = time_import(|run| format!("{base}/pw_bench_{run}"), &file, options).await;
            println!(
                "  postgres: new {:>7.2} s   re-import unchanged {:>7.2} s",
                new.as_secs_f64(),
                unchanged.as_secs_f64()
            );
            for run in 0..3 {
                let _ =
                    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS pw_bench_{run} WITH (FORCE)")))
                        .execute(&mut conn)
                        .await;
            }
        }
        Err(e) => println!("  postgres: not measured ({admin} does not answer: {e})"),
    }
}
