//! The one state struct shared by the HTTP layer, resolvers, services and jobs.

use std::sync::Arc;

use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};

use crate::auth::cache::ViewerCache;
use crate::auth::passwords::{self, PasswordHasherConfig};
use crate::auth::tokens::{self, JwtKeys};
use crate::clock::Clock;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::events::EventBus;

const JWT_SECRET_SETTING: &str = "jwt_secret";

/// Shared, cheaply clonable through `Arc`.
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub jwt: JwtKeys,
    /// Derives each refresh token's successor (the same one on every retry and instance).
    pub refresh_successors: tokens::SuccessorKey,
    /// Signs and checks document links (`Quote.pdfUrl`); derived from the JWT secret.
    pub document_links: crate::documents::links::LinkKey,
    /// Where attachments' bytes are kept.
    pub storage: crate::storage::Storage,
    pub events: Arc<dyn EventBus>,
    pub clock: Arc<dyn Clock>,
    pub viewers: ViewerCache,
    pub hasher: PasswordHasherConfig,
    /// Verified against when the e-mail is unknown, so both failures cost the same time.
    pub dummy_password_hash: String,
    /// Draining on shutdown, and the WebSockets still open.
    pub lifecycle: crate::lifecycle::Lifecycle,
    /// Whether the database answers, as this instance last saw it.
    pub db_health: crate::db::Health,
    /// Open WebSockets per user and per client address.
    pub sockets_by_user: crate::sockets::SocketCounts<uuid::Uuid>,
    pub sockets_by_address: crate::sockets::SocketCounts<String>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

/// Builds the state on a migrated database: JWT secret, keys, caches (the first admin is made
/// by `users::bootstrap`, called from `build_state`).
pub async fn build(
    db: DatabaseConnection,
    config: Config,
    clock: Arc<dyn Clock>,
    events: Arc<dyn EventBus>,
) -> AppResult<AppState> {
    let hasher = PasswordHasherConfig {
        memory_kib: config.argon2_memory_kib,
        iterations: config.argon2_iterations,
    };
    let secret = jwt_secret(&db, &config, clock.now()).await?;
    // One overlap back: the `serverTime` of the very first read lies that far back too.
    let log_start = clock.now() - chrono::Duration::seconds(config.sync_overlap_secs.max(0));
    crate::sync::mark_start(&db, log_start).await?;
    let jwt = JwtKeys::new(secret.as_bytes(), &config.jwt_issuer, &config.jwt_audience);
    let refresh_successors = tokens::SuccessorKey::new(secret.as_bytes())?;
    let document_links = crate::documents::links::LinkKey::new(secret.as_bytes())
        .ok_or_else(crate::error::AppError::internal)?;
    let storage = crate::storage::Storage::open(&config.storage_url).map_err(|err| {
        tracing::error!(error = %err, "SALESGRAPH_STORAGE_URL cannot be used");
        AppError::internal()
    })?;
    let dummy_password_hash = passwords::hash(hasher, tokens::random_secret()).await?;
    let sockets_by_user = crate::sockets::SocketCounts::new(config.ws_max_per_user);
    let sockets_by_address = crate::sockets::SocketCounts::new(config.ws_max_per_address);
    let state = AppState {
        db,
        viewers: ViewerCache::new(std::time::Duration::from_secs(config.viewer_cache_secs)),
        config: Arc::new(config),
        jwt,
        refresh_successors,
        document_links,
        storage,
        events,
        clock,
        hasher,
        dummy_password_hash,
        lifecycle: crate::lifecycle::Lifecycle::default(),
        db_health: crate::db::Health::default(),
        sockets_by_user,
        sockets_by_address,
    };
    Ok(state)
}

/// The configured secret, or one generated once and kept in the settings table.
async fn jwt_secret(
    db: &DatabaseConnection,
    config: &Config,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<String> {
    if let Some(secret) = config.jwt_secret.as_ref().filter(|s| !s.is_empty()) {
        if secret.len() < 32 {
            tracing::warn!("SALESGRAPH_JWT_SECRET is shorter than 32 bytes");
        }
        return Ok(secret.clone());
    }
    if let Some(stored) = entity::setting::Entity::find_by_id(JWT_SECRET_SETTING)
        .one(db)
        .await?
    {
        tracing::warn!("SALESGRAPH_JWT_SECRET is not set; using the secret stored in the database");
        return Ok(stored.value);
    }
    let secret = tokens::random_secret();
    let inserted = entity::setting::ActiveModel {
        key: Set(JWT_SECRET_SETTING.to_owned()),
        value: Set(secret.clone()),
        updated_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => {
            tracing::warn!(
                "SALESGRAPH_JWT_SECRET is not set; generated one and stored it in the database"
            );
            Ok(secret)
        }
        // Another instance stored one first: use theirs.
        Err(err) if crate::error::is_unique_violation(&err) => {
            entity::setting::Entity::find_by_id(JWT_SECRET_SETTING)
                .one(db)
                .await?
                .map(|s| s.value)
                .ok_or_else(AppError::internal)
        }
        Err(err) => Err(err.into()),
    }
}
