package io.pitiserve.common.events;

import java.util.Map;

/**
 * An event ready for Kafka: key (job id, UTF-8), JSON value and CloudEvents binary-mode headers
 * ({@code ce_specversion}, {@code ce_id}, {@code ce_type}, {@code ce_source}, {@code ce_time},
 * {@code ce_subject}, {@code content-type}, and {@code traceparent} when known).
 */
public record EncodedEvent(byte[] key, byte[] value, Map<String, byte[]> headers) {
}
