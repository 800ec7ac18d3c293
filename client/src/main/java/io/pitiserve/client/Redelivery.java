package io.pitiserve.client;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The answer to {@code POST /v1/translations/{id}/webhook/redeliver}.
 *
 * @param webhookId the {@code webhook-id} the redelivery carries (the one of the first delivery)
 * @param event     the terminal event sent again
 * @param url       where it goes
 */
public record Redelivery(@JsonProperty("webhook_id") String webhookId, String event, String url) {
}
