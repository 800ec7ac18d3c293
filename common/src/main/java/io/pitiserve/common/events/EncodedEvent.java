package io.pitiserve.common.events;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * An event ready for Kafka: key (job id, UTF-8), JSON value and CloudEvents binary-mode headers
 * ({@code ce_specversion}, {@code ce_id}, {@code ce_type}, {@code ce_source}, {@code ce_time},
 * {@code ce_subject}, {@code content-type}, and {@code traceparent} when known), values UTF-8.
 */
public record EncodedEvent(byte[] key, byte[] value, Map<String, byte[]> headers) {

    /** The key as text: the job id. */
    public String keyAsString() {
        return new String(key, StandardCharsets.UTF_8);
    }

    /** A header's value as text, or null when the header is absent. */
    public String header(String name) {
        byte[] bytes = headers.get(name);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
