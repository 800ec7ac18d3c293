package io.pitiserve.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One submission to {@code POST /v1/evaluations}: a served model, a dataset and the sampler
 * settings to measure it at. Build it with {@link #builder(String)}; instances are immutable.
 */
public final class EvaluationRequest {

    private final Map<String, Object> body;
    private final String idempotencyKey;

    private EvaluationRequest(Builder builder) {
        Map<String, Object> copy = new LinkedHashMap<>(builder.members);
        if (!builder.settings.isEmpty()) {
            copy.put("settings", List.copyOf(builder.settings));
        }
        this.body = Collections.unmodifiableMap(copy);
        this.idempotencyKey = builder.idempotencyKey;
    }

    /** An evaluation of {@code model} (a name, version or {@code name@version}). */
    public static Builder builder(String model) {
        return new Builder().put("model", Objects.requireNonNull(model, "model"));
    }

    /** The JSON body as sent: snake_case names, JSON values. */
    public Map<String, Object> body() {
        return body;
    }

    public String idempotencyKey() {
        return idempotencyKey;
    }

    /** Builds an {@link EvaluationRequest}; every setter names the API member it sets. */
    public static final class Builder extends JobRequestBuilder<Builder> {

        private final List<Map<String, Object>> settings = new ArrayList<>();

        private Builder() {
        }

        /** {@code dataset}: a bundled set by name (default {@code bundled:world-heldout}). */
        public Builder dataset(String name) {
            return put("dataset", name);
        }

        /**
         * {@code dataset.s3_prefix}: a set in the service bucket ({@code s3://<bucket>/<prefix>/}) holding
         * {@code inputs/}, {@code references/} and optionally {@code masks/}.
         */
        public Builder s3Dataset(String prefix) {
            return put("dataset", Map.of("s3_prefix", prefix));
        }

        /**
         * One entry of {@code settings} (1 to 8): {@code sampler}, {@code base_steps}, {@code sr_steps},
         * {@code guidance}, {@code guidance_scale}, {@code eta}; absent members are the model's defaults.
         */
        public Builder setting(Map<String, Object> setting) {
            settings.add(Collections.unmodifiableMap(new LinkedHashMap<>(setting)));
            return this;
        }

        /** {@code limit}: only the first images of the dataset. */
        public Builder limit(int images) {
            return put("limit", images);
        }

        /** Any member by its API name; a null value removes it. */
        public Builder member(String name, Object value) {
            return put(name, value);
        }

        public EvaluationRequest build() {
            return new EvaluationRequest(this);
        }
    }
}
