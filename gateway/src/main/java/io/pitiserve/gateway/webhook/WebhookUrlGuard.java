package io.pitiserve.gateway.webhook;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * The SSRF guard of webhook URLs, applied at submission and again before every attempt.
 *
 * <p>A URL must be absolute http(s) (https unless {@code require-https} is off), with a host, no
 * user info and at most 2048 characters. Its host is resolved once; EVERY address must be
 * acceptable (a name that mixes a public and a private address is refused), and the caller
 * connects to the returned address, so a second lookup cannot rebind the name. Refused unless an
 * allowed CIDR block holds them: loopback, private (RFC 1918, unique local), shared (CGNAT),
 * link-local (including the cloud metadata address 169.254.169.254), multicast, unspecified,
 * reserved, documentation (TEST-NET-1/2/3, 2001:db8::/32) and broadcast addresses, the IPv6
 * discard prefix, and the IPv6 forms that embed an IPv4 address (IPv4-mapped, IPv4-compatible,
 * NAT64, 6to4, Teredo).
 */
public final class WebhookUrlGuard {

    static final int MAX_URL_LENGTH = 2048;

    /** A URL that passed: where to connect and what to say in Host and SNI. */
    public record Target(URI uri, String host, int port, boolean https, InetAddress address) {

        /** {@code scheme://host:port}, for logs: never the path or query. */
        public String origin() {
            return (https ? "https" : "http") + "://" + host + ":" + port;
        }
    }

    private static final List<Named> REFUSED = List.of(
            refused("0.0.0.0/8", "unspecified"),
            refused("10.0.0.0/8", "private"),
            refused("100.64.0.0/10", "shared (carrier-grade NAT)"),
            refused("127.0.0.0/8", "loopback"),
            refused("169.254.0.0/16", "link-local (cloud metadata)"),
            refused("172.16.0.0/12", "private"),
            refused("192.0.0.0/24", "reserved"),
            refused("192.0.2.0/24", "documentation (TEST-NET-1)"),
            refused("192.168.0.0/16", "private"),
            refused("198.18.0.0/15", "reserved (benchmarking)"),
            refused("198.51.100.0/24", "documentation (TEST-NET-2)"),
            refused("203.0.113.0/24", "documentation (TEST-NET-3)"),
            refused("224.0.0.0/4", "multicast"),
            refused("240.0.0.0/4", "reserved or broadcast"),
            refused("::/128", "unspecified"),
            refused("::1/128", "loopback"),
            refused("::ffff:0:0/96", "IPv4-mapped IPv6"),
            refused("::/96", "IPv4-compatible IPv6"),
            refused("64:ff9b::/96", "NAT64 (embeds IPv4)"),
            refused("64:ff9b:1::/48", "local-use NAT64 (embeds IPv4)"),
            refused("100::/64", "discard-only"),
            refused("2001::/32", "Teredo (embeds IPv4)"),
            refused("2001:db8::/32", "documentation"),
            refused("2002::/16", "6to4 (embeds IPv4)"),
            refused("fc00::/7", "private (unique local)"),
            refused("fe80::/10", "link-local"),
            refused("fec0::/10", "site-local"),
            refused("ff00::/8", "multicast"));

    private record Named(Cidr block, String kind) {
    }

    private final HostResolver resolver;
    private final boolean requireHttps;
    private final List<Cidr> allowed;

    public WebhookUrlGuard(HostResolver resolver, boolean requireHttps, List<String> allowedCidrs) {
        this.resolver = resolver;
        this.requireHttps = requireHttps;
        this.allowed = allowedCidrs.stream().map(Cidr::parse).toList();
    }

    /**
     * Checks {@code url} and resolves its host.
     *
     * @throws WebhookUrlRefusedException with a code and a message for the client
     */
    public Target check(String url) {
        URI uri = parse(url);
        boolean https = uri.getScheme().equalsIgnoreCase("https");
        String host = uri.getHost();
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        int port = uri.getPort() >= 0 ? uri.getPort() : (https ? 443 : 80);
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(bare);
        } catch (UnknownHostException e) {
            throw new WebhookUrlRefusedException("unresolvable", "the webhook host " + host + " does not resolve");
        }
        if (addresses == null || addresses.length == 0) {
            throw new WebhookUrlRefusedException("unresolvable", "the webhook host " + host + " has no address");
        }
        for (InetAddress address : addresses) {
            String reason = refusal(address);
            if (reason != null) {
                throw new WebhookUrlRefusedException("forbidden_address", "the webhook host " + host + " resolves to "
                        + address.getHostAddress() + ", a " + reason + " address; webhooks go to public addresses"
                        + " only (an operator may allow a block with pitiserve.webhooks.allowed-cidrs)");
            }
        }
        return new Target(uri, bare, port, https, addresses[0]);
    }

    private URI parse(String url) {
        if (url == null || url.isBlank() || url.length() > MAX_URL_LENGTH) {
            throw new WebhookUrlRefusedException("invalid_url", "the webhook URL must be an absolute http(s) URL of"
                    + " at most " + MAX_URL_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new WebhookUrlRefusedException("invalid_url", "the webhook URL is not a valid URI: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new WebhookUrlRefusedException("invalid_url", "the webhook URL must start with https://");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new WebhookUrlRefusedException("invalid_url", "the webhook URL has no host (or one that is not a"
                    + " valid host name)");
        }
        if (uri.getRawUserInfo() != null) {
            throw new WebhookUrlRefusedException("invalid_url", "the webhook URL must not carry user info"
                    + " (user:password@); put credentials in the path or query instead");
        }
        if (uri.getRawFragment() != null) {
            throw new WebhookUrlRefusedException("invalid_url", "the webhook URL must not have a #fragment");
        }
        if (scheme.equals("http") && requireHttps) {
            throw new WebhookUrlRefusedException("https_required", "the webhook URL must use https://, was http://"
                    + uri.getHost());
        }
        return uri;
    }

    /** Why {@code address} is refused, or null when it may be called. */
    String refusal(InetAddress address) {
        byte[] bytes = address.getAddress();
        for (Cidr block : allowed) {
            if (block.contains(bytes)) {
                return null;
            }
        }
        for (Named named : REFUSED) {
            if (named.block().contains(bytes)) {
                return named.kind();
            }
        }
        if (!(address instanceof Inet4Address) && (address.isAnyLocalAddress() || address.isLoopbackAddress()
                || address.isLinkLocalAddress() || address.isSiteLocalAddress() || address.isMulticastAddress())) {
            return "non-public";
        }
        return null;
    }

    private static Named refused(String block, String kind) {
        return new Named(Cidr.parse(block), kind);
    }
}
