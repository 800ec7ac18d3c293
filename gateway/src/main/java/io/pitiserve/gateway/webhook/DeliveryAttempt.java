package io.pitiserve.gateway.webhook;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One attempt to deliver a webhook, as the delivery log keeps it (deliveries topic, key = job id)
 * and {@code GET /v1/translations/{id}} shows it.
 *
 * @param webhookId     the {@code webhook-id} sent
 * @param event         succeeded, failed, cancelled, started or progress
 * @param attempt       1 for the first attempt of a delivery (a redelivery starts again at 1)
 * @param time          when the attempt started
 * @param statusCode    the receiver's HTTP status, absent when it gave none
 * @param latencyMs     milliseconds from connect to the answer (or the failure)
 * @param outcome       delivered, retrying, failed, gone, refused, disabled or dead_lettered
 * @param error         what went wrong, absent when delivered
 * @param nextAttemptAt when the next attempt is due, for {@code retrying}
 * @param redelivery    true when a client asked for it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeliveryAttempt(String webhookId, String event, int attempt, Instant time, Integer statusCode,
                              Long latencyMs, String outcome, String error, Instant nextAttemptAt,
                              Boolean redelivery) {
}
