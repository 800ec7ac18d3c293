package io.pitiserve.gateway.api;

import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import jakarta.servlet.http.HttpServletRequest;

import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.gateway.auth.Tenant;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.status.JobUpdates;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.status.StatusView;
import io.pitiserve.gateway.submission.S3InputReader;
import io.pitiserve.gateway.submission.SubmissionService;
import io.pitiserve.gateway.tracing.GatewayTracing;
import io.pitiserve.gateway.webhook.WebhookPublisher;
import io.pitiserve.gateway.webhook.WebhookRedelivery;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
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
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** REST API v1 for translation jobs. Every route needs {@code Authorization: Bearer <api key>}. */
@RestController
@Tag(name = "translations")
@ApiResponse(responseCode = "401", description = "missing or invalid API key",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
@ApiResponse(responseCode = "429", description = "rate_limited (the API key's request rate) or, on submission,"
        + " too_many_jobs_in_flight; see Retry-After, RateLimit and RateLimit-Policy",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
@ApiResponse(responseCode = "431", description = "request line and headers larger than the gateway accepts",
        content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
public class TranslationsController {

    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String PREFER = "Prefer";
    private static final String SUBMIT_DESCRIPTION = "Either multipart/form-data with an 'input' file part and a"
            + " 'params' JSON part, or application/json {\"input\": {\"base64\": \"...\"}, \"params\": {...}}, or"
            + " application/json {\"input\": {\"s3\": \"s3://<bucket>/<key>\"}, \"params\": {...}} naming an object"
            + " in the service bucket under one of the tenant's readable prefixes (default uploads/<tenant>/):"
            + " 400 for a malformed URI or another bucket, 404 for a key outside those prefixes or a missing object."
            + " Params (snake_case): task (mask|sketch|depth, required), model, num_samples (1..4, default 1),"
            + " guidance_scale (0..20, default 1.3), guidance (cfg|normalized), base_steps and sr_steps (respacing:"
            + " \"N\", \"N,M,...\", \"ddimN\", \"fast27\"; at most 250 and 100 steps by default), sampler"
            + " (ddpm|ddim|dpmpp_2m|dpmpp_2m_logsnr|dpmpp_2m_karras|dpmpp_2m_sde; absent: the model's), eta (0..1), seed, return_base,"
            + " webhook {url, events}, metadata (at most 16 string entries, 2 KB), priority (0..9, higher first,"
            + " default 5), deadline (RFC 3339 date-time within 24 h) or deadline_ms (1..86400000 ms from now):"
            + " a job not finished by its deadline fails with code deadline_exceeded. Input, size, pixel dimensions,"
            + " palette and parameters are validated before anything is stored. Answers 202 with Location once the"
            + " input is stored and the job is queued durably; with Prefer: wait=N (N <= 60), 200 if it finished"
            + " within N seconds. Idempotency-Key: the same key and request give the same job, a different request"
            + " with the same key 409. A member given twice is refused (400); a job asking for more network evaluations"
            + " than the API key's max-job-cost gets 400 job_too_costly.";

    private final SubmissionService submissions;
    private final StatusView statusView;
    private final JobUpdates updates;
    private final JobWaiter waiter;
    private final TranslationResources resources;
    private final JobRoutes routes;
    private final JsonMapper json;
    private final GatewayProperties properties;
    private final S3InputReader s3Inputs;
    private final WebhookRedelivery redelivery;
    private final GatewayTracing tracing;

    public TranslationsController(SubmissionService submissions, StatusView statusView, JobUpdates updates,
                                  JobWaiter waiter, TranslationResources resources, JobRoutes routes,
                                  JsonMapper json, GatewayProperties properties, S3InputReader s3Inputs,
                                  WebhookRedelivery redelivery, GatewayTracing tracing) {
        this.redelivery = redelivery;
        this.tracing = tracing;
        this.submissions = submissions;
        this.statusView = statusView;
        this.updates = updates;
        this.waiter = waiter;
        this.resources = resources;
        this.routes = routes;
        this.json = json;
        this.properties = properties;
        this.s3Inputs = s3Inputs;
    }

    @Operation(operationId = "submitTranslation", summary = "Submit a translation",
            description = SUBMIT_DESCRIPTION)
    @ApiResponse(responseCode = "202", description = "accepted (or an idempotent repeat of an unfinished job)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = TranslationResource.class)))
    @ApiResponse(responseCode = "200", description = "finished within the Prefer: wait time",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = TranslationResource.class)))
    @ApiResponse(responseCode = "400", description = "invalid input or parameters",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "413", description = "input_too_large (the input file) or request_too_large (the"
            + " body's Content-Length, refused before it is read)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "409", description = "Idempotency-Key reused for a different request",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "503", description = "object store or Kafka unavailable, or too_many_uploads (the"
            + " gateway reads as many bodies as it takes at once); see Retry-After",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(path = "/v1/translations", consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    public Object submitMultipart(
            @Parameter(description = "the condition image (PNG; JPEG for sketch and depth)") @RequestPart("input") MultipartFile input,
            @Parameter(description = "JSON object of parameters, e.g. {\"task\": \"mask\", \"num_samples\": 2}")
            @RequestPart(value = "params", required = false) String params,
            @RequestHeader(value = IDEMPOTENCY_KEY, required = false) String idempotencyKey,
            @RequestHeader(value = PREFER, required = false) String prefer,
            HttpServletRequest request) throws IOException {
        JsonNode paramsNode = params == null ? null : parseParams(params);
        return submit(new SubmissionService.Submission(JobRoutes.tenant(request).name(), input.getBytes(),
                input.getContentType(), paramsNode, idempotencyKey), prefer);
    }

    @Operation(operationId = "submitTranslation", summary = "Submit a translation",
            description = SUBMIT_DESCRIPTION)
    @ApiResponse(responseCode = "202", description = "accepted (or an idempotent repeat of an unfinished job)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = TranslationResource.class)))
    @ApiResponse(responseCode = "200", description = "finished within the Prefer: wait time",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = TranslationResource.class)))
    @ApiResponse(responseCode = "400", description = "invalid input or parameters, a malformed input.s3 URI or"
            + " one outside the service bucket",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "413", description = "input_too_large (the decoded input) or request_too_large (the"
            + " body's Content-Length, refused before it is read)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @ApiResponse(responseCode = "404", description = "input.s3 names an object this API key may not read, or"
            + " none exists",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(path = "/v1/translations", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = MediaType.APPLICATION_JSON_VALUE)
    public Object submitJson(
            @RequestBody JsonNode body,
            @RequestHeader(value = IDEMPOTENCY_KEY, required = false) String idempotencyKey,
            @RequestHeader(value = PREFER, required = false) String prefer,
            HttpServletRequest request) {
        if (body == null || !body.isObject()) {
            throw ServiceException.invalidParameter("body", "the body must be a JSON object {\"input\": {\"base64\": \"...\"},"
                    + " \"params\": {...}}");
        }
        Tenant tenant = JobRoutes.tenant(request);
        byte[] input = jsonInput(tenant, body.get("input"));
        JsonNode inputNode = body.get("input");
        String contentType = inputNode.get("content_type") != null && inputNode.get("content_type").isString()
                ? inputNode.get("content_type").stringValue() : null;
        return submit(new SubmissionService.Submission(tenant.name(), input, contentType, body.get("params"),
                idempotencyKey), prefer);
    }

    @Operation(summary = "Read a translation: status, progress, timings, results with presigned URLs, error",
            description = "With Prefer: wait=N (N <= 60) the answer waits until the job is finished or N seconds"
                    + " have passed: 200 when finished, 202 otherwise.")
    @ApiResponse(responseCode = "200", description = "the job (finished, or no wait asked)")
    @ApiResponse(responseCode = "202", description = "the job, still unfinished after the Prefer: wait time")
    @ApiResponse(responseCode = "404", description = "no such job for this API key",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @GetMapping(path = "/v1/translations/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<TranslationResource>> get(@PathVariable("id") String id,
            @RequestHeader(value = PREFER, required = false) String prefer, HttpServletRequest request) {
        Duration wait = waiter.requestedWait(prefer);
        return owned(JobRoutes.tenant(request), id).thenCompose(view -> {
            if (wait.isZero()) {
                return CompletableFuture.completedFuture(ResponseEntity.ok(resources.of(view)));
            }
            return waiter.awaitTerminal(view, wait).thenApply(latest -> ResponseEntity
                    .status(latest.terminal() ? HttpStatus.OK : HttpStatus.ACCEPTED)
                    .header("Preference-Applied", "wait=" + wait.toSeconds())
                    .body(resources.of(latest)));
        });
    }

    @Operation(summary = "Follow a translation as Server-Sent Events",
            description = "Sends the current state first, then every change (event name: the new status, or"
                    + " 'progress'); the stream ends after the terminal event. Each event's data is the job as JSON.")
    @GetMapping(path = "/v1/translations/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public CompletableFuture<SseEmitter> events(@PathVariable("id") String id, HttpServletRequest request) {
        return owned(JobRoutes.tenant(request), id).thenApply(view -> {
            SseEmitter emitter = new SseEmitter(properties.sseTimeout().toMillis());
            new JobEventStream(emitter, resources, routes.asyncExecutor()).follow(updates, view,
                    () -> statusView.find(id).orElse(null));
            return emitter;
        });
    }

    @Operation(summary = "Ask for a translation to be cancelled",
            description = "Publishes the request to the workers; the job becomes 'cancelled' when a worker stops it"
                    + " (or finishes first). Answers 202 with the current state, 409 if it already finished.")
    @ApiResponse(responseCode = "202", description = "cancellation requested")
    @ApiResponse(responseCode = "409", description = "the job already finished",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(path = "/v1/translations/{id}/cancel", produces = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<TranslationResource>> cancel(@PathVariable("id") String id,
            HttpServletRequest request) {
        Tenant tenant = JobRoutes.tenant(request);
        return ownedInTrace(tenant, id, view -> {
            routes.requestCancellation(tenant, JobRoutes.Kind.TRANSLATION, view);
            return ResponseEntity.accepted().body(resources.of(view));
        });
    }

    /** The answer to a redelivery request. */
    public record Redelivery(@com.fasterxml.jackson.annotation.JsonProperty("webhook_id") String webhookId,
                             String event, String url) {
    }

    @Operation(summary = "Send a finished translation's webhook again",
            description = "Queues the job's terminal webhook (succeeded, failed or cancelled) for another delivery"
                    + " with the same webhook-id, so the receiver can tell it is the same notification, and a fresh"
                    + " retry schedule. A URL that answered 410 Gone is enabled again for this API key's tenant."
                    + " The attempts appear in the job's webhook.deliveries.")
    @ApiResponse(responseCode = "202", description = "redelivery queued")
    @ApiResponse(responseCode = "409", description = "no webhook, not finished, or the webhook does not want the"
            + " terminal event (codes no_webhook, not_finished, event_not_subscribed)",
            content = @Content(mediaType = "application/problem+json", schema = @Schema(implementation = ProblemDetail.class)))
    @PostMapping(path = "/v1/translations/{id}/webhook/redeliver", produces = MediaType.APPLICATION_JSON_VALUE)
    public CompletableFuture<ResponseEntity<Redelivery>> redeliver(@PathVariable("id") String id,
            HttpServletRequest request) {
        return ownedInTrace(JobRoutes.tenant(request), id, view -> {
            try {
                WebhookRedelivery.Queued queued = redelivery.redeliver(view, tracing.current());
                return ResponseEntity.accepted().body(new Redelivery(queued.webhookId(), queued.event(), queued.url()));
            } catch (WebhookPublisher.WebhookPublishException e) {
                throw ServiceException.unavailable("the delivery queue did not acknowledge the redelivery; retry later",
                        properties.retryAfter());
            }
        });
    }

    /**
     * The answer to a submission: a {@code ResponseEntity} when it can be given now (no wait asked, or
     * the job already finished), else a {@code CompletableFuture} of it, completed when the job finishes
     * or the wait is over. A future, even a completed one, costs an asynchronous dispatch (a second pass
     * through the servlet container on another thread) before the 202 is written, so the usual answer
     * is returned as it is.
     */
    private Object submit(SubmissionService.Submission submission, String prefer) {
        SubmissionService.Accepted accepted = submissions.submit(submission);
        Duration wait = waiter.requestedWait(prefer);
        if (wait.isZero() || accepted.view().terminal()) {
            return answer(accepted, wait, accepted.view());
        }
        return waiter.awaitTerminal(accepted.view(), wait).thenApply(latest -> answer(accepted, wait, latest));
    }

    private ResponseEntity<TranslationResource> answer(SubmissionService.Accepted accepted, Duration wait,
                                                       JobView latest) {
        ResponseEntity.BodyBuilder answer = JobRoutes.submitted(latest.terminal() ? HttpStatus.OK : HttpStatus.ACCEPTED,
                TranslationResources.path(accepted.view().jobId()), accepted.created());
        if (!wait.isZero()) {
            answer.header("Preference-Applied", "wait=" + wait.toSeconds());
        }
        return answer.body(resources.of(latest));
    }

    /** The tenant's job (a translation or an evaluation); 404 when there is none. */
    private CompletableFuture<JobView> owned(Tenant tenant, String id) {
        return routes.owned(tenant, JobRoutes.Kind.TRANSLATION, id);
    }

    /**
     * {@code step} applied to the tenant's job on {@link JobRoutes#asyncExecutor()}, in the request's
     * trace: for steps that wait for Kafka's acknowledgement, which must not run on the status view's
     * thread.
     */
    private <T> CompletableFuture<T> ownedInTrace(Tenant tenant, String id, Function<JobView, T> step) {
        Span span = tracing.tracer().currentSpan();
        return owned(tenant, id).thenApplyAsync(view -> {
            try (Tracer.SpanInScope scope = tracing.inScope(span)) {
                return step.apply(view);
            }
        }, routes.asyncExecutor());
    }

    private JsonNode parseParams(String params) {
        try {
            return json.readTree(params);
        } catch (JacksonException e) {
            throw ServiceException.invalidParameter("params", "the params part is not valid JSON (" + e.getOriginalMessage()
                    + "); send a JSON object such as {\"task\": \"mask\"}");
        }
    }

    private byte[] jsonInput(Tenant tenant, JsonNode input) {
        if (input == null || !input.isObject()) {
            throw ServiceException.invalidParameter("input", "input is required: {\"base64\": \"<PNG or JPEG bytes>\"}"
                    + " or {\"s3\": \"s3://<bucket>/<key>\"}");
        }
        JsonNode s3 = input.get("s3");
        JsonNode base64 = input.get("base64");
        if (s3 != null) {
            if (base64 != null) {
                throw ServiceException.invalidParameter("input", "give the input either as input.base64 or as input.s3,"
                        + " not both");
            }
            if (!s3.isString()) {
                throw ServiceException.invalidParameter("input.s3", "input.s3 must be a string \"s3://<bucket>/<key>\"");
            }
            return s3Inputs.read(tenant.name(), s3.stringValue());
        }
        if (base64 == null || !base64.isString()) {
            if (input.get("url") != null) {
                throw ServiceException.invalidParameter("input.url", "input by URL is not supported; send"
                        + " {\"s3\": \"s3://<bucket>/<key>\"}, {\"base64\": \"...\"} or a multipart upload");
            }
            throw ServiceException.invalidParameter("input.base64", "input.base64 must hold the image as a base64 string");
        }
        String text = base64.stringValue();
        long maxChars = (properties.maxInputSize().toBytes() + 2) / 3 * 4 + 4;
        if (text.length() > maxChars + text.length() / 76 * 2) {
            throw new io.pitiserve.common.image.InvalidInputException(
                    io.pitiserve.common.image.InvalidInputException.Reason.INPUT_TOO_LARGE,
                    "the base64 input decodes to more than " + properties.maxInputSize().toBytes()
                            + " bytes, the limit");
        }
        try {
            return Base64.getDecoder().decode(text.replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidParameter("input.base64", "input.base64 is not valid base64");
        }
    }
}
