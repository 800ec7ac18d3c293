package io.pitiserve.gateway.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A translation job as clients see it ({@code GET /v1/translations/{id}}, the body of a
 * submission's answer and of every Server-Sent Event). Absent members are left out.
 *
 * @param status   queued, running, succeeded, failed or cancelled
 * @param progress the last progress report while running
 * @param timings  milliseconds per phase (queued, encode, base, upsampler, total) once succeeded
 * @param spans    the same phases on one time line once succeeded: where the job's time went
 * @param results  the images once succeeded, each with a presigned URL
 * @param error    why it failed
 * @param notes    remarks on the input, e.g. {@code sketch_inverted}
 * @param webhook  the job's webhook and its delivery log
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record TranslationResource(
        String id,
        String status,
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
        Webhook webhook) {

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
     * @param url       presigned GET URL, valid until {@code expires_at}
     * @param width     pixels
     * @param height    pixels
     * @param sha256    hex sha256 of the PNG bytes
     * @param bytes     size of the PNG
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(String kind, int index, String url, @JsonProperty("expires_at") Instant expiresAt,
                         int width, int height, String sha256, long bytes) {
    }

    /** A stable code and a message for developers. */
    public record Error(String code, String message) {
    }

    /**
     * The job's webhook: where it goes, which events, and the latest delivery attempts (oldest first).
     */
    public record Webhook(String url, List<String> events, List<Delivery> deliveries) {
    }

    /**
     * One delivery attempt.
     *
     * @param webhookId       the {@code webhook-id} sent (the same for retries and redeliveries)
     * @param event           succeeded, failed, cancelled, started or progress
     * @param attempt         1 for the first attempt of a delivery
     * @param time            when the attempt started
     * @param statusCode      the receiver's HTTP status, absent when it gave none
     * @param latencyMs       connect to answer, milliseconds
     * @param outcome         delivered, retrying, failed, gone, refused, disabled or dead_lettered
     * @param error           what went wrong
     * @param nextAttemptAt   when the next attempt is due
     * @param redelivery      true for a redelivery a client asked for
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delivery(@JsonProperty("webhook_id") String webhookId, String event, int attempt, Instant time,
                           @JsonProperty("status_code") Integer statusCode, @JsonProperty("latency_ms") Long latencyMs,
                           String outcome, String error, @JsonProperty("next_attempt_at") Instant nextAttemptAt,
                           Boolean redelivery) {
    }

    /** Where to read, follow and cancel the job. */
    public record Links(String self, String events, String cancel) {
    }
}
