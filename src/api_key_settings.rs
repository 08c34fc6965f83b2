//! The settings of API keys and web-form intake, flattened into [`crate::config::Config`];
//! README lists them.

use clap::Args;

/// Limits of service accounts' calls and of website forms.
#[derive(Args, Clone, Debug)]
pub struct ApiKeyConfig {
    /// Requests per minute a new API key may make unless its creator sets another limit.
    #[arg(long, env = "SALESGRAPH_API_KEY_RATE_PER_MINUTE", default_value_t = 600, value_parser = clap::value_parser!(i32).range(1..=100_000))]
    pub api_key_rate_per_minute: i32,
    /// Web-form submissions one client address may make within the intake window.
    #[arg(long, env = "SALESGRAPH_INTAKE_PER_ADDRESS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub intake_per_address: u64,
    /// Seconds over which web-form submissions are counted per client address.
    #[arg(long, env = "SALESGRAPH_INTAKE_WINDOW_SECS", default_value_t = 600, value_parser = clap::value_parser!(i64).range(1..=86_400))]
    pub intake_window_secs: i64,
}
