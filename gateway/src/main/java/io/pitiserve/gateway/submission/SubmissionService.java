package io.pitiserve.gateway.submission;

import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.pitiserve.common.digest.Sha256;
import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.image.ImageFormat;
import io.pitiserve.common.image.ImageHeader;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.common.image.InputLimits;
import io.pitiserve.common.image.InvalidInputException;
import io.pitiserve.common.storage.ObjectKeys;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.ObjectStoreException;
import io.pitiserve.gateway.catalogue.ModelCatalogue;
import io.pitiserve.gateway.catalogue.UnknownModelException;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.quota.TenantQuotas;
import io.pitiserve.gateway.status.Fingerprints;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.status.StatusView;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;

/**
 * Accepts a translation: validates parameters and input completely, then stores the input and
 * publishes TranslationRequested, and only then reports the job as accepted. Nothing is stored or
 * published for a request that fails validation.
 *
 * <p>With an Idempotency-Key the job id is derived from (tenant, key) and the status view is
 * consulted first: the same request again returns the existing job, a different one is a
 * conflict. The view is the record of what was accepted; no separate idempotency table exists.
 */
@Service
public class SubmissionService {

    private static final Logger log = LoggerFactory.getLogger(SubmissionService.class);
    private static final Set<String> INPUT_MEDIA_TYPES = Set.of("image/png", "image/jpeg", "image/jpg",
            "application/octet-stream");

    private final TranslationParamsReader paramsReader;
    private final ObjectStore objects;
    private final KafkaRequestPublisher publisher;
    private final ModelCatalogue catalogue;
    private final StatusView statusView;
    private final WebhookTargetCheck webhookCheck;
    private final TenantQuotas quotas;
    private final InputLimits limits;
    private final Duration retryAfter;
    private final Clock clock;

    public SubmissionService(TranslationParamsReader paramsReader, ObjectStore objects, KafkaRequestPublisher publisher,
                             ModelCatalogue catalogue, StatusView statusView, GatewayProperties properties,
                             WebhookTargetCheck webhookCheck, TenantQuotas quotas, Clock clock) {
        this.catalogue = catalogue;
        this.paramsReader = paramsReader;
        this.quotas = quotas;
        this.webhookCheck = webhookCheck;
        this.objects = objects;
        this.publisher = publisher;
        this.statusView = statusView;
        long maxPixels = Math.min((long) properties.maxInputWidth() * properties.maxInputHeight(),
                Integer.MAX_VALUE / 4);
        this.limits = new InputLimits(properties.maxInputSize().toBytes(), properties.maxInputWidth(),
                properties.maxInputHeight(), maxPixels);
        this.retryAfter = properties.retryAfter();
        this.clock = clock;
    }

    /**
     * A submission as received.
     *
     * @param declaredContentType media type the client gave the input, or null
     * @param idempotencyKey      the Idempotency-Key header, or null
     */
    public record Submission(String tenant, byte[] input, String declaredContentType, JsonNode params,
                             String idempotencyKey) {
    }

    /** The job and whether this call created it (false: an idempotent repeat). */
    public record Accepted(JobView view, boolean created) {
    }

    public Accepted submit(Submission submission) {
        String key = idempotencyKey(submission.idempotencyKey());
        String jobId = key == null ? JobIds.random() : JobIds.derived(submission.tenant(), key);
        MDC.put("jobId", jobId);
        try {
            TranslationParams params = paramsReader.read(submission.params(), JobIds.defaultSeed(jobId));
            ModelCatalogue.Entry model = route(params);
            quotas.checkCost(submission.tenant(), params, model.singlePass());
            if (params.webhook() != null) {
                WebhookTargetCheck.Refusal refusal = webhookCheck.check(submission.tenant(), params.webhook());
                if (refusal != null) {
                    throw new ServiceException(refusal.code(),
                            refusal.message(), null, java.util.Map.of("parameter", "webhook.url"));
                }
            }
            String contentType = validateInput(submission.input(), submission.declaredContentType(), params.task());
            String inputSha256 = Sha256.hex(submission.input());
            String fingerprint = Fingerprints.of(params, inputSha256);

            if (key != null) {
                Optional<JobView> existing = findQuietly(jobId);
                if (existing.isPresent()) {
                    if (fingerprint.equals(existing.get().fingerprint())) {
                        log.info("repeated submission with the same Idempotency-Key; answering with job {}", jobId);
                        return new Accepted(existing.get(), false);
                    }
                    throw new ServiceException(ErrorCode.IDEMPOTENCY_CONFLICT, "the Idempotency-Key '" + key
                            + "' was already used for a different request (other parameters or another input);"
                            + " use a new key for a new request");
                }
            }

            // Counted from here on; a job refused below is released (or forgotten if it never shows up).
            quotas.admit(submission.tenant(), jobId);
            String inputKey = ObjectKeys.input(submission.tenant(), jobId);
            try {
                objects.put(inputKey, submission.input(), contentType);
            } catch (ObjectStoreException e) {
                log.warn("could not store the input of job {}: {}", jobId, e.getMessage());
                quotas.release(jobId);
                throw ServiceException.unavailable("the object store did not accept the input; retry later"
                        + (key == null ? "" : " with the same Idempotency-Key"), retryAfter);
            }
            TranslationRequested request = new TranslationRequested(jobId, submission.tenant(), clock.instant(),
                    inputKey, inputSha256, contentType, params);
            try {
                publisher.publish(request, model.name());
            } catch (PublishFailedException e) {
                log.warn("could not publish the request of job {}: {}", jobId, e.getMessage());
                quotas.release(jobId);
                throw ServiceException.unavailable("the job queue did not acknowledge the request; nothing was accepted,"
                        + " retry later" + (key == null ? "" : " with the same Idempotency-Key"), retryAfter);
            }
            JobView view = JobView.accepted(request);
            statusView.accepted(view);
            log.info("accepted job {} ({} on {} for {}, {} bytes)", jobId, params.task(), model.name(),
                    submission.tenant(), submission.input().length);
            return new Accepted(view, true);
        } finally {
            MDC.remove("jobId");
        }
    }

    /** The model that runs the job: refused at once when no catalogued model serves its task or name. */
    private ModelCatalogue.Entry route(TranslationParams params) {
        try {
            return catalogue.route(params.task(), params.model());
        } catch (UnknownModelException e) {
            throw new ServiceException(ErrorCode.UNKNOWN_MODEL, e.getMessage(),
                    null, java.util.Map.of("parameter", params.model() == null ? "task" : "model"));
        }
    }

    private Optional<JobView> findQuietly(String jobId) {
        try {
            return statusView.find(jobId);
        } catch (io.pitiserve.gateway.status.StatusViewUnavailableException e) {
            // Without the view a repeat cannot be told from a conflict; the client retries.
            throw ServiceException.unavailable("the gateway's job index is not ready; retry later", retryAfter);
        }
    }

    private String validateInput(byte[] input, String declaredContentType, String task) {
        if (input == null) {
            throw ServiceException.invalidParameter("input", "the input image is missing");
        }
        if (declaredContentType != null && !declaredContentType.isBlank()) {
            String base = declaredContentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            if (!INPUT_MEDIA_TYPES.contains(base)) {
                throw new InvalidInputException(InvalidInputException.Reason.UNSUPPORTED_FORMAT,
                        "the input is declared as '" + base + "'; send a PNG (image/png) or a JPEG (image/jpeg)");
            }
        }
        limits.checkFileSize(input.length);
        ImageHeader header = ImageHeader.read(input);
        limits.checkDimensions(header);
        // Every check of the worker's preprocessor: palette, labels, transparency and layout errors name
        // the pixel now, not minutes later on a worker (without building the model's input here).
        InputKind.fromWireName(task).preprocessor(limits, 256).validate(input);
        return header.format() == ImageFormat.PNG ? "image/png" : "image/jpeg";
    }

    private static String idempotencyKey(String header) {
        if (header == null) {
            return null;
        }
        String key = header.trim();
        if (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw ServiceException.invalidParameter("Idempotency-Key", "the Idempotency-Key header must be 1 to 255"
                    + " visible ASCII characters without spaces");
        }
        return key;
    }
}
