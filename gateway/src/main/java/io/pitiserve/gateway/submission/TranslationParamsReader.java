package io.pitiserve.gateway.submission;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.quota.JobCost;
import io.pitiserve.gateway.quota.QuotaProperties;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Reads the {@code params} object of a submission (snake_case members) into validated
 * {@link TranslationParams}, filling defaults. Every refusal is an {@code invalid_parameter}
 * problem naming the member, what it was and what is accepted; unknown
 * members are refused too, so that a typo ({@code num_sample}) does not silently fall back to a
 * default.
 *
 * <p>Scheduling: {@code priority} 0..9 (higher is admitted first by the worker; absent: 5) and a
 * deadline, either absolute ({@code deadline}, RFC 3339 with an offset) or relative to the
 * submission ({@code deadline_ms}); the event always carries the absolute instant.
 */
@Component
public class TranslationParamsReader {

    static final int MAX_METADATA_ENTRIES = 16;
    static final int MAX_METADATA_BYTES = 2048;
    /** The longest deadline a request may set, from the submission on. */
    static final Duration MAX_DEADLINE = Duration.ofDays(1);

    private static final Set<String> MEMBERS = Set.of("task", "model", "num_samples", "guidance_scale", "guidance",
            "base_steps", "sr_steps", "sampler", "eta", "seed", "return_base", "webhook", "metadata", "priority", "deadline", "deadline_ms");
    private static final Pattern SECTIONS = Pattern.compile("[0-9]{1,4}(,[0-9]{1,4})*");
    private static final Pattern DDIM = Pattern.compile("ddim[0-9]{1,4}");

    private final Clock clock;
    private final QuotaProperties quotas;

    TranslationParamsReader(GatewayProperties properties, Clock clock) {
        this(properties, QuotaProperties.defaults(), clock);
    }

    @Autowired
    public TranslationParamsReader(GatewayProperties properties, QuotaProperties quotas, Clock clock) {
        this.clock = clock;
        this.quotas = quotas;
    }

    /**
     * @param params      the JSON object sent by the client (null or missing: refused, task is required)
     * @param defaultSeed the seed when the client names none (derived from the job id, so that a
     *                    retried submission gets the same one)
     */
    public TranslationParams read(JsonNode params, long defaultSeed) {
        if (params == null || params.isMissingNode() || params.isNull()) {
            throw ServiceException.invalidParameter("params", "params are required and must name at least the task, e.g. {\"task\": \"mask\"}");
        }
        if (!params.isObject()) {
            throw ServiceException.invalidParameter("params", "params must be a JSON object, e.g. {\"task\": \"mask\"}");
        }
        for (String name : params.propertyNames()) {
            if (!MEMBERS.contains(name)) {
                throw ServiceException.invalidParameter(name, "unknown parameter '" + name + "'; accepted are "
                        + String.join(", ", MEMBERS.stream().sorted().toList()));
            }
        }
        String task = requiredString(params, "task");
        InputKind kind;
        try {
            kind = InputKind.fromWireName(task);
        } catch (IllegalArgumentException e) {
            throw ServiceException.invalidParameter("task", "task must be mask, sketch or depth, was '" + task + "'");
        }
        // Which model runs the job, and whether any does, is the catalogue's to say (ModelCatalogue.route).
        String model = optionalString(params, "model", null);
        int numSamples = (int) integer(params, "num_samples", 1, 1, TranslationParams.MAX_SAMPLES);
        double guidanceScale = number(params, "guidance_scale", 1.3, 0, TranslationParams.MAX_GUIDANCE_SCALE);
        String guidance = oneOf(params, "guidance", "cfg", TranslationParams.GUIDANCES);
        String baseSteps = respacing(params, "base_steps", quotas.maxBaseSteps(), "max-base-steps");
        String srSteps = respacing(params, "sr_steps", quotas.maxSrSteps(), "max-sr-steps");
        String sampler = params.hasNonNull("sampler")  // absent: the model's default sampler (model.json)
                ? oneOf(params, "sampler", null, TranslationParams.SAMPLERS)
                : null;
        double eta = number(params, "eta", 0, 0, 1);
        long seed = integer(params, "seed", defaultSeed, 0, Long.MAX_VALUE);
        boolean returnBase = bool(params, "return_base", false);
        TranslationParams.Webhook webhook = webhook(params.get("webhook"));
        Map<String, String> metadata = metadata(params.get("metadata"));
        Integer priority = params.hasNonNull("priority") ? (int) integer(params, "priority",
                TranslationParams.DEFAULT_PRIORITY, TranslationParams.MIN_PRIORITY, TranslationParams.MAX_PRIORITY)
                : null;
        Instant deadline = deadline(params);
        return new TranslationParams(kind.wireName(), model, numSamples, guidanceScale, guidance, baseSteps, srSteps,
                sampler, eta, seed, returnBase, webhook, metadata, priority, deadline);
    }

    /** The absolute deadline from {@code deadline} or {@code deadline_ms} (not both), null for none. */
    private Instant deadline(JsonNode params) {
        boolean absolute = params.hasNonNull("deadline");
        boolean relative = params.hasNonNull("deadline_ms");
        if (absolute && relative) {
            throw ServiceException.invalidParameter("deadline", "give either deadline (an RFC 3339 time) or deadline_ms "
                    + "(milliseconds from now), not both");
        }
        Instant now = clock.instant();
        Instant latest = now.plus(MAX_DEADLINE);
        if (relative) {
            long millis = integer(params, "deadline_ms", 0, 1, MAX_DEADLINE.toMillis());
            return now.plusMillis(millis);
        }
        if (!absolute) {
            return null;
        }
        JsonNode node = params.get("deadline");
        String hint = "deadline must be an RFC 3339 date-time with an offset, e.g. \"2026-11-27T10:15:30Z\", between "
                + "now and " + MAX_DEADLINE.toHours() + " hours from now";
        if (!node.isString()) {
            throw ServiceException.invalidParameter("deadline", hint + "; was " + describe(node));
        }
        Instant deadline;
        try {
            deadline = java.time.OffsetDateTime.parse(node.stringValue().trim()).toInstant();
        } catch (DateTimeParseException e) {
            throw ServiceException.invalidParameter("deadline", hint + "; was " + describe(node));
        }
        if (!deadline.isAfter(now)) {
            throw ServiceException.invalidParameter("deadline", "deadline " + node.stringValue() + " has passed already (now "
                    + now + "); " + hint);
        }
        if (deadline.isAfter(latest)) {
            throw ServiceException.invalidParameter("deadline", "deadline " + node.stringValue() + " is more than "
                    + MAX_DEADLINE.toHours() + " hours away; " + hint);
        }
        return deadline;
    }

    private static String requiredString(JsonNode params, String name) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            throw ServiceException.invalidParameter(name, name + " is required");
        }
        if (!node.isString()) {
            throw ServiceException.invalidParameter(name, name + " must be a string, was " + describe(node));
        }
        return node.stringValue();
    }

    private static String optionalString(JsonNode params, String name, String fallback) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isString() || node.stringValue().isBlank() || node.stringValue().length() > 128) {
            throw ServiceException.invalidParameter(name, name + " must be a non-empty string of at most 128 characters, was "
                    + describe(node));
        }
        return node.stringValue().trim();
    }

    private static String oneOf(JsonNode params, String name, String fallback, List<String> accepted) {
        String value = optionalString(params, name, fallback);
        String normal = value.toLowerCase(Locale.ROOT);
        if (!accepted.contains(normal)) {
            throw ServiceException.invalidParameter(name, name + " must be one of " + String.join(", ", accepted)
                    + ", was '" + value + "'");
        }
        return normal;
    }

    private static long integer(JsonNode params, String name, long fallback, long min, long max) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw ServiceException.invalidParameter(name, name + " must be an integer in " + min + ".." + max + ", was "
                    + describe(node));
        }
        return node.longValue();
    }

    private static double number(JsonNode params, String name, double fallback, double min, double max) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber() || !(node.doubleValue() >= min && node.doubleValue() <= max)) {
            throw ServiceException.invalidParameter(name, name + " must be a number in " + trim(min) + ".." + trim(max)
                    + ", was " + describe(node));
        }
        return node.doubleValue();
    }

    private static boolean bool(JsonNode params, String name, boolean fallback) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw ServiceException.invalidParameter(name, name + " must be true or false, was " + describe(node));
        }
        return node.booleanValue();
    }

    /**
     * Syntax and the step limit {@code max} only: the worker knows the model's step count and refuses
     * a respacing that does not fit it.
     */
    static String respacing(JsonNode params, String name, int max, String limitKey) {
        JsonNode node = params.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        String hint = name + " must be a respacing: \"N\", \"N,M,...\" (steps per section), \"ddimN\" or \"fast27\"";
        if (!node.isString()) {
            throw ServiceException.invalidParameter(name, hint + "; was " + describe(node));
        }
        String value = node.stringValue().trim().replace(" ", "");
        if (value.equals("fast27")) {
            return value;
        }
        String counts;
        if (DDIM.matcher(value).matches()) {
            counts = value.substring(4);
        } else if (SECTIONS.matcher(value).matches()) {
            counts = value;
        } else {
            throw ServiceException.invalidParameter(name, hint + "; was '" + node.stringValue() + "'");
        }
        for (String count : counts.split(",")) {
            if (Integer.parseInt(count) < 1) {
                throw ServiceException.invalidParameter(name, name + " takes at least 1 step per section; was '"
                        + node.stringValue() + "'");
            }
        }
        int total = JobCost.steps(value);
        if (total > max) {
            throw new ServiceException(ErrorCode.INVALID_PARAMETER, name + " asks for "
                    + total + " steps; at most " + max + " are allowed (pitiserve.gateway.quotas." + limitKey + ")",
                    null, Map.of("parameter", name, "limit", max));
        }
        return value;
    }

    private static TranslationParams.Webhook webhook(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw ServiceException.invalidParameter("webhook", "webhook must be an object {\"url\": \"https://...\", \"events\": [...]}");
        }
        for (String member : node.propertyNames()) {
            if (!member.equals("url") && !member.equals("events")) {
                throw ServiceException.invalidParameter("webhook." + member, "unknown webhook member '" + member
                        + "'; accepted are url and events");
            }
        }
        JsonNode urlNode = node.get("url");
        if (urlNode == null || !urlNode.isString()) {
            throw ServiceException.invalidParameter("webhook.url", "webhook.url is required and must be an http or https URL");
        }
        String url = urlNode.stringValue().trim();
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null || url.length() > 2048
                    || uri.getUserInfo() != null) {
                throw new URISyntaxException(url, "not an absolute http(s) URL with a host and without credentials");
            }
        } catch (URISyntaxException e) {
            throw ServiceException.invalidParameter("webhook.url", "webhook.url must be an absolute http or https URL with a"
                    + " host, without user info, at most 2048 characters; was '" + url + "'");
        }
        List<String> events = TranslationParams.DEFAULT_WEBHOOK_EVENTS;
        JsonNode eventsNode = node.get("events");
        if (eventsNode != null && !eventsNode.isNull()) {
            if (!eventsNode.isArray() || eventsNode.isEmpty()) {
                throw ServiceException.invalidParameter("webhook.events", "webhook.events must be a non-empty array of "
                        + String.join(", ", TranslationParams.WEBHOOK_EVENTS));
            }
            List<String> chosen = new ArrayList<>();
            for (JsonNode event : eventsNode.values()) {
                String name = event.isString() ? event.stringValue().toLowerCase(Locale.ROOT) : null;
                if (name == null || !TranslationParams.WEBHOOK_EVENTS.contains(name)) {
                    throw ServiceException.invalidParameter("webhook.events", "webhook.events may hold "
                            + String.join(", ", TranslationParams.WEBHOOK_EVENTS) + "; was " + describe(event));
                }
                if (!chosen.contains(name)) {
                    chosen.add(name);
                }
            }
            events = List.copyOf(chosen);
        }
        return new TranslationParams.Webhook(url, events);
    }

    private static Map<String, String> metadata(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ServiceException.invalidParameter("metadata", "metadata must be an object of string values");
        }
        if (node.size() > MAX_METADATA_ENTRIES) {
            throw ServiceException.invalidParameter("metadata", "metadata has " + node.size() + " entries; at most "
                    + MAX_METADATA_ENTRIES + " are allowed");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        int bytes = 0;
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isString()) {
                throw ServiceException.invalidParameter("metadata." + entry.getKey(), "metadata values must be strings; '"
                        + entry.getKey() + "' was " + describe(entry.getValue()));
            }
            bytes += entry.getKey().getBytes(StandardCharsets.UTF_8).length
                    + entry.getValue().stringValue().getBytes(StandardCharsets.UTF_8).length;
            metadata.put(entry.getKey(), entry.getValue().stringValue());
        }
        if (bytes > MAX_METADATA_BYTES) {
            throw ServiceException.invalidParameter("metadata", "metadata keys and values take " + bytes
                    + " bytes (UTF-8); at most " + MAX_METADATA_BYTES + " are allowed");
        }
        return metadata;
    }

    private static String describe(JsonNode node) {
        String text = node.toString();
        return text.length() > 64 ? text.substring(0, 61) + "..." : text;
    }

    private static String trim(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
