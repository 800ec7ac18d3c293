package io.pitiserve.gateway.webhook;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.jobs.JobState;
import io.pitiserve.common.webhook.WebhookEvent;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.tracing.GatewayTracing;

import org.springframework.stereotype.Component;

/**
 * {@code POST /v1/translations/{id}/webhook/redeliver}: sends a finished job's terminal webhook
 * again, with the same {@code webhook-id} and a fresh retry schedule, through the immediate retry
 * tier (so whichever dispatcher instance owns it sends it). A URL a 410 disabled is enabled again:
 * asking for a redelivery says the receiver is back.
 */
@Component
public class WebhookRedelivery {

    /** Why a job's webhook cannot be redelivered: a stable code and a message for the client. */
    public static final class RefusedException extends ServiceException {
        private static final long serialVersionUID = 1L;

        RefusedException(ErrorCode code, String message) {
            super(code, message);
        }
    }

    /** What was queued. */
    public record Queued(String webhookId, String event, String url) {
    }

    private final WebhookPublisher publisher;
    private final Clock clock;

    public WebhookRedelivery(WebhookPublisher publisher, Clock clock) {
        this.publisher = publisher;
        this.clock = clock;
    }

    /**
     * Queues the redelivery.
     *
     * @throws RefusedException for a job without a webhook, unfinished, or whose webhook does not want its terminal event
     * @throws WebhookPublisher.WebhookPublishException when Kafka did not take it
     */
    public Queued redeliver(JobView view, GatewayTracing.Kept trace) {
        TranslationParams.Webhook webhook = view.webhook();
        if (webhook == null || webhook.url() == null) {
            throw new RefusedException(ErrorCode.NO_WEBHOOK, "translation " + view.jobId() + " was submitted without a webhook");
        }
        if (!view.terminal()) {
            throw new RefusedException(ErrorCode.NOT_FINISHED, "translation " + view.jobId() + " is "
                    + view.state().wireName() + "; only a finished job's webhook can be redelivered");
        }
        JobEvent event = terminalEvent(view);
        WebhookEvent kind = WebhookEvent.of(event);
        if (webhook.events() != null && !webhook.events().isEmpty() && !webhook.events().contains(kind.wireName())) {
            throw new RefusedException(ErrorCode.EVENT_NOT_SUBSCRIBED, "the webhook of translation " + view.jobId()
                    + " asked for " + webhook.events() + ", not for '" + kind.wireName() + "'");
        }
        String webhookId = WebhookIds.of(event);
        Instant now = clock.instant();
        PendingDelivery pending = new PendingDelivery(webhookId, view.jobId(), view.tenant(), webhook.url(),
                kind.wireName(), event.type(), new String(EventCodec.toJson(event), StandardCharsets.UTF_8),
                trace.traceparent(), trace.tracestate(), 1, now, PendingDelivery.REDELIVERY, now);
        publisher.enable(view.tenant(), webhook.url());
        publisher.schedule(pending, Duration.ZERO);
        return new Queued(webhookId, kind.wireName(), webhook.url());
    }

    /** The terminal event as the worker published it, rebuilt from the job's view. */
    static JobEvent terminalEvent(JobView view) {
        Instant at = view.finished() == null ? view.updated() : view.finished();
        if (view.state() == JobState.SUCCEEDED) {
            return new TranslationSucceeded(view.jobId(), view.tenant(), at, view.results(), null, view.model(),
                    view.seed() == null ? 0 : view.seed(), view.timings(), view.notes(), view.metadata());
        }
        if (view.state() == JobState.FAILED) {
            return new TranslationFailed(view.jobId(), view.tenant(), at,
                    view.error() == null ? "unknown" : view.error().code(),
                    view.error() == null ? null : view.error().message());
        }
        return new TranslationCancelled(view.jobId(), view.tenant(), at, view.cancelReason());
    }
}
