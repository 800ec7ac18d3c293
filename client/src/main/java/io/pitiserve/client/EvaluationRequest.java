package io.pitiserve.client;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
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
        Map<String, Object> copy = new LinkedHashMap<>(builder.body);
        if (!builder.settings.isEmpty()) {
            copy.put("settings", List.copyOf(builder.settings));
        }
        this.body = Collections.unmodifiableMap(copy);
        this.idempotencyKey = builder.idempotencyKey;
    }

    /** An evaluation of {@code model} (a name, version or {@code name@version}). */
    public static Builder builder(String model) {
        return new Builder().member("model", Objects.requireNonNull(model, "model"));
    }

    /** The JSON body as sent: snake_case names, JSON values. */
    public Map<String, Object> body() {
        return body;
    }

    public String idempotencyKey() {
        return idempotencyKey;
    }

    /** Builds an {@link EvaluationRequest}; every setter names the API member it sets. */
    public static final class Builder {

        private final Map<String, Object> body = new LinkedHashMap<>();
        private final List<Map<String, Object>> settings = new ArrayList<>();
        private String idempotencyKey;

        private Builder() {
        }

        /** {@code dataset}: a bundled set by name (default {@code bundled:world-heldout}). */
        public Builder dataset(String name) {
            return member("dataset", name);
        }

        /**
         * {@code dataset.s3_prefix}: a set in the service bucket ({@code s3://<bucket>/<prefix>/}) holding
         * {@code inputs/}, {@code references/} and optionally {@code masks/}.
         */
        public Builder s3Dataset(String prefix) {
            return member("dataset", Map.of("s3_prefix", prefix));
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
            return member("limit", images);
        }

        /** {@code seed}: image i is translated with seed + i. */
        public Builder seed(long seed) {
            return member("seed", seed);
        }

        /** {@code webhook}: as for translations. */
        public Builder webhook(URI url, String... events) {
            Map<String, Object> webhook = new LinkedHashMap<>();
            webhook.put("url", url.toString());
            if (events.length > 0) {
                webhook.put("events", List.of(events));
            }
            return member("webhook", Collections.unmodifiableMap(webhook));
        }

        /** {@code metadata}: up to 16 string entries of the caller's own. */
        public Builder metadata(Map<String, String> metadata) {
            return member("metadata", Map.copyOf(metadata));
        }

        /** {@code priority}: 0 to 9, higher first. */
        public Builder priority(int priority) {
            return member("priority", priority);
        }

        /** {@code deadline}: an evaluation not finished by then fails with {@code deadline_exceeded}. */
        public Builder deadline(Instant deadline) {
            body.remove("deadline_ms");
            return member("deadline", deadline.toString());
        }

        /** {@code deadline_ms}: like {@link #deadline(Instant)}, counted from the submission. */
        public Builder deadline(Duration fromNow) {
            body.remove("deadline");
            return member("deadline_ms", fromNow.toMillis());
        }

        /** Any member by its API name; a null value removes it. */
        public Builder member(String name, Object value) {
            Objects.requireNonNull(name, "name");
            if (value == null) {
                body.remove(name);
            } else {
                body.put(name, value);
            }
            return this;
        }

        /** {@code Idempotency-Key}: the same key and request give the same evaluation. */
        public Builder idempotencyKey(String key) {
            this.idempotencyKey = key;
            return this;
        }

        public EvaluationRequest build() {
            return new EvaluationRequest(this);
        }
    }
}
