//! The webhook settings (the sender lives in `webhooks`), flattened into
//! [`crate::config::Config`]; README lists them.

use std::time::Duration;

use clap::Args;

/// How outbound webhooks are sent.
#[derive(Args, Clone, Debug)]
pub struct WebhookConfig {
    /// Development and tests only: allow `http://` endpoints and loopback, private and
    /// link-local addresses. Never in production.
    #[arg(
        long,
        env = "SALESGRAPH_WEBHOOK_ALLOW_INSECURE",
        default_value_t = false
    )]
    pub webhook_allow_insecure: bool,
    /// Networks (CIDR, comma-separated) endpoints may resolve into although they are private,
    /// e.g. an ERP on `10.0.0.0/8`. Loopback and link-local stay refused unless insecure.
    #[arg(long, env = "SALESGRAPH_WEBHOOK_ALLOW_NETWORKS", default_value = "", value_parser = parse_networks)]
    pub webhook_allow_networks: Networks,
    /// Networks (CIDR, comma-separated) endpoints may never resolve into, besides the built-in
    /// refusals.
    #[arg(long, env = "SALESGRAPH_WEBHOOK_DENY_NETWORKS", default_value = "", value_parser = parse_networks)]
    pub webhook_deny_networks: Networks,
    /// The waits before each retry of a failed delivery (`30s`, `5m`, `2h`, comma-separated);
    /// after the last, the delivery has failed. Each wait varies by up to a fifth either way.
    #[arg(long, env = "SALESGRAPH_WEBHOOK_RETRY_SCHEDULE", default_value = "30s,2m,10m,30m,1h,2h,4h,8h,8h", value_parser = parse_schedule)]
    pub webhook_retry_schedule: RetrySchedule,
    /// Seconds an endpoint has to answer one delivery (connecting included).
    #[arg(long, env = "SALESGRAPH_WEBHOOK_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub webhook_timeout_secs: u64,
    /// Milliseconds between two looks at the outbox by each instance's sender.
    #[arg(long, env = "SALESGRAPH_WEBHOOK_POLL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub webhook_poll_ms: u64,
    /// Seconds the secret before a rotation keeps signing beside the new one.
    #[arg(
        long,
        env = "SALESGRAPH_WEBHOOK_SECRET_OVERLAP_SECS",
        default_value_t = 86_400
    )]
    pub webhook_secret_overlap_secs: u64,
    /// Days delivered events and their attempts are kept.
    #[arg(long, env = "SALESGRAPH_WEBHOOK_RETENTION_DAYS", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub webhook_retention_days: i64,
}

impl WebhookConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.webhook_timeout_secs)
    }
}

/// CIDR networks from the configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Networks(pub Vec<ipnet::IpNet>);

impl Networks {
    pub fn contains(&self, address: std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }
}

fn parse_networks(text: &str) -> Result<Networks, String> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<ipnet::IpNet>()
                .or_else(|_| part.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{part:?} is not a network (10.0.0.0/8) or an address"))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Networks)
}

/// The waits before each retry.
#[derive(Clone, Debug, PartialEq)]
pub struct RetrySchedule(pub Vec<Duration>);

/// Most retries a schedule may hold.
const MAX_RETRIES: usize = 30;

pub fn parse_schedule(text: &str) -> Result<RetrySchedule, String> {
    let waits = text
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(parse_wait)
        .collect::<Result<Vec<_>, _>>()?;
    if waits.len() > MAX_RETRIES {
        return Err(format!("at most {MAX_RETRIES} retries"));
    }
    Ok(RetrySchedule(waits))
}

fn parse_wait(part: &str) -> Result<Duration, String> {
    let bad = || format!("{part:?} is not a wait such as 30s, 5m, 2h or 1d");
    let split = part.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = part.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let wait = number.checked_mul(seconds).ok_or_else(bad)?;
    // Up to a week per wait: anything longer is a typo.
    if wait == 0 || wait > 7 * 86_400 {
        return Err(bad());
    }
    Ok(Duration::from_secs(wait))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_read_units_and_refuse_nonsense() {
        let read = parse_schedule("30s, 5m,2h,1d").expect("schedule");
        assert_eq!(
            read.0,
            [30, 300, 7200, 86_400].map(Duration::from_secs).to_vec()
        );
        assert!(parse_schedule("").expect("empty").0.is_empty());
        for bad in ["5", "m", "0s", "5w", "8d", "-5s", "99999999999999999999s"] {
            assert!(parse_schedule(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn networks_take_cidrs_and_single_addresses() {
        let read = parse_networks("10.0.0.0/8, 192.168.1.7,fd00::/8").expect("networks");
        assert!(read.contains("10.20.30.40".parse().expect("ip")));
        assert!(read.contains("192.168.1.7".parse().expect("ip")));
        assert!(!read.contains("192.168.1.8".parse().expect("ip")));
        assert!(read.contains("fd12::1".parse().expect("ip")));
        assert!(parse_networks("10.0.0.0/33").is_err());
        assert!(parse_networks("example.com").is_err());
    }
}
