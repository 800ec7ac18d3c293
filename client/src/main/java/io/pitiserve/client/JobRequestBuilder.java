package io.pitiserve.client;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the builders of translations and evaluations share: the members both jobs take and the
 * {@code Idempotency-Key}.
 *
 * @param <B> the builder itself
 */
public abstract class JobRequestBuilder<B extends JobRequestBuilder<B>> {

    final Map<String, Object> members = new LinkedHashMap<>();
    String idempotencyKey;

    JobRequestBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** {@code seed}: the same seed, input and parameters give the same images. */
    public B seed(long seed) {
        return put("seed", seed);
    }

    /**
     * {@code webhook}: where to POST signed notifications, and of which events (succeeded, failed,
     * cancelled, started, progress); no events: the three terminal ones.
     */
    public B webhook(URI url, String... events) {
        Map<String, Object> webhook = new LinkedHashMap<>();
        webhook.put("url", url.toString());
        if (events.length > 0) {
            webhook.put("events", List.of(events));
        }
        return put("webhook", Collections.unmodifiableMap(webhook));
    }

    /** {@code metadata}: up to 16 string entries of the caller's own, returned with the job and its webhooks. */
    public B metadata(Map<String, String> metadata) {
        return put("metadata", Map.copyOf(metadata));
    }

    /** {@code priority}: 0 to 9, higher first (default 5). */
    public B priority(int priority) {
        return put("priority", priority);
    }

    /** {@code deadline}: a job not finished by then (within 24 h) fails with {@code deadline_exceeded}. */
    public B deadline(Instant deadline) {
        members.remove("deadline_ms");
        return put("deadline", deadline.toString());
    }

    /** {@code deadline_ms}: like {@link #deadline(Instant)}, counted from the submission. */
    public B deadline(Duration fromNow) {
        members.remove("deadline");
        return put("deadline_ms", fromNow.toMillis());
    }

    /** {@code Idempotency-Key}: the same key and request give the same job, whatever the retries. */
    public B idempotencyKey(String key) {
        this.idempotencyKey = key;
        return self();
    }

    /** Sets a member by its API name; a null value removes it. */
    B put(String name, Object value) {
        Objects.requireNonNull(name, "name");
        if (value == null) {
            members.remove(name);
        } else {
            members.put(name, value);
        }
        return self();
    }
}
