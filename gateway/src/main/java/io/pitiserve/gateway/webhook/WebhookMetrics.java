package io.pitiserve.gateway.webhook;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import org.springframework.stereotype.Component;

/**
 * Micrometer meters of webhook delivery: {@code pitiserve.webhook.deliveries} (counter, tag
 * {@code outcome}), {@code pitiserve.webhook.delivery.latency} (timer with a percentile
 * histogram, tag {@code outcome}: connect to answer of each attempt),
 * {@code pitiserve.webhook.retries.pending} (records waiting on the retry tiers this dispatcher
 * reads) and {@code pitiserve.webhook.dead_letter.size} (records on the dead-letter topic).
 */
@Component
public class WebhookMetrics {

    private final MeterRegistry registry;
    private final AtomicLong pendingRetries = new AtomicLong();
    private final AtomicLong deadLetters = new AtomicLong();

    public WebhookMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("pitiserve.webhook.retries.pending", pendingRetries, AtomicLong::get)
                .description("webhook deliveries waiting on the retry tiers").register(registry);
        Gauge.builder("pitiserve.webhook.dead_letter.size", deadLetters, AtomicLong::get)
                .description("webhook deliveries on the dead-letter topic").register(registry);
    }

    void attempted(String outcome, Duration latency) {
        Counter.builder("pitiserve.webhook.deliveries").tag("outcome", outcome)
                .description("webhook delivery attempts by outcome").register(registry).increment();
        if (latency != null) {
            Timer.builder("pitiserve.webhook.delivery.latency").tag("outcome", outcome)
                    .publishPercentileHistogram()
                    .description("connect to answer of a webhook attempt").register(registry).record(latency);
        }
    }

    void pendingRetries(long count) {
        pendingRetries.set(count);
    }

    void deadLetters(long count) {
        deadLetters.set(count);
    }
}
