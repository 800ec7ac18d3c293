package io.pitiserve.gateway.support;

import io.pitiserve.gateway.auth.TenantDirectory;

import org.springframework.test.context.DynamicPropertyRegistry;

/** Settings integration tests give their gateway, in the keys an operator writes. */
public final class ItSettings {

    private ItSettings() {
    }

    /** Tenant {@code index} of {@code pitiserve.gateway.tenants}: its name and its API key's SHA-256. */
    public static void tenant(DynamicPropertyRegistry registry, int index, String name, String apiKey) {
        String key = "pitiserve.gateway.tenants[" + index + "]";
        registry.add(key + ".name", () -> name);
        registry.add(key + ".api-key-sha256", () -> TenantDirectory.hashOf(apiKey));
    }

    /** Declared model {@code index} of {@code pitiserve.gateway.models}: its task and name. */
    public static void model(DynamicPropertyRegistry registry, int index, String task, String name) {
        String key = "pitiserve.gateway.models[" + index + "]";
        registry.add(key + ".task", () -> task);
        registry.add(key + ".name", () -> name);
    }
}
