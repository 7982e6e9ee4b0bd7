//! Where Verdict may send requests of its own: approval routes' webhook and chat destinations.
//! An admin who can define a route must not be able to make the server reach what only it can
//! reach (its own loopback, the cloud metadata service, the private network behind it), so a
//! destination that is, or resolves to, such an address is refused unless an operator lists its
//! host in `--outbound-allow-hosts`. The address is checked when the route is defined (to say so
//! at once) and again on every connection (DNS can change between the two).

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use ipnet::{Ipv4Net, Ipv6Net};

/// How long a route definition waits for its destination's name to resolve; a name that does
/// not resolve in time is accepted, and checked again when something is sent.
const DEFINE_RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a delivery waits for the receiver's answer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Addresses that are not the public internet (IANA special-purpose registries): this host,
/// private and shared networks, link-local (with the 169.254.169.254 metadata service),
/// documentation, benchmarking, multicast and reserved.
const INTERNAL_V4: [Ipv4Net; 15] = [
    Ipv4Net::new_assert(Ipv4Addr::new(0, 0, 0, 0), 8),
    Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8),
    Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10),
    Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8),
    Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16),
    Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 0, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 2, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 88, 99, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16),
    Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15),
    Ipv4Net::new_assert(Ipv4Addr::new(198, 51, 100, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(203, 0, 113, 0), 24),
    Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4),
    Ipv4Net::new_assert(Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// The same for IPv6: unspecified, loopback, discard, protocol assignments (Teredo among them),
/// documentation, 6to4, unique local (AWS's fd00:ec2::254 metadata), link- and site-local,
/// multicast. Mapped and NAT64 addresses are judged by the IPv4 address inside them.
const INTERNAL_V6: [Ipv6Net; 11] = [
    Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 128),
    Ipv6Net::new_assert(Ipv6Addr::LOCALHOST, 128),
    Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48),
    Ipv6Net::new_assert(Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64),
    Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23),
    Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    Ipv6Net::new_assert(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16),
    Ipv6Net::new_assert(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
    Ipv6Net::new_assert(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10),
    Ipv6Net::new_assert(Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    Ipv6Net::new_assert(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8),
];

const NAT64: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);

/// Whether `ip` is anything but a public internet address.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => INTERNAL_V4.iter().any(|net| net.contains(&v4)),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_internal(IpAddr::V4(v4)),
            None => INTERNAL_V6.iter().any(|net| net.contains(&v6)),
        },
    }
}

/// The IPv4 address an IPv6 one carries: `::ffff:a.b.c.d`, the deprecated `::a.b.c.d` and
/// NAT64's `64:ff9b::a.b.c.d` all reach that IPv4 host.
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if NAT64.contains(&v6) {
        let [.., a, b, c, d] = v6.octets();
        return Some(Ipv4Addr::new(a, b, c, d));
    }
    // `to_ipv4` also reads `::1` as 0.0.0.1, which is internal either way.
    v6.to_ipv4_mapped().or_else(|| v6.to_ipv4())
}

/// The hosts an operator allowed, as URLs spell them (lowercase names, canonical addresses).
#[derive(Debug, Clone, Default)]
pub struct AllowedHosts(Arc<Vec<String>>);

impl AllowedHosts {
    /// Each entry is a host name or an address, in any spelling a URL accepts (`127.1` is
    /// 127.0.0.1); entries that are neither are ignored.
    pub fn new(entries: &[String]) -> Self {
        let hosts = entries
            .iter()
            .map(|entry| entry.trim())
            .filter(|entry| !entry.is_empty())
            .filter_map(|entry| {
                let bracketed = match entry.parse::<Ipv6Addr>() {
                    Ok(_) => format!("[{entry}]"),
                    Err(_) => entry.to_owned(),
                };
                reqwest::Url::parse(&format!("http://{bracketed}/"))
                    .ok()
                    .and_then(|url| url.host_str().map(unbracket))
            })
            .collect();
        Self(Arc::new(hosts))
    }

    fn allows(&self, host: &str) -> bool {
        let host = unbracket(host).trim_end_matches('.').to_ascii_lowercase();
        self.0.contains(&host)
    }
}

fn unbracket(host: &str) -> String {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned()
}

/// Why a destination may not be reached; said to the admin who defines the route and recorded
/// in the delivery log.
pub fn refusal(host: &str, address: IpAddr) -> String {
    let named = if host == unbracket(&address.to_string()) {
        format!("{address}")
    } else {
        format!("{host} ({address})")
    };
    format!(
        "{named} is a loopback, private, link-local or otherwise internal address; Verdict sends \
         only to public addresses unless --outbound-allow-hosts names the host."
    )
}

/// The HTTP client for route deliveries and the rule it enforces.
#[derive(Debug, Clone)]
pub struct Outbound {
    allowed: AllowedHosts,
    /// `None` only when TLS could not be set up; then nothing is sent, rather than sent
    /// through a client that does not check addresses.
    client: Option<reqwest::Client>,
}

impl Outbound {
    pub fn new(allowed_hosts: &[String]) -> Self {
        let allowed = AllowedHosts::new(allowed_hosts);
        // Another part of the process may have installed a provider already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            // A receiver's redirect would take the request somewhere its address was not checked.
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(PublicOnly(allowed.clone()))
            .build()
            .inspect_err(|error| tracing::error!(%error, "cannot build the delivery client"))
            .ok();
        Self { allowed, client }
    }

    /// The client that connects only to addresses `check` would accept.
    pub fn client(&self) -> Result<&reqwest::Client, String> {
        self.client
            .as_ref()
            .ok_or_else(|| "the delivery client could not be set up (see the log)".to_owned())
    }

    /// Refuses a URL whose host is an internal address, `localhost`, or a name resolving to an
    /// internal address, unless the host is allowed. A name that does not resolve (yet) passes:
    /// each connection resolves and checks it again.
    pub async fn check(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().ok_or("the URL names no host")?;
        if self.allowed.allows(host) {
            return Ok(());
        }
        if let Ok(address) = unbracket(host).parse::<IpAddr>() {
            return match is_internal(address) {
                true => Err(refusal(host, address)),
                false => Ok(()),
            };
        }
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        if name == "localhost" || name.ends_with(".localhost") {
            return Err(refusal(host, IpAddr::V4(Ipv4Addr::LOCALHOST)));
        }
        let port = url.port_or_known_default().unwrap_or(80);
        let resolved = tokio::time::timeout(
            DEFINE_RESOLVE_TIMEOUT,
            tokio::net::lookup_host((name.as_str(), port)),
        )
        .await;
        match resolved {
            Ok(Ok(addresses)) => {
                first_internal(addresses).map_or(Ok(()), |address| Err(refusal(host, address)))
            }
            _ => Ok(()),
        }
    }
}

fn first_internal(addresses: impl IntoIterator<Item = SocketAddr>) -> Option<IpAddr> {
    addresses
        .into_iter()
        .map(|address| address.ip())
        .find(|ip| is_internal(*ip))
}

/// Resolves names for the delivery client and refuses any name with an internal address among
/// its answers (all of them: a mixed answer is how rebinding tricks are played), so what was
/// checked is what is connected to.
#[derive(Debug, Clone)]
struct PublicOnly(AllowedHosts);

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allowed = self.0.allows(name.as_str());
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|error| -> ResolveError { Box::new(error) })?
                .collect();
            if !allowed {
                if let Some(address) = first_internal(addresses.iter().copied()) {
                    return Err(refusal(&host, address).into());
                }
            }
            Ok(Box::new(addresses.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

type ResolveError = Box<dyn std::error::Error + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> reqwest::Url {
        reqwest::Url::parse(text).unwrap()
    }

    #[test]
    fn internal_ranges_in_every_spelling() {
        for text in [
            "http://127.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[::1]/",
            "http://[64:ff9b::10.0.0.1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://100.100.100.200/",
            "http://192.168.1.1/",
            "http://[fe80::1]/",
        ] {
            let host = url(text).host_str().unwrap().to_owned();
            let address: IpAddr = unbracket(&host).parse().unwrap();
            assert!(is_internal(address), "{text} ({host}) counts as internal");
        }
        for public in ["93.184.216.34", "2606:4700::1111", "64:ff9b::5db8:d822"] {
            assert!(!is_internal(public.parse().unwrap()), "{public} is public");
        }
    }

    #[test]
    fn allowed_hosts_match_in_any_spelling() {
        let allowed = AllowedHosts::new(&["127.1".to_owned(), "Hooks.Internal".to_owned()]);
        assert!(allowed.allows("127.0.0.1"));
        assert!(allowed.allows("hooks.internal"));
        assert!(allowed.allows("hooks.internal."));
        assert!(!allowed.allows("127.0.0.2"));
        let v6 = AllowedHosts::new(&["::1".to_owned()]);
        assert!(v6.allows("[::1]"));
    }

    #[tokio::test]
    async fn the_delivery_resolver_refuses_names_of_internal_addresses() {
        use reqwest::dns::Resolve as _;
        // `localhost` resolves to loopback everywhere; the resolver does not special-case it.
        let strict = PublicOnly(AllowedHosts::default());
        let refused = strict.resolve("localhost".parse().unwrap()).await;
        let error = refused.err().expect("refused").to_string();
        assert!(error.contains("internal address"), "{error}");
        let allowed = PublicOnly(AllowedHosts::new(&["localhost".to_owned()]));
        let resolved: Vec<SocketAddr> = allowed
            .resolve("localhost".parse().unwrap())
            .await
            .map_err(|error| error.to_string())
            .unwrap()
            .collect();
        assert!(resolved.iter().all(|address| address.ip().is_loopback()));
    }

    #[tokio::test]
    async fn checks_refuse_internal_hosts_unless_allowed() {
        let strict = Outbound::new(&[]);
        for text in [
            "http://127.1/",
            "http://localhost:8080/",
            "http://api.localhost/",
        ] {
            assert!(strict.check(&url(text)).await.is_err(), "{text}");
        }
        assert!(strict.check(&url("https://93.184.216.34/")).await.is_ok());
        let open = Outbound::new(&["127.0.0.1".to_owned(), "localhost".to_owned()]);
        assert!(open.check(&url("http://127.1:9/")).await.is_ok());
        assert!(open.check(&url("http://localhost/")).await.is_ok());
    }
}
