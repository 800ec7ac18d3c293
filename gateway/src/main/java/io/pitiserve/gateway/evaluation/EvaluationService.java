package io.pitiserve.gateway.evaluation;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.pitiserve.common.digest.Sha256;
import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.EvaluationSpec;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.storage.ObjectKeys;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.ObjectStoreException;
import io.pitiserve.gateway.catalogue.ModelCatalogue;
import io.pitiserve.gateway.catalogue.UnknownModelException;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.quota.JobCost;
import io.pitiserve.gateway.quota.QuotaProperties;
import io.pitiserve.gateway.quota.TenantQuotas;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.status.StatusView;
import io.pitiserve.gateway.status.StatusViewUnavailableException;
import io.pitiserve.gateway.status.Fingerprints;
import io.pitiserve.gateway.submission.JobIds;
import io.pitiserve.gateway.submission.KafkaRequestPublisher;
import io.pitiserve.gateway.submission.PublishFailedException;
import io.pitiserve.gateway.submission.TranslationParamsReader;
import io.pitiserve.gateway.submission.WebhookTargetCheck;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Accepts an evaluation: a job of kind evaluation on the model's request lane, whose stored input is
 * its {@link EvaluationSpec}. Every setting is validated as a translation's parameters would be (and
 * held to the tenant's {@code max-job-cost} per image), the dataset and the number of translations
 * are checked, then the spec is stored and the request published, as a translation's input and
 * request are; the job then counts against the tenant's jobs in flight like any other.
 */
@Service
public class EvaluationService {

    private static final Logger log = LoggerFactory.getLogger(EvaluationService.class);
    private static final Set<String> MEMBERS = Set.of("model", "dataset", "settings", "limit", "seed", "webhook",
            "metadata", "priority", "deadline", "deadline_ms");
    private static final Set<String> SETTING_MEMBERS = Set.of("sampler", "base_steps", "sr_steps", "guidance",
            "guidance_scale", "eta");
    private static final List<String> TASKS = List.of("mask", "sketch", "depth");

    private final TranslationParamsReader paramsReader;
    private final ModelCatalogue catalogue;
    private final TenantQuotas quotas;
    private final QuotaProperties quotaProperties;
    private final EvaluationProperties properties;
    private final EvaluationDatasets datasets;
    private final WebhookTargetCheck webhookCheck;
    private final ObjectStore objects;
    private final KafkaRequestPublisher publisher;
    private final StatusView statusView;
    private final Duration retryAfter;
    private final Clock clock;

    public EvaluationService(TranslationParamsReader paramsReader, ModelCatalogue catalogue, TenantQuotas quotas,
                             QuotaProperties quotaProperties, EvaluationProperties properties,
                             EvaluationDatasets datasets,
                             WebhookTargetCheck webhookCheck, ObjectStore objects, KafkaRequestPublisher publisher,
                             StatusView statusView, GatewayProperties gateway, Clock clock) {
        this.clock = clock;
        this.paramsReader = paramsReader;
        this.catalogue = catalogue;
        this.quotas = quotas;
        this.quotaProperties = quotaProperties;
        this.properties = properties;
        this.datasets = datasets;
        this.webhookCheck = webhookCheck;
        this.objects = objects;
        this.publisher = publisher;
        this.statusView = statusView;
        this.retryAfter = gateway.retryAfter();
    }

    /** The job and whether this call created it (false: an idempotent repeat). */
    public record Accepted(JobView view, boolean created, EvaluationSpec spec, long cost) {
    }

    /**
     * Validates, stores and queues one evaluation.
     *
     * @param idempotencyKey the Idempotency-Key header, or null
     */
    public Accepted submit(String tenant, JsonNode body, String idempotencyKey) {
        if (body == null || !body.isObject()) {
            throw ServiceException.invalidParameter("body", "the body must be a JSON object {\"model\": \"...\", \"dataset\":"
                    + " \"" + EvaluationSpec.WORLD_HELDOUT + "\" or {\"s3_prefix\": \"s3://...\"}, \"settings\": [{...}]}");
        }
        for (String name : body.propertyNames()) {
            if (!MEMBERS.contains(name)) {
                throw ServiceException.invalidParameter(name, "unknown member '" + name + "'; accepted are "
                        + String.join(", ", MEMBERS.stream().sorted().toList()));
            }
        }
        String key = idempotencyKey == null ? null : idempotencyKey.trim();
        if (key != null && (key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
            throw ServiceException.invalidParameter("Idempotency-Key", "the Idempotency-Key header must be 1 to 255 visible"
                    + " ASCII characters without spaces");
        }
        String jobId = key == null ? JobIds.random() : JobIds.derived(tenant, "evaluation:" + key);
        ModelCatalogue.Entry model = model(body.get("model"));
        Integer limit = limit(body.get("limit"));
        EvaluationSpec.Setting[] settings = settings(body.get("settings"));
        // A prefix is listed up to one image more than may be evaluated, so that too many is refused below.
        EvaluationDatasets.Choice dataset = datasets.read(tenant, body.get("dataset"),
                limit != null ? limit : properties.maxTranslations() + 1);
        EvaluationSpec spec = dataset.s3Prefix() == null
                ? new EvaluationSpec(dataset.dataset(), List.of(settings), limit)
                : new EvaluationSpec(dataset.dataset(), List.of(settings), null, dataset.s3Prefix(), dataset.names());
        if (dataset.s3Prefix() == null && limit != null && limit > EvaluationSpec.WORLD_HELDOUT_IMAGES) {
            throw ServiceException.invalidParameter("limit", "the bundled set has " + EvaluationSpec.WORLD_HELDOUT_IMAGES
                    + " images; limit must be at most that, was " + limit);
        }
        int images = spec.images();
        long translations = (long) images * settings.length;
        if (translations > properties.maxTranslations()) {
            throw new ServiceException(ErrorCode.EVALUATION_TOO_LARGE, "the evaluation asks for " + images
                    + " images x " + settings.length + " settings = " + translations + " translations; at most "
                    + properties.maxTranslations() + " are allowed: give a smaller limit or fewer settings", null,
                    Map.of("translations", translations, "limit", properties.maxTranslations()));
        }
        List<TranslationParams> perSetting = new ArrayList<>();
        long cost = 0;
        for (int i = 0; i < settings.length; i++) {
            TranslationParams params = paramsReader.read(paramsOf(body, model, settings[i], i == 0),
                    JobIds.defaultSeed(jobId));
            quotas.checkCost(tenant, params, model.singlePass());
            cost += images * JobCost.of(params, quotaProperties, model.singlePass());
            perSetting.add(params);
        }
        TranslationParams first = perSetting.get(0);
        if (first.webhook() != null) {
            WebhookTargetCheck.Refusal refusal = webhookCheck.check(tenant, first.webhook());
            if (refusal != null) {
                throw new ServiceException(refusal.code(), refusal.message(), null,
                        Map.of("parameter", "webhook.url"));
            }
        }
        byte[] specJson = EventCodec.writeJson(spec);
        String specSha256 = Sha256.hex(specJson);
        if (key != null) {
            Optional<JobView> existing = existing(jobId);
            if (existing.isPresent()) {
                if (Fingerprints.of(first, specSha256).equals(existing.get().fingerprint())) {
                    return new Accepted(existing.get(), false, spec, cost);
                }
                throw new ServiceException(ErrorCode.IDEMPOTENCY_CONFLICT, "the Idempotency-Key '" + key + "' was already used"
                        + " for a different evaluation; use a new key for a new request");
            }
        }
        quotas.admit(tenant, jobId);
        String inputKey = ObjectKeys.input(tenant, jobId);
        try {
            objects.put(inputKey, specJson, EvaluationSpec.CONTENT_TYPE);
        } catch (ObjectStoreException e) {
            quotas.release(jobId);
            throw ServiceException.unavailable("the object store did not accept the evaluation; retry later", retryAfter);
        }
        TranslationRequested request = new TranslationRequested(jobId, tenant, clock.instant(), inputKey, specSha256,
                EvaluationSpec.CONTENT_TYPE, first, TranslationRequested.EVALUATION);
        try {
            publisher.publish(request, model.name());
        } catch (PublishFailedException e) {
            quotas.release(jobId);
            throw ServiceException.unavailable("the job queue did not acknowledge the evaluation; nothing was accepted,"
                    + " retry later", retryAfter);
        }
        JobView view = JobView.accepted(request);
        statusView.accepted(view);
        log.info("accepted evaluation {} of {} for {}: {} images x {} settings, cost {}", jobId, model.name(), tenant,
                images, settings.length, cost);
        return new Accepted(view, true, spec, cost);
    }

    private Optional<JobView> existing(String jobId) {
        try {
            return statusView.find(jobId);
        } catch (StatusViewUnavailableException e) {
            throw ServiceException.unavailable("the gateway's job index is not ready; retry later", retryAfter);
        }
    }

    /** The catalogued model named {@code node}, whatever its task; 400 unknown_model when none. */
    private ModelCatalogue.Entry model(JsonNode node) {
        if (node == null || !node.isString() || node.stringValue().isBlank()) {
            throw ServiceException.invalidParameter("model", "model is required: the name of a served model (GET /v1/models)");
        }
        String asked = node.stringValue().strip();
        ModelCatalogue.Entry found = anyTask(asked);
        if (found == null) {
            try {
                // Waits once for a gateway that has just started to read the catalogue.
                return catalogue.route(TASKS.get(0), asked);
            } catch (UnknownModelException e) {
                found = anyTask(asked);
            }
        }
        if (found == null) {
            throw new ServiceException(ErrorCode.UNKNOWN_MODEL, "no served model is named '" + asked
                    + "'; GET /v1/models lists them", null, Map.of("parameter", "model"));
        }
        return found;
    }

    private ModelCatalogue.Entry anyTask(String asked) {
        for (String task : TASKS) {
            ModelCatalogue.Entry found = catalogue.find(task, asked);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Integer limit(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || node.longValue() < 1 || node.longValue() > 10_000) {
            throw ServiceException.invalidParameter("limit", "limit must be a positive integer (the first images of the"
                    + " dataset), was " + node);
        }
        return node.intValue();
    }

    private static EvaluationSpec.Setting[] settings(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ServiceException.invalidParameter("settings", "settings must be a non-empty array of sampler settings, e.g."
                    + " [{\"sampler\": \"ddpm\", \"base_steps\": \"15\", \"sr_steps\": \"10\"}] ({} for the model's"
                    + " defaults)");
        }
        if (node.size() > EvaluationSpec.MAX_SETTINGS) {
            throw ServiceException.invalidParameter("settings", "at most " + EvaluationSpec.MAX_SETTINGS
                    + " settings per evaluation, got " + node.size());
        }
        EvaluationSpec.Setting[] out = new EvaluationSpec.Setting[node.size()];
        for (int i = 0; i < node.size(); i++) {
            JsonNode s = node.get(i);
            String where = "settings[" + i + "]";
            if (!s.isObject()) {
                throw ServiceException.invalidParameter(where, where + " must be an object");
            }
            for (String name : s.propertyNames()) {
                if (!SETTING_MEMBERS.contains(name)) {
                    throw ServiceException.invalidParameter(where + "." + name, "unknown member '" + name + "' of " + where
                            + "; accepted are " + String.join(", ", SETTING_MEMBERS.stream().sorted().toList()));
                }
                JsonNode value = s.get(name);
                boolean number = name.equals("guidance_scale") || name.equals("eta");
                if (number ? !value.isNumber() : !value.isString()) {
                    throw ServiceException.invalidParameter(where + "." + name, where + "." + name + " must be a "
                            + (number ? "number" : "string") + ", was " + value);
                }
            }
            out[i] = new EvaluationSpec.Setting(text(s, "sampler"), text(s, "base_steps"), text(s, "sr_steps"),
                    text(s, "guidance"), s.hasNonNull("guidance_scale") ? s.get("guidance_scale").doubleValue() : 0,
                    s.hasNonNull("eta") ? s.get("eta").doubleValue() : 0);
        }
        return out;
    }

    private static String text(JsonNode setting, String name) {
        return setting.hasNonNull(name) ? setting.get(name).stringValue() : null;
    }

    /**
     * A translation's parameters for one setting, validated by the translations' reader; the first
     * carries the job's seed, webhook, metadata, priority and deadline.
     */
    private static ObjectNode paramsOf(JsonNode body, ModelCatalogue.Entry model, EvaluationSpec.Setting setting,
                                       boolean first) {
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("task", model.task());
        params.put("model", model.name());
        if (setting.sampler() != null) {
            params.put("sampler", setting.sampler());
        }
        if (setting.baseSteps() != null) {
            params.put("base_steps", setting.baseSteps());
        }
        if (setting.srSteps() != null) {
            params.put("sr_steps", setting.srSteps());
        }
        if (setting.guidance() != null) {
            params.put("guidance", setting.guidance());
        }
        // 0 asks for the model's own scale, which guides (and is counted as guided)
        params.put("guidance_scale", setting.guidanceScale());
        params.put("eta", setting.eta());
        for (String name : List.of("seed", "webhook", "metadata", "priority", "deadline", "deadline_ms")) {
            if (first && body.has(name)) {
                params.set(name, body.get(name));
            }
        }
        return params;
    }
}
