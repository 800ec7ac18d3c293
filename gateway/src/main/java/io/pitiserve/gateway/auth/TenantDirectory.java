package io.pitiserve.gateway.auth;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import io.pitiserve.common.digest.Sha256;
import io.pitiserve.gateway.config.GatewayProperties;

import org.springframework.stereotype.Component;

/**
 * Finds the tenant of an API key. Only sha256 digests of keys are configured; a presented key is
 * hashed and compared with every configured digest in constant time, so neither the comparison nor
 * an early exit tells an attacker how much of a guess was right.
 */
@Component
public class TenantDirectory {

    private record Entry(String tenant, byte[] keySha256) {
    }

    private final List<Entry> entries;

    public TenantDirectory(GatewayProperties properties) {
        this.entries = properties.tenants().stream()
                .map(t -> new Entry(t.name(), HexFormat.of().parseHex(t.apiKeySha256().toLowerCase())))
                .toList();
    }

    /** The tenant whose key is {@code apiKey}, or empty. */
    public Optional<Tenant> authenticate(String apiKey) {
        if (apiKey == null || apiKey.isEmpty()) {
            return Optional.empty();
        }
        byte[] presented = Sha256.of(apiKey);
        Tenant found = null;
        for (Entry entry : entries) {
            // No break: every entry is compared whatever matched before.
            if (MessageDigest.isEqual(presented, entry.keySha256()) && found == null) {
                found = new Tenant(entry.tenant());
            }
        }
        return Optional.ofNullable(found);
    }

    /** Hex sha256 of a UTF-8 key: the form {@code pitiserve.gateway.tenants[i].api-key-sha256} takes. */
    public static String hashOf(String apiKey) {
        return Sha256.hex(apiKey);
    }
}
