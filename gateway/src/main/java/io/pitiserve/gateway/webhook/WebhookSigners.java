package io.pitiserve.gateway.webhook;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.pitiserve.client.webhook.WebhookSecret;
import io.pitiserve.client.webhook.WebhookSigner;
import io.pitiserve.gateway.config.GatewayProperties;

import org.springframework.stereotype.Component;

/** Each tenant's signer over all of its active secrets ({@code webhook-secret} and {@code webhook-secrets}). */
@Component
public class WebhookSigners {

    private final Map<String, WebhookSigner> byTenant = new HashMap<>();

    public WebhookSigners(GatewayProperties gateway) {
        for (GatewayProperties.Tenant tenant : gateway.tenants()) {
            if (!tenant.webhookSecrets().isEmpty()) {
                byTenant.put(tenant.name(), new WebhookSigner(tenant.webhookSecrets().stream()
                        .map(WebhookSecret::parse).toList()));
            }
        }
    }

    /** The tenant's signer; empty when it has no webhook secret configured. */
    public Optional<WebhookSigner> of(String tenant) {
        return Optional.ofNullable(byTenant.get(tenant));
    }
}
