package io.pitiserve.gateway.webhook;

import java.time.Instant;

/**
 * A webhook notification waiting for its next attempt, as a record of a retry tier topic (key =
 * job id). It carries everything the attempt needs, so a dispatcher that restarts or takes over
 * the partition sends exactly what would have been sent.
 *
 * @param webhookId   the {@code webhook-id}, the same for every attempt and redelivery
 * @param event       the webhook event's wire name (succeeded, progress, ...)
 * @param eventType   the CloudEvents type of the job event
 * @param eventJson   the job event as the events topic carried it
 * @param traceparent the W3C trace context sent with every attempt
 * @param tracestate  the W3C {@code tracestate} of the same trace, or null (none, or a record
 *                    written before it was kept)
 * @param attempt     the number of the next attempt, 1 for the first
 * @param dueAt       not before this instant
 * @param origin      {@code retry}, {@code redelivery}, or {@code awaiting_view} for an event whose
 *                    job the status view did not know yet (attempt not counted)
 * @param firstSeen   when the dispatcher first took the event
 */
public record PendingDelivery(String webhookId, String jobId, String tenant, String url, String event,
                              String eventType, String eventJson, String traceparent, String tracestate,
                              int attempt, Instant dueAt, String origin, Instant firstSeen) {

    static final String RETRY = "retry";
    static final String REDELIVERY = "redelivery";
    static final String AWAITING_VIEW = "awaiting_view";

    PendingDelivery next(Instant due, String nextOrigin, int nextAttempt) {
        return new PendingDelivery(webhookId, jobId, tenant, url, event, eventType, eventJson, traceparent,
                tracestate, nextAttempt, due, nextOrigin, firstSeen);
    }
}
