package io.pitiserve.gateway.webhook;

import java.time.Duration;
import java.util.List;
import java.util.TreeSet;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Webhook delivery, prefix {@code pitiserve.webhooks}.
 *
 * @param dispatcherEnabled whether this process runs the dispatcher (consumes the events and retry
 *                          topics and sends webhooks). Off on API-only instances when the
 *                          dispatcher runs as its own deployment of the same jar; every instance
 *                          still validates webhook URLs and accepts redelivery requests
 * @param consumerGroup     the dispatcher's consumer group, shared by every dispatcher instance
 * @param retrySchedule     the delay before each retry; the number of entries is the number of
 *                          retries after the first attempt
 * @param jitter            each delay is stretched by a random fraction in [0, jitter)
 * @param maxRetryAfter     the longest {@code Retry-After} a receiver may ask for
 * @param connectTimeout    TCP (and TLS handshake) connect limit per attempt
 * @param requestTimeout    limit of a whole attempt, from connect to the response read
 * @param maxResponseBody   how much of a response body is read (the rest is dropped)
 * @param requireHttps      refuse http URLs (local mode and tests turn it off)
 * @param allowedCidrs      addresses allowed although the SSRF guard refuses them by default,
 *                          e.g. {@code 127.0.0.0/8} on a laptop or a receiver in a private network
 * @param concurrency       deliveries in progress at once per dispatcher
 * @param maxInFlight       records taken from Kafka but not finished before the dispatcher stops polling
 * @param viewWait          how long an event may wait for the status view to learn its job's webhook
 * @param logSize           delivery attempts kept per job for {@code GET /v1/translations/{id}}
 */
@ConfigurationProperties("pitiserve.webhooks")
public record WebhookProperties(
        @DefaultValue("true") boolean dispatcherEnabled,
        @DefaultValue("pitiserve-webhooks") String consumerGroup,
        @DefaultValue({"5s", "5m", "30m", "2h", "5h", "10h", "14h", "20h", "24h"}) List<Duration> retrySchedule,
        @DefaultValue("0.1") double jitter,
        @DefaultValue("24h") Duration maxRetryAfter,
        @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("15s") Duration requestTimeout,
        @DefaultValue("16KB") DataSize maxResponseBody,
        @DefaultValue("true") boolean requireHttps,
        @DefaultValue List<String> allowedCidrs,
        @DefaultValue("32") int concurrency,
        @DefaultValue("1024") int maxInFlight,
        @DefaultValue("2m") Duration viewWait,
        @DefaultValue("50") int logSize) {

    public WebhookProperties {
        retrySchedule = List.copyOf(retrySchedule);
        allowedCidrs = List.copyOf(allowedCidrs);
        for (int i = 0; i < retrySchedule.size(); i++) {
            Duration delay = retrySchedule.get(i);
            if (delay.isNegative() || delay.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("pitiserve.webhooks.retry-schedule[" + i + "] must be at least 1s,"
                        + " was " + delay);
            }
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("pitiserve.webhooks.jitter must be within 0..1, was " + jitter);
        }
        requirePositive("connect-timeout", connectTimeout);
        requirePositive("request-timeout", requestTimeout);
        requirePositive("view-wait", viewWait);
        requirePositive("max-retry-after", maxRetryAfter);
        if (connectTimeout.compareTo(requestTimeout) > 0) {
            throw new IllegalArgumentException("pitiserve.webhooks.connect-timeout (" + connectTimeout
                    + ") must not exceed request-timeout (" + requestTimeout + ")");
        }
        if (concurrency < 1 || maxInFlight < concurrency) {
            throw new IllegalArgumentException("pitiserve.webhooks.concurrency must be >= 1 and max-in-flight >="
                    + " concurrency, were " + concurrency + " and " + maxInFlight);
        }
        if (logSize < 1) {
            throw new IllegalArgumentException("pitiserve.webhooks.log-size must be >= 1, was " + logSize);
        }
        for (int i = 0; i < allowedCidrs.size(); i++) {
            try {
                Cidr.parse(allowedCidrs.get(i));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("pitiserve.webhooks.allowed-cidrs[" + i + "]: " + e.getMessage(), e);
            }
        }
    }

    /** The retry tiers: an immediate one (redeliveries, events waiting for their view) and one per scheduled delay. */
    public List<Duration> tiers() {
        TreeSet<Duration> tiers = new TreeSet<>(retrySchedule);
        tiers.add(Duration.ZERO);
        return List.copyOf(tiers);
    }

    /** The tier a delay waits on: the largest tier delay not above it. */
    public Duration tierFor(Duration delay) {
        Duration chosen = Duration.ZERO;
        for (Duration tier : tiers()) {
            if (tier.compareTo(delay) <= 0) {
                chosen = tier;
            }
        }
        return chosen;
    }

    private static void requirePositive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("pitiserve.webhooks." + key + " must be positive, was " + value);
        }
    }
}
