package io.pitiserve.gateway.evaluation;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import jakarta.servlet.http.HttpServletRequest;

import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.storage.ObjectKeys;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.ObjectStoreException;
import io.pitiserve.common.jobs.JobState;
import io.pitiserve.gateway.api.JobRoutes;
import io.pitiserve.gateway.api.JobWaiter;
import io.pitiserve.gateway.auth.Tenant;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.status.JobView;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * REST API v1 for evaluation jobs: translate a dataset through a served model at one or more sampler
 * settings and score the outputs. Every route needs {@code Authorization: Bearer <api key>}.
 */
@RestController
@Tag(name = "evaluations")
@ApiResponse(responseCode = "401", description = "missing or invalid API key",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
@ApiResponse(responseCode = "429", description = "rate_limited or, on submission, too_many_jobs_in_flight",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
public class EvaluationsController {

    private static final long MAX_TABLE_BYTES = 1 << 20;

    private final EvaluationService evaluations;
    private final JobWaiter waiter;
    private final JobRoutes routes;
    private final ObjectStore objects;
    private final GatewayProperties properties;
    private final JsonMapper json;

    public EvaluationsController(EvaluationService evaluations, JobWaiter waiter, JobRoutes routes,
                                 ObjectStore objects, GatewayProperties properties, JsonMapper json) {
        this.evaluations = evaluations;
        this.waiter = waiter;
        this.routes = routes;
        this.objects = objects;
        this.properties = properties;
        this.json = json;
    }

    public static String path(String jobId) {
        return "/v1/evaluations/" + jobId;
    }

    @Operation(operationId = "submitEvaluation", summary = "Evaluate a served model on a dataset",
            description = "JSON {\"model\": \"demo-mask\" (required), \"dataset\": \"bundled:world-heldout\" (the"
                    + " default: 16 held-out scenes of the demo world bundled in the workers) or {\"s3_prefix\":"
                    + " \"s3://<bucket>/<prefix>/\"} under the API key's readable prefixes, holding inputs/<name>.png (the"
                    + " model's inputs), references/<name>.png (real images, for FD) and optionally masks/<name>.png"
                    + " (colour-coded masks for mIoU; a mask model's input is its own), \"settings\": [{\"sampler\","
                    + " \"base_steps\", \"sr_steps\", \"guidance\", \"guidance_scale\", \"eta\"}] (1..8; absent members"
                    + " are the model's defaults), \"limit\" (the first images),"
                    + " \"seed\", \"webhook\", \"metadata\", \"priority\", \"deadline\" or \"deadline_ms\"}. The worker"
                    + " translates every image at every setting (image i with seed + i) and scores the outputs:"
                    + " mIoU of the world classifier against the scenes' masks, a Frechet distance of patch statistics"
                    + " against the real renders, network evaluations and seconds per image. Each setting's cost per"
                    + " image is held to the API key's max-job-cost (400 job_too_costly); images x settings to"
                    + " pitiserve.gateway.evaluations.max-translations (400 evaluation_too_large). 400 unknown_model,"
                    + " unknown_dataset, empty_dataset, incomplete_dataset (an input without its reference) or"
                    + " invalid_parameter for bad input; 404 not_found for a prefix the API key may not read. The job is followed like a translation:"
                    + " progress events (stage evaluation, step = images done), webhooks, cancellation.")
    @ApiResponse(responseCode = "202", description = "accepted (or an idempotent repeat)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = EvaluationResource.class)))
    @ApiResponse(responseCode = "400", description = "unknown_model, unknown_dataset, empty_dataset,"
            + " incomplete_dataset, invalid_parameter, job_too_costly or evaluation_too_large",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "404", description = "dataset.s3_prefix is not readable with this API key",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "409", description = "Idempotency-Key reused for a different evaluation",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "503", description = "object store or Kafka unavailable; see Retry-After",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(path = "/v1/evaluations", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<EvaluationResource> submit(@RequestBody JsonNode body,
            @RequestHeader(value = "Idempotency-Key", required = false) String idempotencyKey,
            HttpServletRequest request) {
        EvaluationService.Accepted accepted = evaluations.submit(JobRoutes.tenant(request).name(), body, idempotencyKey);
        return JobRoutes.submitted(HttpStatus.ACCEPTED, path(accepted.view().jobId()), accepted.created())
                .body(resource(accepted.view()));
    }

    @Operation(summary = "Read an evaluation: status, progress and, once succeeded, its table",
            description = "With Prefer: wait=N (N <= 60) the answer waits until the evaluation is finished or N"
                    + " seconds have passed: 200 when finished, 202 otherwise.")
    @ApiResponse(responseCode = "200", description = "the evaluation")
    @ApiResponse(responseCode = "404", description = "no such evaluation for this API key",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @GetMapping(path = "/v1/evaluations/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<EvaluationResource>> get(@PathVariable("id") String id,
            @RequestHeader(value = "Prefer", required = false) String prefer, HttpServletRequest request) {
        Duration wait = waiter.requestedWait(prefer);
        return owned(JobRoutes.tenant(request), id).thenCompose(view -> wait.isZero()
                ? CompletableFuture.completedFuture(view) : waiter.awaitTerminal(view, wait))
                .thenApplyAsync(latest -> ResponseEntity.status(wait.isZero() || latest.terminal() ? HttpStatus.OK
                        : HttpStatus.ACCEPTED).body(resource(latest)), routes.asyncExecutor());
    }

    @Operation(summary = "Ask for an evaluation to be cancelled",
            description = "As for translations: 202 with the current state, 409 if it already finished.")
    @ApiResponse(responseCode = "202", description = "cancellation requested")
    @ApiResponse(responseCode = "409", description = "the evaluation already finished",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(path = "/v1/evaluations/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<EvaluationResource>> cancel(@PathVariable("id") String id,
            HttpServletRequest request) {
        Tenant tenant = JobRoutes.tenant(request);
        return owned(tenant, id).thenApplyAsync(view -> {
            routes.requestCancellation(tenant, JobRoutes.Kind.EVALUATION, view);
            return ResponseEntity.accepted().body(resource(view));
        }, routes.asyncExecutor());
    }

    private EvaluationResource resource(JobView view) {
        EvaluationResource.EvaluationProgress progress = view.progress() == null ? null
                : new EvaluationResource.EvaluationProgress(view.progress().step(), view.progress().of());
        JsonNode result = null;
        URI resultUrl = null;
        if (view.state() == JobState.SUCCEEDED) {
            String key = ObjectKeys.evaluation(view.jobId());
            result = table(key).orElse(null);
            resultUrl = objects.presignGet(key, properties.resultUrlTtl());
            if (result != null && result.has("images") && result.has("rows")) {
                int total = result.get("images").intValue() * result.get("rows").size();
                progress = new EvaluationResource.EvaluationProgress(total, total);
            }
        }
        EvaluationResource.EvaluationError error = view.error() == null ? null
                : new EvaluationResource.EvaluationError(view.error().code(), view.error().message());
        String self = path(view.jobId());
        return new EvaluationResource(view.jobId(), view.state().wireName(), view.model(), progress, view.created(),
                view.started(), view.finished(), result, resultUrl, error, view.cancelReason(),
                view.metadata().isEmpty() ? null : view.metadata(), new EvaluationResource.EvaluationLinks(self, self + "/cancel"));
    }

    private Optional<JsonNode> table(String key) {
        try {
            return objects.get(key, MAX_TABLE_BYTES).map(bytes -> {
                try {
                    return json.readTree(bytes);
                } catch (JacksonException e) {
                    throw ServiceException.unavailable("the evaluation's table cannot be read; retry later",
                            properties.retryAfter());
                }
            });
        } catch (ObjectStoreException e) {
            throw ServiceException.unavailable("the object store did not answer; retry later",
                    properties.retryAfter());
        }
    }

    /** The tenant's evaluation; 404 for a translation, another tenant's job or none. */
    private CompletableFuture<JobView> owned(Tenant tenant, String id) {
        return routes.owned(tenant, JobRoutes.Kind.EVALUATION, id);
    }
}
