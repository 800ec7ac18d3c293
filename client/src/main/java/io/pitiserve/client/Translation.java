package io.pitiserve.client;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A translation job as the API shows it ({@code GET /v1/translations/{id}}, the body of a
 * submission's answer, the data of every Server-Sent Event). Members the API leaves out are null,
 * or empty for collections; members this version of the client does not model (added to the API
 * later) are kept in {@link #other()}, and written back when the record is written as JSON.
 *
 * @param id           the job id ({@code tr_...})
 * @param status       queued, running, succeeded, failed or cancelled
 * @param progress     the last progress report while running
 * @param created      when the job was accepted
 * @param started      when a worker started it
 * @param finished     when it finished
 * @param timings      milliseconds per phase (queued, encode, base, upsampler, total) once succeeded
 * @param spans        the same phases on one time line once succeeded: where the job's time went
 * @param results      the images once succeeded, each with a presigned URL
 * @param error        why it failed
 * @param metadata     the submission's own metadata
 * @param notes        remarks on the input, e.g. {@code sketch_inverted}
 * @param model        the model that ran (or runs) it
 * @param seed         the job's seed
 * @param cancelReason why it was cancelled
 * @param links        where to read, follow and cancel it
 * @param webhook      its webhook and the delivery attempts so far
 * @param other        the members this client does not model, as JSON values (maps, lists, strings,
 *                     numbers, booleans)
 */
public record Translation(
        String id,
        TranslationStatus status,
        Progress progress,
        Instant created,
        Instant started,
        Instant finished,
        Map<String, Double> timings,
        List<Span> spans,
        List<Result> results,
        Error error,
        Map<String, String> metadata,
        List<String> notes,
        String model,
        Long seed,
        @JsonProperty("cancel_reason") String cancelReason,
        Links links,
        Webhook webhook,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> other) {

    public Translation {
        status = status == null ? TranslationStatus.UNKNOWN : status;
        timings = timings == null ? Map.of() : Map.copyOf(timings);
        spans = spans == null ? List.of() : List.copyOf(spans);
        results = results == null ? List.of() : List.copyOf(results);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        notes = notes == null ? List.of() : List.copyOf(notes);
        other = other == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(other));
    }

    /** Whether the job is finished: succeeded, failed or cancelled. */
    public boolean terminal() {
        return status.terminal();
    }

    /** The result images of one kind ({@code sample}: 256 px, {@code base}: 64 px), in index order. */
    public List<Result> results(String kind) {
        return results.stream().filter(r -> kind.equals(r.kind())).toList();
    }

    /**
     * One phase of a finished job, in milliseconds.
     *
     * @param name       queued, fetch, prepare, scheduling, encode, base, upsampler or store
     * @param startMs    when it began, after the job's {@code created}
     * @param durationMs how long it took
     */
    public record Span(String name, @JsonProperty("start_ms") double startMs,
                       @JsonProperty("duration_ms") double durationMs) {
    }

    /** {@code step} of {@code of} steps of {@code stage} (base or upsampler) are done. */
    public record Progress(String stage, int step, int of) {
    }

    /**
     * One result image.
     *
     * @param kind      sample (256 px) or base (64 px)
     * @param index     the sample's index
     * @param url       presigned GET URL, valid until {@code expiresAt}; it needs no API key
     * @param expiresAt when the URL stops working (read the job again for a fresh one)
     * @param width     pixels
     * @param height    pixels
     * @param sha256    hex sha256 of the PNG bytes
     * @param bytes     size of the PNG
     */
    public record Result(String kind, int index, String url, @JsonProperty("expires_at") Instant expiresAt,
                         int width, int height, String sha256, long bytes) {
    }

    /** A stable code and a message for developers. */
    public record Error(String code, String message) {
    }

    /** API paths of the job. */
    public record Links(String self, String events, String cancel) {
    }

    /** The job's webhook: where it goes, which events, and the latest delivery attempts (oldest first). */
    public record Webhook(String url, List<String> events, List<Delivery> deliveries) {
        public Webhook {
            events = events == null ? List.of() : List.copyOf(events);
            deliveries = deliveries == null ? List.of() : List.copyOf(deliveries);
        }
    }

    /**
     * One webhook delivery attempt.
     *
     * @param webhookId     the {@code webhook-id} sent (the same for retries and redeliveries)
     * @param event         succeeded, failed, cancelled, started or progress
     * @param attempt       1 for the first attempt of a delivery
     * @param time          when the attempt started
     * @param statusCode    the receiver's HTTP status, null when it gave none
     * @param latencyMs     connect to answer, milliseconds
     * @param outcome       delivered, retrying, failed, gone, refused, disabled or dead_lettered
     * @param error         what went wrong
     * @param nextAttemptAt when the next attempt is due
     * @param redelivery    true for a redelivery a client asked for
     */
    public record Delivery(@JsonProperty("webhook_id") String webhookId, String event, int attempt, Instant time,
                           @JsonProperty("status_code") Integer statusCode, @JsonProperty("latency_ms") Long latencyMs,
                           String outcome, String error, @JsonProperty("next_attempt_at") Instant nextAttemptAt,
                           Boolean redelivery) {
    }
}
