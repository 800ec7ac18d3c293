package io.pitiserve.gateway.evaluation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.events.EvaluationSpec;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.ObjectStoreException;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.submission.ReadablePrefixes;
import io.pitiserve.common.storage.S3Properties;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The dataset member of an evaluation: the bundled held-out world set, or a prefix of the service
 * bucket under one of the tenant's readable prefixes, laid out as {@code inputs/<name>.png},
 * {@code references/<name>.png} and optionally {@code masks/<name>.png}. For a prefix the inputs are
 * listed now and every one's reference is checked, so the job's cost is known and a missing
 * reference is refused before anything is queued.
 */
@Component
public class EvaluationDatasets {

    private static final String SCHEME = "s3://";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,200}");

    private final ObjectStore objects;
    private final String bucket;
    private final ReadablePrefixes readable;
    private final GatewayProperties gateway;

    public EvaluationDatasets(ObjectStore objects, S3Properties s3, ReadablePrefixes readable,
                              GatewayProperties gateway) {
        this.objects = objects;
        this.bucket = s3.bucket();
        this.readable = readable;
        this.gateway = gateway;
    }

    /** The dataset chosen: what the spec records, and for a prefix its image names (at most {@code most}). */
    public record Choice(String dataset, String s3Prefix, List<String> names) {
    }

    /**
     * Reads {@code node}: absent or {@value EvaluationSpec#WORLD_HELDOUT}, or {@code {"s3_prefix":
     * "s3://<bucket>/<prefix>/"}}.
     */
    public Choice read(String tenant, JsonNode node, int most) {
        if (node == null || node.isNull()
                || (node.isString() && node.stringValue().equals(EvaluationSpec.WORLD_HELDOUT))) {
            return new Choice(EvaluationSpec.WORLD_HELDOUT, null, List.of());
        }
        if (!node.isObject() || node.size() != 1 || !node.path("s3_prefix").isString()) {
            throw new ServiceException(ErrorCode.UNKNOWN_DATASET, "dataset must be \""
                    + EvaluationSpec.WORLD_HELDOUT + "\" (the held-out world scenes bundled in the workers) or"
                    + " {\"s3_prefix\": \"s3://" + bucket + "/<prefix>/\"}, was " + node, null,
                    Map.of("parameter", "dataset"));
        }
        String uri = node.path("s3_prefix").stringValue();
        String prefix = prefixInServiceBucket(uri);
        readable.require(tenant, prefix, "dataset.s3_prefix", "dataset", uri);
        try {
            List<String> names = new ArrayList<>();
            String inputs = prefix + "inputs/";
            for (String key : objects.list(inputs, most + 1)) {
                String file = key.substring(inputs.length());
                if (file.endsWith(".png") && NAME.matcher(file.substring(0, file.length() - 4)).matches()) {
                    names.add(file.substring(0, file.length() - 4));
                }
            }
            if (names.isEmpty()) {
                throw new ServiceException(ErrorCode.EMPTY_DATASET, "no inputs under " + SCHEME + bucket
                        + "/" + inputs + ": upload <name>.png there, with references/<name>.png beside it", null,
                        Map.of("parameter", "dataset.s3_prefix"));
            }
            List<String> chosen = names.subList(0, Math.min(most, names.size()));
            for (String name : chosen) {
                String reference = prefix + "references/" + name + ".png";
                if (!objects.exists(reference)) {
                    throw new ServiceException(ErrorCode.INCOMPLETE_DATASET, "input " + name + ".png has no"
                            + " reference image " + SCHEME + bucket + "/" + reference, null,
                            Map.of("parameter", "dataset.s3_prefix"));
                }
            }
            return new Choice(uri, prefix, List.copyOf(chosen));
        } catch (ObjectStoreException e) {
            throw ServiceException.unavailable("the object store did not answer listing " + uri + "; retry later",
                    gateway.retryAfter());
        }
    }

    /** The key prefix {@code uri} names (ending with /), after checking its form and bucket. */
    private String prefixInServiceBucket(String uri) {
        String rest = uri.startsWith(SCHEME) ? uri.substring(SCHEME.length()) : "";
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw ServiceException.invalidParameter("dataset.s3_prefix", "dataset.s3_prefix must be"
                    + " s3://<bucket>/<prefix>/, was '" + uri + "'");
        }
        if (!rest.substring(0, slash).equals(bucket)) {
            throw ServiceException.invalidParameter("dataset.s3_prefix", "dataset.s3_prefix names bucket '"
                    + rest.substring(0, slash) + "'; this service reads only its own bucket '" + bucket + "'");
        }
        String prefix = rest.substring(slash + 1);
        if (prefix.contains("..") || prefix.length() > 900) {
            throw ServiceException.invalidParameter("dataset.s3_prefix", "dataset.s3_prefix is not a valid key prefix");
        }
        return prefix.endsWith("/") ? prefix : prefix + "/";
    }
}
