package io.pitiserve.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import io.pitiserve.gateway.config.GatewayProperties;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

class TenantDirectoryTest {

    @Test
    void aKeyFindsTheTenantWhoseHashMatchesIt() {
        TenantDirectory directory = new TenantDirectory(properties(List.of(
                new GatewayProperties.Tenant("acme", TenantDirectory.hashOf("key-a"), List.of()),
                new GatewayProperties.Tenant("globex", TenantDirectory.hashOf("key-g").toUpperCase(), List.of()))));

        assertThat(directory.authenticate("key-a")).contains(new Tenant("acme"));
        assertThat(directory.authenticate("key-g")).contains(new Tenant("globex"));
        assertThat(directory.authenticate("key-x")).isEmpty();
        assertThat(directory.authenticate("")).isEmpty();
        assertThat(directory.authenticate(null)).isEmpty();
    }

    @Test
    void theHashOfAKeyIsItsHexSha256() {
        assertThat(TenantDirectory.hashOf("abc"))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void aTenantConfiguredWithoutAValidHashFailsAtStartNamingTheKey() {
        assertThatThrownBy(() -> properties(List.of(new GatewayProperties.Tenant("acme", "secret", List.of()))))
                .hasMessageContaining("pitiserve.gateway.tenants[0].api-key-sha256");
        assertThatThrownBy(() -> properties(List.of(new GatewayProperties.Tenant("a/b", TenantDirectory.hashOf("k"), List.of()))))
                .hasMessageContaining("pitiserve.gateway.tenants[0].name");
    }

    @Test
    void aTenantReadsUnderItsUploadsPrefixUnlessOtherPrefixesAreConfiguredAndThoseMustBeSafe() {
        assertThat(new GatewayProperties.Tenant("acme", TenantDirectory.hashOf("k"), List.of()).readablePrefixes())
                .containsExactly("uploads/acme/");
        assertThat(new GatewayProperties.Tenant("acme", TenantDirectory.hashOf("k"), List.of("shared/acme/"))
                .readablePrefixes()).containsExactly("shared/acme/");
        assertThatThrownBy(() -> properties(List.of(
                new GatewayProperties.Tenant("acme", TenantDirectory.hashOf("k"), List.of("uploads/../")))))
                .hasMessageContaining("pitiserve.gateway.tenants[0].readable-prefixes");
    }

    private static GatewayProperties properties(List<GatewayProperties.Tenant> tenants) {
        return new GatewayProperties(tenants, List.of(), DataSize.ofMegabytes(8), 4096, 4096, Duration.ofHours(1),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(30), Duration.ofSeconds(5),
                java.nio.file.Path.of("state"), "pitiserve-gateway-status", Duration.ofSeconds(2), "pitiserve-worker");
    }
}
