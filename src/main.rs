//! The `salesgraph` binary: parse the command line, set up logging, run the command.

use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use migration::MigratorTrait;
use salesgraph::identity::Role;
use salesgraph::{Config, build_router, build_state, clock::SystemClock, db};

/// Many small, short-lived allocations on many threads (documents, rows, responses): mimalloc
/// serves them from per-thread pages where the system allocator contends on shared arenas.
/// The `system-allocator` feature leaves it out, to compare memory figures (benches/RESULTS.md).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "salesgraph",
    version,
    about = "GraphQL API for B2B sales teams: lead to cash"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations and serve the API (the default).
    Serve,
    /// Manage the database schema.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Create a user from the command line.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        display_name: String,
        #[arg(long, value_parser = parse_role, default_value = "SALES_REP")]
        role: Role,
        /// Read from SALESGRAPH_NEW_USER_PASSWORD when omitted.
        #[arg(long, env = "SALESGRAPH_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long)]
        timezone: Option<String>,
    },
    /// Fill an empty, migrated database with reproducible benchmark data. Every seeded account
    /// (admin@, manager<t>@, rep<i>@, finance<k>@bench.salesgraph.test) has the password
    /// `bench-password`: for benchmark databases only.
    SeedBench {
        /// Multiplies every volume (1 = 100,000 customers, 1,000,000 visit tasks, …); fractional
        /// scales such as 0.01 make small databases.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Seed of every random choice: the same seed, scale and day give identical rows.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The day the data is centred on (YYYY-MM-DD): history before it, plans after it;
        /// today (UTC) when omitted.
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// Manage trusted documents (the operations a client build ships).
    Documents {
        #[command(subcommand)]
        action: DocumentsAction,
    },
    /// Export customers, contacts, leads or opportunities as CSV or XLSX, as the records a
    /// user sees (audited like an export through the API).
    Export {
        /// customers, contacts, leads or opportunities.
        #[arg(value_parser = parse_export_kind)]
        kind: salesgraph::exports::rows::ExportKind,
        /// The e-mail of the user whose visibility the rows follow.
        #[arg(long = "as")]
        as_user: String,
        /// csv or xlsx; from the output's extension when omitted.
        #[arg(long)]
        format: Option<String>,
        /// Only records changed at or after this time (RFC 3339).
        #[arg(long)]
        updated_since: Option<chrono::DateTime<chrono::Utc>>,
        /// The file to write.
        #[arg(long)]
        output: std::path::PathBuf,
    },
    /// Import customers (with their first contacts), contacts, leads or products from a CSV or
    /// XLSX file, as a user (who owns rows without an ownerEmail). Refused rows go to an error
    /// file; the same file again resumes or reports the import.
    Import {
        /// customers, contacts, leads or products.
        #[arg(value_parser = parse_import_kind)]
        kind: salesgraph::imports::service::ImportKind,
        /// The file: a header naming the fields, then a record a row.
        #[arg(long)]
        file: std::path::PathBuf,
        /// The e-mail of the user importing.
        #[arg(long = "as")]
        as_user: String,
        /// Check every row and report, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// A TOML file renaming headers to fields: a [columns] table of "header" = "field".
        #[arg(long)]
        mapping: Option<std::path::PathBuf>,
        /// The CSV file's encoding (GBK, GB18030, Big5, …); detected when omitted.
        #[arg(long)]
        encoding: Option<String>,
        /// Where refused rows are written (default: the file's name plus .errors.csv).
        #[arg(long)]
        errors: Option<std::path::PathBuf>,
    },
    /// Print the GraphQL schema (SDL) the server serves.
    ExportSchema {
        /// Write to this file instead of standard output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum DocumentsAction {
    /// Register the documents of a persisted-documents manifest (a JSON object from each
    /// document's SHA-256, in hex, to its text, as graphql-codegen's client preset writes it).
    /// Registering again is harmless.
    Register {
        /// The manifest file.
        manifest: std::path::PathBuf,
    },
}

#[derive(Subcommand, Clone, Copy)]
enum MigrateAction {
    /// Apply all pending migrations.
    Up,
    /// Roll back the last migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

fn parse_export_kind(value: &str) -> Result<salesgraph::exports::rows::ExportKind, String> {
    salesgraph::exports::rows::ExportKind::parse(&value.to_ascii_uppercase())
        .ok_or_else(|| "one of customers, contacts, leads, opportunities".to_owned())
}

fn parse_import_kind(value: &str) -> Result<salesgraph::imports::service::ImportKind, String> {
    salesgraph::imports::service::ImportKind::parse(&value.to_ascii_uppercase())
        .ok_or_else(|| "one of customers, contacts, leads, products".to_owned())
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse(&value.to_ascii_uppercase())
        .ok_or_else(|| "one of ADMIN, SALES_MANAGER, SALES_REP, FINANCE, SUPPORT".to_owned())
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Stack of each runtime thread: unoptimised builds keep large resolver futures on it.
const THREAD_STACK_BYTES: usize = 8 * 1024 * 1024;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::ExportSchema { output } => {
            let sdl = salesgraph::graphql::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl)
                    .map_err(|e| format!("writing {}: {e}", path.display())),
                None => {
                    print!("{sdl}");
                    Ok(())
                }
            }
        }
        Command::Migrate { action } => {
            let db = db::connect(&config)
                .await
                .map_err(|e| format!("connecting: {e}"))?;
            let result = match action {
                MigrateAction::Up => db::migrate(&db).await,
                MigrateAction::Down => migration::Migrator::down(&db, Some(1)).await,
                MigrateAction::Status => Ok(()),
            };
            result.map_err(|e| format!("migrating: {e}"))?;
            let migrations = migration::Migrator::get_migration_with_status(&db)
                .await
                .map_err(|e| format!("reading migration status: {e}"))?;
            for migration in migrations {
                println!("{:?}\t{}", migration.status(), migration.name());
            }
            Ok(())
        }
        Command::CreateUser {
            email,
            display_name,
            role,
            password,
            timezone,
        } => {
            let db = connect_migrated(&config).await?;
            let state = build_state(db, config, Arc::new(SystemClock))
                .await
                .map_err(|e| e.to_string())?;
            let user = salesgraph::users::service::insert_user(
                &state,
                salesgraph::users::service::NewUser {
                    email,
                    display_name,
                    role,
                    password,
                    team_id: None,
                    timezone,
                },
            )
            .await
            .map_err(|e| e.to_string())?;
            println!("created {} ({})", user.email, user.role);
            Ok(())
        }
        Command::Documents {
            action: DocumentsAction::Register { manifest },
        } => {
            let text = std::fs::read_to_string(&manifest)
                .map_err(|e| format!("reading {}: {e}", manifest.display()))?;
            let documents =
                salesgraph::trusted_documents::parse_manifest(&text).map_err(|e| e.message)?;
            let db = connect_migrated(&config).await?;
            let added =
                salesgraph::trusted_documents::register(&db, &documents, chrono::Utc::now())
                    .await
                    .map_err(|e| e.message)?;
            println!(
                "{} documents in the manifest, {added} newly registered",
                documents.len()
            );
            Ok(())
        }
        Command::Export {
            kind,
            as_user,
            format,
            updated_since,
            output,
        } => {
            use salesgraph::exports::rows::{ExportFilter, ExportFormat};
            let format = match format
                .or_else(|| output.extension().map(|e| e.to_string_lossy().into_owned()))
                .map(|f| f.to_ascii_lowercase())
                .as_deref()
            {
                Some("xlsx") => ExportFormat::Xlsx,
                Some("csv") | None => ExportFormat::Csv,
                Some(other) => return Err(format!("unknown format {other}: csv or xlsx")),
            };
            let db = connect_migrated(&config).await?;
            let state = build_state(db, config, Arc::new(SystemClock))
                .await
                .map_err(|e| e.to_string())?;
            let filter = ExportFilter {
                owner_id: None,
                updated_since,
            };
            let rows =
                salesgraph::exports::file::to_file(state, &as_user, kind, format, filter, &output)
                    .await
                    .map_err(|e| e.message)?;
            println!("{rows} rows written to {}", output.display());
            Ok(())
        }
        Command::Import {
            kind,
            file,
            as_user,
            dry_run,
            mapping,
            encoding,
            errors,
        } => {
            let db = connect_migrated(&config).await?;
            let state = build_state(db, config, Arc::new(SystemClock))
                .await
                .map_err(|e| e.to_string())?;
            let options = salesgraph::imports::cli::Options {
                kind,
                file,
                as_user,
                dry_run,
                mapping,
                encoding,
                format: None,
                errors,
                progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            };
            let summary = salesgraph::imports::cli::import(state, options)
                .await
                .map_err(|e| match e.field {
                    Some(field) => format!("{field}: {}", e.message),
                    None => e.message,
                })?;
            println!("{}", summary.describe());
            Ok(())
        }
        Command::SeedBench { scale, seed, today } => seed_bench(config, scale, seed, today).await,
        Command::Serve => serve(config).await,
    }
}

/// A connection to the configured database, its migrations applied (for commands that write).
async fn connect_migrated(config: &Config) -> Result<sea_orm::DatabaseConnection, String> {
    let db = db::connect(config)
        .await
        .map_err(|e| format!("connecting: {e}"))?;
    db::migrate(&db)
        .await
        .map_err(|e| format!("migrating: {e}"))?;
    Ok(db)
}

async fn seed_bench(
    config: Config,
    scale: f64,
    seed: u64,
    today: Option<chrono::NaiveDate>,
) -> Result<(), String> {
    // Seeding writes millions of rows and settles them with VACUUM: not a request, so the
    // per-statement limit that guards requests is raised to an hour for it.
    let db = db::connect_url(
        &config.database_url,
        config.db_max_connections,
        std::time::Duration::from_secs(3600),
        Some(config.database_schema.as_str()).filter(|schema| !schema.is_empty()),
    )
    .await
    .map_err(|e| format!("connecting: {e}"))?;
    db::migrate(&db)
        .await
        .map_err(|e| format!("migrating: {e}"))?;
    let today = today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let options = salesgraph::seed::SeedOptions {
        scale,
        seed,
        today,
        company_timezone: config.company_tz(),
        password_hasher: salesgraph::auth::passwords::PasswordHasherConfig {
            memory_kib: config.argon2_memory_kib,
            iterations: config.argon2_iterations,
        },
        progress: true,
    };
    eprintln!("seed-bench: scale {scale}, seed {seed}, today {today}");
    let report = salesgraph::seed::run(&db, &options)
        .await
        .map_err(|e| e.to_string())?;
    for (table, rows) in &report.tables {
        println!("{table:<20} {rows:>10}");
    }
    println!(
        "{:<20} {:>10} rows in {:.1} s",
        "total",
        report.total(),
        report.elapsed.as_secs_f64()
    );
    Ok(())
}

async fn serve(config: Config) -> Result<(), String> {
    let db = db::connect(&config)
        .await
        .map_err(|e| format!("connecting to the database: {e}"))?;
    if config.migrate_on_start {
        db::migrate(&db)
            .await
            .map_err(|e| format!("migrating: {e}"))?;
    } else {
        let pending = migration::Migrator::get_pending_migrations(&db)
            .await
            .map_err(|e| format!("reading migration status: {e}"))?;
        if !pending.is_empty() {
            return Err(format!(
                "{} migration(s) pending: run `salesgraph migrate up` first",
                pending.len()
            ));
        }
    }
    let bind = config.bind.clone();
    let state = build_state(db, config, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())?;
    let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
    let jobs = salesgraph::jobs::spawn(state.clone(), shutdown_rx);
    let router = build_router(state.clone());
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| format!("binding {bind}: {e}"))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("reading the bound address: {e}"))?;
    tracing::info!(%address, "serving GraphQL at /graphql");
    let grace = Duration::from_secs(state.config.shutdown_grace_secs);
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let draining = state.clone();
    let header_read_timeout = Duration::from_secs(state.config.header_read_timeout_secs);
    let server = salesgraph::server::serve(listener, router, header_read_timeout, async move {
        shutdown_signal().await;
        draining.lifecycle.begin_drain();
        let _ = stopping_tx.send(());
    });
    // Once a stop is asked for, the server gets `grace` to finish what is in flight.
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = server => {}
        () = deadline => tracing::warn!("requests still in flight after the grace period; stopping anyway"),
    }
    if tokio::time::timeout(grace, state.lifecycle.sockets_closed())
        .await
        .is_err()
    {
        tracing::warn!(
            open = state.lifecycle.open_sockets(),
            "WebSockets still open after the grace period"
        );
    }
    let _ = shutdown_tx.send(true);
    for job in jobs {
        let _ = job.await;
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
