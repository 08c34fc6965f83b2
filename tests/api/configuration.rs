//! Configuration as the process reads it: settings are checked once at start-up, and tests do
//! not inherit the developer's own `SALESGRAPH_*` environment.

use std::process::Command;
use std::time::Duration;

use crate::helpers::*;

/// An invalid company time zone stops the binary before it serves anything (it used to fall
/// back to UTC silently, moving every period boundary by the zone's offset).
#[tokio::test]
async fn an_unknown_time_zone_is_a_start_up_error_naming_the_setting() {
    let dir = std::env::temp_dir().join(format!("salesgraph-zone-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = dir.join("never.db");
    let output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_salesgraph"))
            .arg("serve")
            .env("DATABASE_URL", format!("sqlite://{}", database.display()))
            .env("SALESGRAPH_BIND", "127.0.0.1:0")
            .env("SALESGRAPH_DEFAULT_TIMEZONE", "Mars/Olympus_Mons")
            .output()
    });
    let output = tokio::time::timeout(Duration::from_secs(60), output)
        .await
        .expect("the binary exits at once")
        .unwrap()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Mars/Olympus_Mons"), "{stderr}");
    assert!(stderr.contains("default-timezone"), "{stderr}");
    assert!(stderr.contains("IANA"), "{stderr}");
    let created = dir.join("never.db").exists();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!created, "nothing was created");
}

/// The zone a deployment sets is the one the server reports and counts days in.
#[tokio::test]
async fn a_valid_time_zone_is_served_as_configured() {
    let app = TestApp::spawn_with(|config| {
        config.default_timezone = "America/Los_Angeles".parse().unwrap();
    })
    .await;
    let body = app
        .gql(
            None,
            "{ serverInfo { defaultTimezone } }",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(
        body["data"]["serverInfo"]["defaultTimezone"],
        "America/Los_Angeles"
    );
}

/// What the test configuration holds, whatever the environment: the built-in currency and
/// depth limit. Run alone it checks the defaults; [`test_configuration_ignores_the_environment`]
/// runs it again in a child process whose environment says otherwise.
#[test]
fn test_config_keeps_the_built_in_currency_and_depth() {
    let config = test_config();
    assert_eq!(config.currency, "CNY");
    assert_eq!(config.max_depth, salesgraph::Config::defaults().max_depth);
    assert_ne!(config.max_depth, 3);
}

/// A developer's `SALESGRAPH_*` variables do not reach `test_config`, while `Config::from_env`
/// (what the binary reads) sees them.
#[test]
fn test_configuration_ignores_the_environment() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "configuration::test_config_keeps_the_built_in_currency_and_depth",
            "--nocapture",
        ])
        .env("SALESGRAPH_CURRENCY", "XTS")
        .env("SALESGRAPH_MAX_DEPTH", "3")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    // The same environment read the binary's way does change the configuration.
    let from_env = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "configuration::from_env_reads_the_currency",
            "--nocapture",
        ])
        .env("SALESGRAPH_CURRENCY", "XTS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&from_env.stdout);
    assert!(from_env.status.success(), "{stdout}");
    assert!(stdout.contains("currency=XTS"), "{stdout}");
}

/// `Config::from_env` takes the currency from `SALESGRAPH_CURRENCY` when it is set, the built-in
/// one otherwise; the test above runs it in a child whose environment sets it.
#[test]
fn from_env_reads_the_currency() {
    let config = salesgraph::Config::from_env();
    let expected = std::env::var("SALESGRAPH_CURRENCY")
        .unwrap_or_else(|_| salesgraph::Config::defaults().currency);
    assert_eq!(config.currency, expected);
    println!("currency={}", config.currency);
}
