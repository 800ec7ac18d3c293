package io.pitiserve.gateway.evaluation;

import java.net.URI;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.JsonNode;

/**
 * An evaluation as clients see it.
 *
 * @param id        the job id
 * @param status    queued, running, succeeded, failed or cancelled
 * @param model     the evaluated model, as submitted: shown from submission on
 * @param progress  images translated and scored so far, over all settings
 * @param result    the stored table (evaluation.json) once succeeded: per setting mIoU, FD, network
 *                  evaluations and seconds per image, per-class IoU and where its outputs are
 * @param resultUrl a presigned URL of the same table, once succeeded
 * @param error     why it failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvaluationResource(String id, String status, String model, EvaluationProgress progress,
                                 Instant created, Instant started, Instant finished, JsonNode result,
                                 @JsonProperty("result_url") URI resultUrl, EvaluationError error,
                                 @JsonProperty("cancel_reason") String cancelReason, Map<String, String> metadata,
                                 EvaluationLinks links) {

    /** {@code imagesDone} of {@code imagesTotal} translations scored. */
    public record EvaluationProgress(@JsonProperty("images_done") int imagesDone,
                                     @JsonProperty("images_total") int imagesTotal) {
    }

    public record EvaluationError(String code, String message) {
    }

    public record EvaluationLinks(String self, String cancel) {
    }
}
