package io.pitiserve.gateway.webhook;

import java.time.Instant;

/**
 * A webhook URL a tenant's receiver retired with 410 Gone (compacted topic, key =
 * {@link #key(String, String)}). A redelivery request for a job with that URL re-enables it.
 */
public record DisabledUrl(String tenant, String url, Instant since, String webhookId) {

    public static String key(String tenant, String url) {
        return tenant + " " + url;
    }
}
