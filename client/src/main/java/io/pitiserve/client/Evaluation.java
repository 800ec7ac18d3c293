package io.pitiserve.client;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * An evaluation job as the API shows it ({@code GET /v1/evaluations/{id}}, the body of a
 * submission's answer): a served model measured on a dataset at one or more sampler settings.
 *
 * @param id           the job id
 * @param status       queued, running, succeeded, failed or cancelled
 * @param model        the model evaluated
 * @param progress     images translated and scored so far, over all settings
 * @param created      when it was accepted
 * @param started      when a worker started it
 * @param finished     when it finished
 * @param result       the table once succeeded (per setting mIoU, FD, network evaluations, seconds per
 *                     image, per-class IoU), as JSON values
 * @param resultUrl    a presigned URL of the same table, once succeeded
 * @param error        why it failed
 * @param cancelReason why it was cancelled
 * @param metadata     the submission's own metadata
 * @param links        where to read and cancel it
 * @param other        the members this client does not model, as JSON values
 */
public record Evaluation(
        String id,
        TranslationStatus status,
        String model,
        Progress progress,
        Instant created,
        Instant started,
        Instant finished,
        Map<String, Object> result,
        @JsonProperty("result_url") String resultUrl,
        Translation.Error error,
        @JsonProperty("cancel_reason") String cancelReason,
        Map<String, String> metadata,
        Links links,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> other) {

    public Evaluation {
        status = status == null ? TranslationStatus.UNKNOWN : status;
        result = result == null ? null : Collections.unmodifiableMap(new LinkedHashMap<>(result));
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        other = other == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(other));
    }

    /** Whether the evaluation is finished: succeeded, failed or cancelled. */
    public boolean terminal() {
        return status.terminal();
    }

    /** {@code imagesDone} of {@code imagesTotal} translations scored. */
    public record Progress(@JsonProperty("images_done") int imagesDone, @JsonProperty("images_total") int imagesTotal) {
    }

    /** API paths of the evaluation. */
    public record Links(String self, String cancel) {
    }
}
