package io.pitiserve.gateway.webhook;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.pitiserve.client.webhook.WebhookHeaders;
import io.pitiserve.client.webhook.WebhookSigner;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.EventTypes;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.status.StatusView;
import io.pitiserve.gateway.tracing.GatewayTracing;
import io.pitiserve.gateway.status.StatusViewUnavailableException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Component;

/**
 * One attempt to deliver a webhook, and everything that follows from its answer:
 * <ul>
 *   <li>2xx: delivered;</li>
 *   <li>timeout, connection failure, 429 and 5xx: retried after the next delay of the schedule
 *       (stretched by jitter, never sooner than a {@code Retry-After}), on the retry tier of that
 *       delay; after the last one the delivery goes to the dead-letter topic;</li>
 *   <li>410 Gone: the URL is disabled for the tenant, no more attempts;</li>
 *   <li>any other answer (other 4xx, 3xx: redirects are not followed): failed, no more attempts;</li>
 *   <li>a URL the SSRF guard now refuses: refused, no more attempts.</li>
 * </ul>
 * Every attempt is written to the delivery log. The method returns once every record it wrote
 * is acknowledged by Kafka; while Kafka does not take them it keeps trying (so the dispatcher
 * does not commit the work away), until the thread is interrupted.
 */
@Component
public class WebhookDelivery {

    private static final Logger log = LoggerFactory.getLogger(WebhookDelivery.class);

    private final WebhookUrlGuard guard;
    private final WebhookHttpClient http;
    private final WebhookSigners signers;
    private final WebhookPayloads payloads;
    private final WebhookPublisher publisher;
    private final WebhookViews views;
    private final StatusView statusView;
    private final WebhookMetrics metrics;
    private final RetrySchedule schedule;
    private final GatewayTracing tracing;
    private final Clock clock;

    public WebhookDelivery(WebhookUrlGuard guard, WebhookHttpClient http, WebhookSigners signers,
                           WebhookPayloads payloads, WebhookPublisher publisher, WebhookViews views,
                           StatusView statusView, WebhookMetrics metrics, WebhookProperties properties,
                           GatewayTracing tracing, Clock clock) {
        this.clock = clock;
        this.guard = guard;
        this.tracing = tracing;
        this.http = http;
        this.signers = signers;
        this.payloads = payloads;
        this.publisher = publisher;
        this.views = views;
        this.statusView = statusView;
        this.metrics = metrics;
        this.schedule = new RetrySchedule(properties.retrySchedule(), properties.jitter(), properties.maxRetryAfter(),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The answer to one attempt, before its consequences. */
    private record Result(Integer status, String error, boolean retryable, Duration retryAfter, String outcome,
                          Duration latency) {
    }

    /**
     * Attempts {@code pending} now and records what follows, in a client span of the trace kept with
     * the delivery, whose context the request carries.
     */
    public void attempt(PendingDelivery pending) {
        MDC.put("jobId", pending.jobId());
        Map<String, String> traceHeaders = new LinkedHashMap<>();
        Span span = tracing.startClientSpan("webhook delivery", pending.traceparent(), pending.tracestate(),
                        traceHeaders)
                .tag("pitiserve.job_id", pending.jobId()).tag("pitiserve.webhook.event", pending.event())
                .tag("pitiserve.webhook.attempt", pending.attempt());
        try (Tracer.SpanInScope scope = tracing.inScope(span)) {
            Instant started = clock.instant();
            Result result = send(pending, traceHeaders);
            span.tag("pitiserve.webhook.outcome", result.outcome());
            conclude(pending, started, result);
        } finally {
            span.end();
            MDC.remove("jobId");
        }
    }

    private Result send(PendingDelivery pending, Map<String, String> traceHeaders) {
        boolean redelivery = PendingDelivery.REDELIVERY.equals(pending.origin());
        if (!redelivery) {
            Optional<DisabledUrl> disabled;
            try {
                disabled = views.disabled(pending.tenant(), pending.url());
            } catch (StatusViewUnavailableException e) {
                disabled = Optional.empty();
            }
            if (disabled.isPresent()) {
                return new Result(null, "the receiver answered 410 Gone at " + disabled.get().since()
                        + ", which disabled this URL; POST /v1/translations/{id}/webhook/redeliver re-enables it",
                        false, null, "disabled", null);
            }
        }
        Optional<WebhookSigner> signer = signers.of(pending.tenant());
        if (signer.isEmpty()) {
            return new Result(null, "the tenant has no webhook secret configured", false, null, "failed", null);
        }
        JobEvent event;
        try {
            event = EventCodec.fromJson(pending.eventJson().getBytes(StandardCharsets.UTF_8),
                    EventTypes.classOf(pending.eventType()));
        } catch (UnreadableEventException | RuntimeException e) {
            return new Result(null, "the job event of this delivery is unreadable", false, null, "failed", null);
        }
        WebhookUrlGuard.Target target;
        try {
            target = guard.check(pending.url());
        } catch (WebhookUrlRefusedException e) {
            return new Result(null, e.getMessage(), e.retryable(), null, e.retryable() ? "retry" : "refused", null);
        }
        byte[] body = payloads.body(event, submissionOf(pending.jobId()));
        long timestamp = clock.instant().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(WebhookHeaders.ID, pending.webhookId());
        headers.put(WebhookHeaders.TIMESTAMP, Long.toString(timestamp));
        headers.put(WebhookHeaders.SIGNATURE, signer.get().sign(pending.webhookId(), timestamp, body));
        headers.putAll(traceHeaders);
        long begin = System.nanoTime();
        try {
            WebhookHttpClient.Answer answer = http.post(target, headers, body);
            Duration latency = Duration.ofNanos(System.nanoTime() - begin);
            int status = answer.status();
            if (status >= 200 && status < 300) {
                return new Result(status, null, false, null, "delivered", latency);
            }
            String said = answer.bodyStart().isEmpty() ? "" : ": " + answer.bodyStart();
            if (status == 429 || status >= 500) {
                return new Result(status, "HTTP " + status + said, true, RetrySchedule.retryAfter(answer.headers().get("retry-after"), clock.instant()),
                        "retry", latency);
            }
            if (status == 410) {
                return new Result(status, "HTTP 410 Gone: the URL is disabled for this tenant", false, null, "gone",
                        latency);
            }
            String why = status >= 300 && status < 400 ? "HTTP " + status + " (redirects are not followed)" : "HTTP " + status + said;
            return new Result(status, why, false, null, "failed", latency);
        } catch (SocketTimeoutException e) {
            return new Result(null, "timeout: " + e.getMessage(), true, null, "retry",
                    Duration.ofNanos(System.nanoTime() - begin));
        } catch (IOException e) {
            return new Result(null, "connection failed: " + e.getMessage(), true, null, "retry",
                    Duration.ofNanos(System.nanoTime() - begin));
        }
    }

    private void conclude(PendingDelivery pending, Instant started, Result result) {
        String outcome = result.outcome();
        Instant next = null;
        if (result.retryable()) {
            if (!schedule.exhaustedAfter(pending.attempt())) {
                Duration delay = schedule.delayAfter(pending.attempt(), result.retryAfter());
                next = clock.instant().plus(delay);
                PendingDelivery retry = pending.next(next, PendingDelivery.REDELIVERY.equals(pending.origin())
                        ? PendingDelivery.REDELIVERY : PendingDelivery.RETRY, pending.attempt() + 1);
                durably(() -> publisher.schedule(retry, delay));
                outcome = "retrying";
            } else {
                durably(() -> publisher.deadLetter(pending));
                outcome = "dead_lettered";
            }
        } else if ("gone".equals(outcome)) {
            durably(() -> publisher.disable(new DisabledUrl(pending.tenant(), pending.url(), started,
                    pending.webhookId())));
        }
        DeliveryAttempt attempt = new DeliveryAttempt(pending.webhookId(), pending.event(), pending.attempt(), started,
                result.status(), result.latency() == null ? null : result.latency().toMillis(), outcome, result.error(),
                next, PendingDelivery.REDELIVERY.equals(pending.origin()) ? Boolean.TRUE : null);
        durably(() -> publisher.log(pending.jobId(), attempt));
        metrics.attempted(outcome, result.latency());
        if ("delivered".equals(outcome)) {
            log.debug("webhook {} ({}) delivered to {} on attempt {}", pending.webhookId(), pending.event(),
                    hostOf(pending.url()), pending.attempt());
        } else {
            log.info("webhook {} ({}) to {} attempt {}: {} ({})", pending.webhookId(), pending.event(),
                    hostOf(pending.url()), pending.attempt(), outcome, result.error());
        }
    }

    private WebhookPayloads.Submission submissionOf(String jobId) {
        try {
            return statusView.find(jobId)
                    .map(view -> new WebhookPayloads.Submission(view.metadata(), view.evaluation()))
                    .orElse(WebhookPayloads.Submission.UNKNOWN);
        } catch (StatusViewUnavailableException e) {
            return WebhookPayloads.Submission.UNKNOWN;
        }
    }

    /** Keeps trying a Kafka write until it is acknowledged; gives up only when the thread is interrupted. */
    static void durably(Runnable write) {
        long backoffMs = 200;
        while (true) {
            try {
                write.run();
                return;
            } catch (WebhookPublisher.WebhookPublishException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                log.warn("Kafka did not take a webhook record ({}); trying again in {} ms", e.getMessage(), backoffMs);
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoffMs = Math.min(5000, backoffMs * 2);
            }
        }
    }

    /** The host of a URL, for logs: its path and query may hold the receiver's tokens. */
    static String hostOf(String url) {
        try {
            String host = java.net.URI.create(url).getHost();
            return host == null ? "(no host)" : host;
        } catch (IllegalArgumentException e) {
            return "(invalid URL)";
        }
    }
}
