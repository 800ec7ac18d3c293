package io.pitiserve.common.events;

import java.util.Map;

/**
 * JSON + CloudEvents 1.0 binary mode over Kafka headers, without depending on Kafka types.
 * TODO(contracts): implement encode/decode with Jackson 3 (snake_case), ce_* headers and traceparent.
 */
public final class EventCodec {

    private final String source;

    /** @param source the CloudEvents source of events this process emits, e.g. {@code /pitiserve/gateway} */
    public EventCodec(String source) {
        this.source = source;
    }

    public String source() {
        return source;
    }

    /** Encodes {@code event}; {@code traceparent} (W3C) may be null. */
    public EncodedEvent encode(JobEvent event, String traceparent) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** Decodes a record's value and headers; the type comes from the {@code ce_type} header. */
    public JobEvent decode(byte[] value, Map<String, byte[]> headers) throws UnreadableEventException {
        throw new UnsupportedOperationException("not yet implemented");
    }

    /** The {@code traceparent} header of a record, or null. */
    public static String traceparent(Map<String, byte[]> headers) {
        byte[] value = headers.get("traceparent");
        return value == null ? null : new String(value, java.nio.charset.StandardCharsets.UTF_8);
    }
}
