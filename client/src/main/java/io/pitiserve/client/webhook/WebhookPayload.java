package io.pitiserve.client.webhook;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON body of a webhook request, in the Standard Webhooks envelope: {@code type},
 * {@code timestamp} (when the job event happened) and {@code data}. Members are snake_case;
 * empty members are left out; members are only ever added, so receivers must ignore ones they do
 * not know. The body stays under 20 KB: result links are left out (and {@code truncated} set)
 * rather than sending more.
 *
 * @param type      {@code translation.started | progress | succeeded | failed | cancelled}
 * @param timestamp when the job event happened
 * @param data      the job as of that event
 */
public record WebhookPayload(String type, Instant timestamp, Data data) {

    /** The largest body the dispatcher sends, in bytes. */
    public static final int MAX_BYTES = 20 * 1024;

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_EMPTY))
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    /**
     * The job as of the event.
     *
     * @param id           the job id ({@code tr_...})
     * @param status       queued, running, succeeded, failed or cancelled
     * @param attempt      the worker's attempt, for {@code translation.started}
     * @param progress     for {@code translation.progress}
     * @param results      for {@code translation.succeeded}: each image with a presigned URL valid until
     *                     {@code expires_at}
     * @param error        for {@code translation.failed}
     * @param cancelReason for {@code translation.cancelled}
     * @param metadata     the client's own metadata of the submission
     * @param timings      milliseconds per phase (queued, encode, base, upsampler, total)
     * @param model        model that produced the results
     * @param seed         the job's seed
     * @param links        where to read the job over the API
     * @param truncated    true when result links were left out to keep the body under 20 KB
     */
    public record Data(String id, String status, Integer attempt, Progress progress, List<Result> results,
                       Error error, String cancelReason, Map<String, String> metadata, Map<String, Double> timings,
                       String model, Long seed, Links links, Boolean truncated) {

        public Data {
            results = results == null ? List.of() : List.copyOf(results);
            metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
            timings = timings == null ? Map.of() : Map.copyOf(timings);
        }

        /** The same data without result links, marked truncated. */
        public Data withoutResultLinks() {
            List<Result> bare = results.stream()
                    .map(r -> new Result(r.kind(), r.index(), null, null, r.width(), r.height(), r.sha256(), r.bytes()))
                    .toList();
            return new Data(id, status, attempt, progress, bare, error, cancelReason, metadata, timings, model, seed,
                    links, Boolean.TRUE);
        }
    }

    /** {@code step} of {@code of} steps of {@code stage} are done. */
    public record Progress(String stage, int step, int of) {
    }

    /** One result image; {@code url} is presigned and valid until {@code expiresAt}. */
    public record Result(String kind, int index, String url, Instant expiresAt, int width, int height, String sha256,
                         long bytes) {
    }

    /** A stable code and a message for developers. */
    public record Error(String code, String message) {
    }

    /** API paths of the job. */
    public record Links(String self) {
    }

    /** The body bytes, exactly as sent and signed. */
    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot write a webhook payload: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a body.
     *
     * @throws IllegalArgumentException when it is not a webhook payload
     */
    public static WebhookPayload fromJson(byte[] body) {
        WebhookPayload payload;
        try {
            payload = MAPPER.readValue(body, WebhookPayload.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("the body is not a piti-serve webhook payload: " + e.getOriginalMessage(), e);
        }
        if (payload == null || payload.type() == null || payload.data() == null || payload.data().id() == null) {
            throw new IllegalArgumentException("the body lacks type, data or data.id");
        }
        return payload;
    }
}
