//! Argon2id password hashing, always on a blocking thread.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, AppResult};

/// The default least number of characters (`SALESGRAPH_PASSWORD_MIN_CHARS`).
pub const MIN_PASSWORD_CHARS: usize = crate::config::DEFAULT_PASSWORD_MIN_CHARS;
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Argon2id cost parameters from configuration.
#[derive(Clone, Copy, Debug)]
pub struct PasswordHasherConfig {
    pub memory_kib: u32,
    pub iterations: u32,
}

impl PasswordHasherConfig {
    fn argon2(self) -> AppResult<Argon2<'static>> {
        let params = Params::new(self.memory_kib, self.iterations, 1, None).map_err(|err| {
            tracing::error!(error = %err, "invalid argon2 parameters");
            AppError::internal()
        })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Checks the password policy; `field` names the input it came from. A password has
/// `min_chars` to [`MAX_PASSWORD_CHARS`] characters, is not blank, and is not easily guessed:
/// common passwords, keyboard walks, repeats, dates and the user's own e-mail or name
/// (`user_inputs`) score below 10^6 guesses in the zxcvbn estimator (its bundled lists hold
/// the 30,000 most common passwords) and are refused.
pub fn validate_policy(
    password: &str,
    field: &str,
    min_chars: usize,
    user_inputs: &[&str],
) -> AppResult<()> {
    let chars = password.chars().count();
    if chars < min_chars || password.trim().is_empty() {
        return Err(AppError::bad_input(
            field,
            format!("Password must have at least {min_chars} characters, not all blank"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(AppError::bad_input(
            field,
            format!("Password must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    if zxcvbn::zxcvbn(password, user_inputs).score() < zxcvbn::Score::Two {
        return Err(AppError::bad_input(
            field,
            "Password is too easy to guess: avoid common passwords, patterns and your own name",
        ));
    }
    Ok(())
}

/// Hashes a password into a PHC string.
pub async fn hash(config: PasswordHasherConfig, password: String) -> AppResult<String> {
    run_blocking(move || {
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let argon2 = config.argon2()?;
        argon2
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| {
                tracing::error!(error = %err, "password hashing failed");
                AppError::internal()
            })
    })
    .await
}

/// True when `password` matches the stored PHC string. A malformed hash never matches.
pub async fn verify(password: String, stored: String) -> AppResult<bool> {
    run_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return Ok(false);
        };
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
}

async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(|err| {
        tracing::error!(error = %err, "password task failed");
        AppError::internal()
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHEAP: PasswordHasherConfig = PasswordHasherConfig {
        memory_kib: 1024,
        iterations: 1,
    };

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let stored = hash(CHEAP, "correct horse battery".into()).await.unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            verify("correct horse battery".into(), stored.clone())
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery".into(), stored).await.unwrap());
    }

    #[tokio::test]
    async fn a_malformed_hash_never_matches() {
        assert!(
            !verify("anything at all".into(), "not-a-hash".into())
                .await
                .unwrap()
        );
    }

    fn check(password: &str) -> AppResult<()> {
        validate_policy(password, "input.password", MIN_PASSWORD_CHARS, &[])
    }

    #[test]
    fn the_policy_rejects_short_and_huge_passwords() {
        assert_eq!(
            check("short").unwrap_err().field.as_deref(),
            Some("input.password")
        );
        assert!(check(&"x".repeat(129)).is_err());
        assert!(check("long enough password").is_ok());
        assert!(validate_policy("twelve chars", "p", 13, &[]).is_err());
    }

    #[test]
    fn blank_common_and_personal_passwords_are_refused() {
        for weak in [
            "          ",
            " \t \t \t \t \t ",
            "password123",
            "1234567890",
            "qwertyuiop",
            "iloveyou12",
            "aaaaaaaaaaaa",
        ] {
            assert!(check(weak).is_err(), "{weak:?}");
        }
        let personal = validate_policy(
            "zhang.wei@example.com",
            "p",
            MIN_PASSWORD_CHARS,
            &["zhang.wei@example.com", "Zhang Wei"],
        );
        assert!(personal.is_err());
        assert!(check("correct horse battery").is_ok());
    }
}
