//! Teams and users: one manager per team, reps round-robin over the teams, finance, one admin.

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::Duration;
use chrono_tz::Tz;
use rand::Rng;
use uuid::Uuid;

use super::SeedError;
use super::common::{REGIONS, Run, id_at};
use super::writer::Writer;
use crate::auth::passwords::PasswordHasherConfig;
use crate::identity::Role;
use entity::{team, user, user_credential};

/// The password of every seeded account.
pub const BENCH_PASSWORD: &str = "bench-password";
/// The domain of every seeded account's e-mail.
pub const BENCH_DOMAIN: &str = "bench.salesgraph.test";

/// A seeded team.
#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub id: Uuid,
    pub region: &'static str,
    pub manager: Uuid,
    /// Indexes into [`People::reps`].
    pub reps: Vec<usize>,
}

/// A seeded sales rep.
#[derive(Debug, Clone)]
pub(crate) struct Rep {
    pub id: Uuid,
    /// Index into [`People::teams`].
    pub team: usize,
    pub tz: Tz,
}

/// Everyone seeded, as the later tables need them.
#[derive(Debug, Clone)]
pub(crate) struct People {
    pub admin: Uuid,
    pub teams: Vec<Team>,
    pub reps: Vec<Rep>,
    pub finance: Vec<Uuid>,
}

impl People {
    /// The manager of a rep's team.
    pub(crate) fn manager_of(&self, rep: usize) -> Uuid {
        self.teams[self.reps[rep].team].manager
    }

    pub(crate) fn region_of(&self, rep: usize) -> &'static str {
        self.teams[self.reps[rep].team].region
    }
}

/// Argon2id of [`BENCH_PASSWORD`] with a salt drawn from the seed, computed once for every
/// account (so the same seed stores the same hash).
async fn bench_hash(run: &Run, hasher: PasswordHasherConfig) -> Result<String, SeedError> {
    let mut salt = [0u8; 16];
    run.rng(0x5A17).fill(&mut salt);
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::encode_b64(&salt).map_err(|e| SeedError::Hash(e.to_string()))?;
        let params = Params::new(hasher.memory_kib, hasher.iterations, 1, None)
            .map_err(|e| SeedError::Hash(e.to_string()))?;
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password(BENCH_PASSWORD.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| SeedError::Hash(e.to_string()))
    })
    .await
    .map_err(|e| SeedError::Hash(e.to_string()))?
}

/// Writes the teams and users.
pub(crate) async fn seed(
    run: &Run,
    hasher: PasswordHasherConfig,
    writer: &mut Writer<'_>,
) -> Result<People, SeedError> {
    let hash = bench_hash(run, hasher).await?;
    let mut rng = run.rng(1);
    let volumes = run.volumes;
    let founded = run.days_ago(500);
    let mut users = Vec::new();
    let mut credentials = Vec::new();
    let mut user = |rng: &mut rand::rngs::StdRng,
                    offset_secs: i64,
                    email: String,
                    display_name: String,
                    role: Role,
                    team_id: Option<Uuid>,
                    tz: Tz| {
        let at = founded + Duration::hours(1) + Duration::seconds(offset_secs);
        let id = id_at(rng, at);
        users.push(user::ActiveModel::from(user::Model {
            id,
            email,
            display_name,
            role: role.as_str().to_owned(),
            team_id,
            timezone: tz.name().to_owned(),
            active: true,
            kind: crate::users::PERSON.to_owned(),
            token_version: 0,
            version: 1,
            created_at: at,
            updated_at: at,
        }));
        credentials.push(user_credential::ActiveModel::from(user_credential::Model {
            user_id: id,
            password_hash: hash.clone(),
            updated_at: at,
        }));
        id
    };
    let shanghai = chrono_tz::Asia::Shanghai;
    let admin = user(
        &mut rng,
        0,
        format!("admin@{BENCH_DOMAIN}"),
        "Bench Admin".to_owned(),
        Role::Admin,
        None,
        shanghai,
    );
    let finance: Vec<Uuid> = (1..=volumes.finance)
        .map(|k| {
            user(
                &mut rng,
                k as i64,
                format!("finance{k}@{BENCH_DOMAIN}"),
                format!("Finance {k}"),
                Role::Finance,
                None,
                shanghai,
            )
        })
        .collect();
    let mut teams = Vec::with_capacity(volumes.teams);
    let mut team_rows = Vec::with_capacity(volumes.teams);
    for t in 1..=volumes.teams {
        let at = founded + Duration::minutes(t as i64);
        let id = id_at(&mut rng, at);
        let region = REGIONS[(t - 1) % REGIONS.len()];
        let name = format!("{region} Team {t}");
        let manager = user(
            &mut rng,
            1_000 + t as i64,
            format!("manager{t}@{BENCH_DOMAIN}"),
            format!("Manager {t}"),
            Role::SalesManager,
            Some(id),
            shanghai,
        );
        team_rows.push(team::ActiveModel::from(team::Model {
            id,
            name_key: name.to_lowercase(),
            name,
            region: Some(region.to_owned()),
            manager_id: Some(manager),
            version: 1,
            created_at: at,
            updated_at: at,
        }));
        teams.push(Team {
            id,
            region,
            manager,
            reps: Vec::new(),
        });
    }
    let mut reps = Vec::with_capacity(volumes.reps);
    for i in 1..=volumes.reps {
        let team = (i - 1) % volumes.teams;
        let tz = if i % 10 == 0 {
            chrono_tz::America::Los_Angeles
        } else {
            shanghai
        };
        let id = user(
            &mut rng,
            10_000 + i as i64,
            format!("rep{i}@{BENCH_DOMAIN}"),
            format!("Rep {i}"),
            Role::SalesRep,
            Some(teams[team].id),
            tz,
        );
        teams[team].reps.push(reps.len());
        reps.push(Rep { id, team, tz });
    }
    // Users point at teams: the teams go first.
    writer.write("teams", team_rows).await?;
    writer.write("users", users).await?;
    writer.write("user_credentials", credentials).await?;
    writer.commit().await?;
    Ok(People {
        admin,
        teams,
        reps,
        finance,
    })
}
