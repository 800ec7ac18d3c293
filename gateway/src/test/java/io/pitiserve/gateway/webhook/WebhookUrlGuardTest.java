package io.pitiserve.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class WebhookUrlGuardTest {

    /** Names resolve only through this table; IP literals resolve to themselves; nothing reaches DNS. */
    static final HostResolver CONTROLLED = host -> {
        Map<String, List<InetAddress>> names = Map.of(
                "hooks.example.com", List.of(address("93.184.216.34")),
                "metadata.example.com", List.of(address("169.254.169.254")),
                "rebind.example.com", List.of(address("93.184.216.34"), address("10.0.0.7")),
                "mapped.example.com", List.of(v6("::ffff:127.0.0.1")),
                "mapped-metadata.example.com", List.of(v6("::ffff:169.254.169.254")),
                "localhost.example.com", List.of(address("127.0.0.1")),
                "v6.example.com", List.of(address("2606:2800:220:1:248:1893:25c8:1946")));
        if (names.containsKey(host)) {
            return names.get(host).toArray(InetAddress[]::new);
        }
        if (host.matches("[0-9.]+") || host.contains(":")) {
            return new InetAddress[] {InetAddress.getByName(host)};
        }
        throw new UnknownHostException(host);
    };

    private final WebhookUrlGuard guard = new WebhookUrlGuard(CONTROLLED, true, List.of());

    @Test
    void aPublicHttpsUrlPassesAndPinsTheCheckedAddress() {
        WebhookUrlGuard.Target target = guard.check("https://hooks.example.com/piti?token=abc");

        assertThat(target.address().getHostAddress()).isEqualTo("93.184.216.34");
        assertThat(target.port()).isEqualTo(443);
        assertThat(target.host()).isEqualTo("hooks.example.com");
        assertThat(target.origin()).isEqualTo("https://hooks.example.com:443").doesNotContain("token");
        assertThat(guard.check("https://v6.example.com:8443/x").port()).isEqualTo(8443);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://127.0.0.1/hook",                     // loopback
            "https://127.1.2.3/hook",                     // loopback, whole block
            "https://[::1]/hook",                         // IPv6 loopback
            "https://10.1.2.3/hook",                      // private
            "https://172.16.0.1/hook",                    // private
            "https://172.31.255.255/hook",                // private
            "https://192.168.1.1/hook",                   // private
            "https://100.64.0.1/hook",                    // shared (CGNAT)
            "https://169.254.169.254/latest/meta-data",   // link-local: the metadata service
            "https://[fe80::1]/hook",                     // IPv6 link-local
            "https://[fc00::1]/hook",                     // unique local
            "https://[fd12:3456::1]/hook",                // unique local
            "https://224.0.0.1/hook",                     // multicast
            "https://[ff02::1]/hook",                     // IPv6 multicast
            "https://0.0.0.0/hook",                       // unspecified
            "https://[::]/hook",                          // IPv6 unspecified
            "https://255.255.255.255/hook",               // broadcast
            "https://[::ffff:127.0.0.1]/hook",            // IPv4-mapped loopback (literal)
            "https://[::ffff:a9fe:a9fe]/hook",            // IPv4-mapped metadata, hex form
            "https://[64:ff9b::a9fe:a9fe]/hook",          // NAT64 of the metadata address
            "https://[2002:a9fe:a9fe::1]/hook",           // 6to4 of the metadata address
            "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook", // Teredo (embeds an IPv4 address)
            "https://[2001:0:a9fe:a9fe::1]/hook",         // Teredo, whole block
            "https://192.0.2.10/hook",                    // documentation, TEST-NET-1
            "https://198.51.100.7/hook",                  // documentation, TEST-NET-2
            "https://203.0.113.200/hook",                 // documentation, TEST-NET-3
            "https://[2001:db8::1]/hook",                  // IPv6 documentation
            "https://[64:ff9b:1::a9fe:a9fe]/hook",        // local-use NAT64
            "https://[100::1]/hook",                      // IPv6 discard-only
            "https://metadata.example.com/latest",        // a name resolving to the metadata address
            "https://localhost.example.com/hook",         // a name resolving to loopback
            "https://mapped.example.com/hook",            // a name resolving to IPv4-mapped IPv6 loopback
            "https://mapped-metadata.example.com/hook",   // ... and to the mapped metadata address
            "https://rebind.example.com/hook"})           // one public and one private address
    void everyNonPublicAddressFormIsRefused(String url) {
        assertThatThrownBy(() -> guard.check(url))
                .isInstanceOfSatisfying(WebhookUrlRefusedException.class, e -> {
                    assertThat(e.code()).isEqualTo("forbidden_address");
                    assertThat(e.retryable()).isFalse();
                })
                .hasMessageContaining("resolves to");
    }

    @ParameterizedTest
    @ValueSource(strings = {"2001:4860:4860::8888", "2001:1::1", "2001:db9::1", "192.0.3.1", "198.51.101.1",
            "203.0.114.1", "100:0:0:1::1"})
    void publicNeighboursOfTheRefusedBlocksPass(String literal) {
        assertThat(guard.refusal(address(literal))).isNull();
    }

    @Test
    void theIpv4MappedFormIsRefusedEvenWhenItStaysAnIpv6Address() throws Exception {
        InetAddress mapped = v6("::ffff:169.254.169.254");

        assertThat(mapped).isInstanceOf(Inet6Address.class);
        assertThat(guard.refusal(mapped)).isEqualTo("IPv4-mapped IPv6");
    }

    @Test
    void plainHttpIsRefusedUnlessConfigured() {
        assertThatThrownBy(() -> guard.check("http://hooks.example.com/x"))
                .isInstanceOfSatisfying(WebhookUrlRefusedException.class,
                        e -> assertThat(e.code()).isEqualTo("https_required"));

        assertThat(new WebhookUrlGuard(CONTROLLED, false, List.of()).check("http://hooks.example.com/x").port())
                .isEqualTo(80);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://hooks.example.com/x", "https:///nohost", "https://user:pw@hooks.example.com/x",
            "https://hooks.example.com/x#frag", "not a url", "hooks.example.com/x", "file:///etc/passwd",
            "https://hooks example.com/"})
    void malformedUrlsAreRefusedAsInvalid(String url) {
        assertThatThrownBy(() -> guard.check(url))
                .isInstanceOfSatisfying(WebhookUrlRefusedException.class,
                        e -> assertThat(e.code()).isEqualTo("invalid_url"));
    }

    @Test
    void aHostThatDoesNotResolveIsRefusedButMayWorkLater() {
        assertThatThrownBy(() -> guard.check("https://nowhere.example.com/x"))
                .isInstanceOfSatisfying(WebhookUrlRefusedException.class, e -> {
                    assertThat(e.code()).isEqualTo("unresolvable");
                    assertThat(e.retryable()).isTrue();
                });
    }

    @Test
    void anAllowedBlockLetsItsAddressesThroughAndNoOthers() {
        WebhookUrlGuard local = new WebhookUrlGuard(CONTROLLED, false, List.of("127.0.0.0/8", "::1/128"));

        assertThat(local.check("http://127.0.0.1:8080/hook").address().getHostAddress()).isEqualTo("127.0.0.1");
        assertThat(local.check("http://[::1]:8080/hook").port()).isEqualTo(8080);
        assertThatThrownBy(() -> local.check("http://169.254.169.254/"))
                .isInstanceOf(WebhookUrlRefusedException.class);
        assertThatThrownBy(() -> local.check("http://mapped.example.com/"))
                .as("an IPv4 block does not admit the IPv4-mapped IPv6 form")
                .isInstanceOf(WebhookUrlRefusedException.class);
    }

    @Test
    void cidrBlocksParseStrictlyAndMatchByPrefix() {
        Cidr block = Cidr.parse("172.16.0.0/12");

        assertThat(block.contains(address("172.31.1.1").getAddress())).isTrue();
        assertThat(block.contains(address("172.32.0.1").getAddress())).isFalse();
        assertThat(Cidr.parse("::ffff:0:0/96").contains(v6("::ffff:1.2.3.4").getAddress())).isTrue();
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> Cidr.parse("example.com/8")).hasMessageContaining("not a CIDR block");
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** An IPv6 address kept as IPv6 even in its IPv4-mapped form (the JDK's getByName would turn it into IPv4). */
    static InetAddress v6(String literal) {
        try {
            InetAddress parsed = InetAddress.getByName(literal);
            byte[] bytes = parsed.getAddress().length == 4 ? Cidr.mapped(parsed.getAddress()) : parsed.getAddress();
            return Inet6Address.getByAddress(null, bytes, -1);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
