package io.pitiserve.gateway.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.pitiserve.client.webhook.WebhookPayload;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.webhook.WebhookEvent;
import io.pitiserve.gateway.config.GatewayProperties;

import org.springframework.stereotype.Component;

/**
 * Builds the body of a webhook from the job event (and the client's metadata) at each attempt, so
 * that presigned result links are fresh however late a retry runs. A body over 20 KB loses its
 * result links (the receiver reads them at the job's link), and error messages
 * are cut at 1,000 characters.
 */
@Component
public class WebhookPayloads {

    static final int MAX_MESSAGE = 1000;

    private final ObjectStore objects;
    private final Duration urlTtl;
    private final Clock clock;

    public WebhookPayloads(ObjectStore objects, GatewayProperties gateway, Clock clock) {
        this.clock = clock;
        this.objects = objects;
        this.urlTtl = gateway.resultUrlTtl();
    }

    /**
     * What the gateway knows of a job's submission when a webhook is built: the client's metadata
     * and whether the job is an evaluation (its link is then {@code /v1/evaluations/{id}}).
     */
    public record Submission(Map<String, String> metadata, boolean evaluation) {

        /** A translation whose submission is not (or no longer) known here. */
        public static final Submission UNKNOWN = new Submission(Map.of(), false);

        public Submission {
            metadata = metadata == null ? Map.of() : metadata;
        }
    }

    /** The body bytes for {@code event}; the submission's metadata is used when the event has none. */
    public byte[] body(JobEvent event, Submission submission) {
        WebhookPayload payload = payload(event, submission);
        byte[] body = payload.toJson();
        if (body.length > WebhookPayload.MAX_BYTES) {
            body = new WebhookPayload(payload.type(), payload.timestamp(), payload.data().withoutResultLinks()).toJson();
        }
        return body;
    }

    WebhookPayload payload(JobEvent event, Submission submission) {
        WebhookEvent kind = WebhookEvent.of(event);
        String id = event.jobId();
        WebhookPayload.Links links = new WebhookPayload.Links(
                (submission.evaluation() ? "/v1/evaluations/" : "/v1/translations/") + id);
        WebhookPayload.Data data = switch (kind) {
            case STARTED -> new WebhookPayload.Data(id, "running", ((TranslationStarted) event).attempt(), null, null,
                    null, null, submission.metadata(), null, null, null, links, null);
            case PROGRESS -> {
                TranslationProgress p = (TranslationProgress) event;
                yield new WebhookPayload.Data(id, "running", null, new WebhookPayload.Progress(p.stage(), p.step(), p.of()),
                        null, null, null, submission.metadata(), null, null, null, links, null);
            }
            case SUCCEEDED -> {
                TranslationSucceeded s = (TranslationSucceeded) event;
                Instant expires = clock.instant().plus(urlTtl);
                List<WebhookPayload.Result> results = s.results() == null ? List.of() : s.results().stream()
                        .map(r -> new WebhookPayload.Result(r.kind(), r.index(), objects.presignGet(r.key(), urlTtl).toString(),
                                expires, r.width(), r.height(), r.sha256(), r.bytes()))
                        .toList();
                Map<String, String> own = s.metadata() == null || s.metadata().isEmpty() ? submission.metadata() : s.metadata();
                yield new WebhookPayload.Data(id, "succeeded", null, null, results, null, null, own, s.timings(),
                        s.model(), s.seed(), links, null);
            }
            case FAILED -> {
                TranslationFailed f = (TranslationFailed) event;
                yield new WebhookPayload.Data(id, "failed", null, null, null,
                        new WebhookPayload.Error(f.code(), cut(f.message())), null, submission.metadata(), null, null, null, links,
                        null);
            }
            case CANCELLED -> new WebhookPayload.Data(id, "cancelled", null, null, null, null,
                    cut(((TranslationCancelled) event).reason()), submission.metadata(), null, null, null, links, null);
        };
        return new WebhookPayload(kind.payloadType(), event.time(), data);
    }

    private static String cut(String text) {
        return text == null || text.length() <= MAX_MESSAGE ? text : text.substring(0, MAX_MESSAGE - 3) + "...";
    }
}
