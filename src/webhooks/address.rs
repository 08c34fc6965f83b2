//! Where a webhook may point. An endpoint is an `https://` URL whose host resolves only to
//! public addresses: never this server's loopback, link-local addresses (cloud metadata
//! services live there), private networks unless an operator allows them, or networks an
//! operator denies. Names are checked when registered and again at every connection, by the
//! HTTP client's own resolver, so a name that later resolves elsewhere is refused too.

use std::net::{IpAddr, SocketAddr};

use reqwest::Url;

use crate::error::{AppError, AppResult};
use crate::webhook_settings::WebhookConfig;

/// Longest endpoint URL.
pub const MAX_URL: usize = 2048;

/// The endpoint `text` names, if the configuration lets webhooks go there. Errors:
/// `BAD_USER_INPUT` on `field`.
pub fn check_url(text: &str, config: &WebhookConfig, field: &str) -> AppResult<Url> {
    let bad = |message: &str| AppError::bad_input(field, message);
    let text = text.trim();
    if text.len() > MAX_URL {
        return Err(bad("An endpoint URL has at most 2048 characters"));
    }
    let url = Url::parse(text)
        .map_err(|_| bad("Give an absolute URL such as https://erp.example.com/hooks"))?;
    match url.scheme() {
        "https" => {}
        "http" if config.webhook_allow_insecure => {}
        "http" => return Err(bad("Endpoints must use https://")),
        _ => return Err(bad("Endpoints are https:// URLs")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "Put no user name or password in the URL; verify the signature instead",
        ));
    }
    if url.fragment().is_some() {
        return Err(bad("An endpoint URL has no #fragment"));
    }
    match url.host() {
        None => return Err(bad("An endpoint URL names a host")),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if !config.webhook_allow_insecure
                && (name == "localhost" || name.ends_with(".localhost") || !name.contains('.'))
            {
                return Err(bad("Endpoints must be reachable by a public name"));
            }
        }
        Some(url::Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip), config).map_err(bad)?,
        Some(url::Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip), config).map_err(bad)?,
    }
    Ok(url)
}

/// Whether webhooks may connect to `ip`; the reason when not.
pub fn check_ip(ip: IpAddr, config: &WebhookConfig) -> Result<(), &'static str> {
    if config.webhook_allow_insecure {
        return Ok(());
    }
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    if config.webhook_deny_networks.contains(ip) {
        return Err("Endpoints may not point into a denied network");
    }
    if never_allowed(ip) {
        return Err("Endpoints may not point at loopback, link-local or unspecified addresses");
    }
    if private(ip) && !config.webhook_allow_networks.contains(ip) {
        return Err("Endpoints may not point into a private network unless it is allowed");
    }
    Ok(())
}

fn never_allowed(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                // 0.0.0.0/8 reaches this host on some systems.
                || v4.octets()[0] == 0
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unicast_link_local()
        }
    }
}

fn private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                // Carrier-grade NAT, 100.64.0.0/10.
                || (a == 100 && (64..128).contains(&b))
                // IETF protocol assignments and benchmarking networks.
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b))
        }
        // Unique local addresses, fc00::/7.
        IpAddr::V6(v6) => (v6.segments()[0] & 0xfe00) == 0xfc00,
    }
}

/// The HTTP client's resolver: the system's answer without refused addresses, or an error
/// when nothing is left.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub config: std::sync::Arc<WebhookConfig>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let config = self.config.clone();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|address| check_ip(address.ip(), &config).is_ok())
                .collect();
            if allowed.is_empty() {
                let refused: Box<dyn std::error::Error + Send + Sync> =
                    "the host resolves only to addresses webhooks may not reach".into();
                return Err(refused);
            }
            let addresses: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(insecure: bool, allow: &str, deny: &str) -> WebhookConfig {
        let mut config = crate::config::Config::defaults().webhooks;
        config.webhook_allow_insecure = insecure;
        config.webhook_allow_networks = crate::webhook_settings::Networks(
            allow
                .split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().expect("net"))
                .collect(),
        );
        config.webhook_deny_networks = crate::webhook_settings::Networks(
            deny.split(',')
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().expect("net"))
                .collect(),
        );
        config
    }

    #[test]
    fn production_refuses_http_loopback_link_local_and_private_targets() {
        let strict = config(false, "", "");
        for bad in [
            "http://erp.example.com/hooks",
            "ftp://erp.example.com/",
            "https://localhost/hooks",
            "https://intranet/hooks",
            "https://127.0.0.1/hooks",
            "https://[::1]/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://[fe80::1]/",
            "https://10.1.2.3/",
            "https://192.168.0.5/",
            "https://[::ffff:127.0.0.1]/",
            "https://0.0.0.0/",
            "https://user:pass@erp.example.com/",
            "https://erp.example.com/#frag",
            "not a url",
        ] {
            assert!(check_url(bad, &strict, "input.url").is_err(), "{bad}");
        }
        assert!(check_url("https://erp.example.com/hooks?x=1", &strict, "input.url").is_ok());
        assert!(check_url("https://203.0.113.9/hooks", &strict, "input.url").is_ok());
        let long = format!("https://erp.example.com/{}", "a".repeat(MAX_URL));
        assert!(check_url(&long, &strict, "input.url").is_err());
    }

    #[test]
    fn operators_allow_private_networks_and_deny_others() {
        let allowed = config(false, "10.0.0.0/8", "203.0.113.0/24");
        assert!(check_ip("10.9.8.7".parse().expect("ip"), &allowed).is_ok());
        assert!(check_ip("192.168.1.1".parse().expect("ip"), &allowed).is_err());
        assert!(check_ip("203.0.113.9".parse().expect("ip"), &allowed).is_err());
        // Allowing a network never opens loopback or link-local.
        let wide = config(false, "0.0.0.0/0", "");
        assert!(check_ip("127.0.0.1".parse().expect("ip"), &wide).is_err());
        assert!(check_ip("169.254.169.254".parse().expect("ip"), &wide).is_err());
        // Development: anything goes.
        let insecure = config(true, "", "");
        assert!(check_url("http://127.0.0.1:9000/", &insecure, "input.url").is_ok());
    }

    #[tokio::test]
    async fn the_resolver_drops_refused_addresses_at_connection_time() {
        use reqwest::dns::Resolve;
        use std::str::FromStr;
        let strict = GuardedResolver {
            config: std::sync::Arc::new(config(false, "", "")),
        };
        let name = reqwest::dns::Name::from_str("localhost").expect("name");
        assert!(
            strict.resolve(name).await.is_err(),
            "localhost resolves inward"
        );
        let open = GuardedResolver {
            config: std::sync::Arc::new(config(true, "", "")),
        };
        let name = reqwest::dns::Name::from_str("localhost").expect("name");
        let found: Vec<SocketAddr> = open.resolve(name).await.expect("resolves").collect();
        assert!(found.iter().all(|a| a.ip().is_loopback()) && !found.is_empty());
    }
}
