package io.pitiserve.common.events;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import io.pitiserve.common.json.WireJson;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON + CloudEvents 1.0 binary mode over Kafka headers, without depending on Kafka types.
 *
 * <p>The value is the event record as JSON with snake_case property names ({@code job_id},
 * {@code input_key}), instants as ISO-8601 strings and null fields left out. The headers carry the
 * CloudEvents attributes ({@link #SPEC_VERSION}, {@link #ID}, {@link #TYPE}, {@link #SOURCE},
 * {@link #TIME}, {@link #SUBJECT} = job id, {@link #CONTENT_TYPE}) and the W3C {@link #TRACEPARENT}
 * when one is known. The type is read from the {@code ce_type} header, never from the payload, so
 * a consumer decides what a record is before it parses it.
 *
 * <p>Readers ignore properties they do not know: fields are only ever added, and an old consumer
 * must keep reading what a newer producer writes. Instances are thread-safe.
 */
public final class EventCodec {

    public static final String SPEC_VERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String TYPE = "ce_type";
    public static final String SOURCE = "ce_source";
    public static final String TIME = "ce_time";
    public static final String SUBJECT = "ce_subject";
    public static final String CONTENT_TYPE = "content-type";
    public static final String TRACEPARENT = "traceparent";

    /** The CloudEvents version written and accepted. */
    public static final String CLOUDEVENTS_VERSION = "1.0";
    public static final String JSON = "application/json";

    private static final JsonMapper MAPPER = WireJson.builder()
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final String source;

    /** @param source the CloudEvents source of events this process emits, e.g. {@code /pitiserve/gateway} */
    public EventCodec(String source) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("a CloudEvents source is required, e.g. /pitiserve/gateway");
        }
        this.source = source;
    }

    public String source() {
        return source;
    }

    /**
     * Encodes {@code event}; {@code traceparent} (W3C) may be null. Every call gets a fresh
     * {@code ce_id}, so a re-emitted fact is a new CloudEvent about the same job.
     *
     * @throws IllegalArgumentException when the event lacks its job id, tenant or time, which
     *                                  every reader requires
     */
    public EncodedEvent encode(JobEvent event, String traceparent) {
        Objects.requireNonNull(event, "event");
        requireEnvelope(event);
        Map<String, byte[]> headers = new LinkedHashMap<>();
        headers.put(SPEC_VERSION, utf8(CLOUDEVENTS_VERSION));
        headers.put(ID, utf8(UUID.randomUUID().toString()));
        headers.put(TYPE, utf8(event.type()));
        headers.put(SOURCE, utf8(source));
        headers.put(TIME, utf8(event.time().toString()));
        headers.put(SUBJECT, utf8(event.jobId()));
        headers.put(CONTENT_TYPE, utf8(JSON));
        if (traceparent != null && !traceparent.isBlank()) {
            headers.put(TRACEPARENT, utf8(traceparent));
        }
        return new EncodedEvent(utf8(event.jobId()), toJson(event), Map.copyOf(headers));
    }

    /**
     * Decodes a record's value and headers; the type comes from the {@code ce_type} header.
     *
     * @throws UnreadableEventException when {@code ce_type} is missing or unknown, the content type
     *                                  or spec version is not ours, the value is not JSON of that
     *                                  type, or it lacks {@code job_id}, {@code tenant} or {@code time};
     *                                  the message names the reason
     */
    public JobEvent decode(byte[] value, Map<String, byte[]> headers) throws UnreadableEventException {
        Map<String, byte[]> h = headers == null ? Map.of() : headers;
        String type = header(h, TYPE);
        if (type == null || type.isBlank()) {
            throw new UnreadableEventException("missing " + TYPE + " header");
        }
        Class<? extends JobEvent> eventClass = EventTypes.classOf(type);
        if (eventClass == null) {
            throw new UnreadableEventException("unknown event type '" + type + "'");
        }
        String specVersion = header(h, SPEC_VERSION);
        if (specVersion != null && !CLOUDEVENTS_VERSION.equals(specVersion)) {
            throw new UnreadableEventException("unsupported " + SPEC_VERSION + " '" + specVersion + "' of " + type);
        }
        String contentType = header(h, CONTENT_TYPE);
        if (contentType != null && !contentType.trim().toLowerCase(java.util.Locale.ROOT).startsWith(JSON)) {
            throw new UnreadableEventException("unsupported " + CONTENT_TYPE + " '" + contentType + "' of " + type);
        }
        return fromJson(value, eventClass);
    }

    /**
     * The event as JSON, exactly the value {@link #encode} writes: for documents that hold an
     * event outside Kafka, like {@code results/{job}/manifest.json}.
     */
    public static byte[] toJson(JobEvent event) {
        try {
            return MAPPER.writeValueAsBytes(event);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("cannot write " + event.type() + " as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Any record of ours as JSON, with the events' conventions (snake_case, nulls left out, ISO times). */
    public static byte[] writeJson(Object value) {
        return WireJson.write(MAPPER, value);
    }

    /**
     * Reads JSON written by {@link #writeJson}.
     *
     * @throws IllegalArgumentException when it is not JSON of that type, or empty
     */
    public static <T> T readJson(byte[] json, Class<T> type) {
        return WireJson.read(MAPPER, json, type);
    }

    /**
     * Reads JSON written by {@link #toJson} as an event of the given class.
     *
     * @throws UnreadableEventException when it is not JSON of that event, or lacks {@code job_id},
     *                                  {@code tenant} or {@code time}
     */
    public static <T extends JobEvent> T fromJson(byte[] json, Class<T> eventClass) throws UnreadableEventException {
        String type = EventTypes.typeOf(eventClass);
        if (json == null || json.length == 0) {
            throw new UnreadableEventException("empty value for " + type);
        }
        T event;
        try {
            event = MAPPER.readValue(json, eventClass);
        } catch (JacksonException e) {
            throw new UnreadableEventException("malformed JSON for " + type + ": " + e.getOriginalMessage(), e);
        }
        if (event == null) {
            throw new UnreadableEventException("null value for " + type);
        }
        String missing = missingEnvelopeField(event);
        if (missing != null) {
            throw new UnreadableEventException("missing " + missing + " in " + type);
        }
        return event;
    }

    /** The {@code ce_type} header of a record, or null. */
    public static String type(Map<String, byte[]> headers) {
        return header(headers, TYPE);
    }

    /** The {@code traceparent} header of a record, or null. */
    public static String traceparent(Map<String, byte[]> headers) {
        return header(headers, TRACEPARENT);
    }

    private static String header(Map<String, byte[]> headers, String name) {
        byte[] value = headers == null ? null : headers.get(name);
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    private static void requireEnvelope(JobEvent event) {
        String missing = missingEnvelopeField(event);
        if (missing != null) {
            throw new IllegalArgumentException(event.type() + " without " + missing);
        }
    }

    private static String missingEnvelopeField(JobEvent event) {
        if (event.jobId() == null || event.jobId().isBlank()) {
            return "job_id";
        }
        if (event.tenant() == null || event.tenant().isBlank()) {
            return "tenant";
        }
        if (event.time() == null) {
            return "time";
        }
        return null;
    }

    private static byte[] utf8(String value) {
        return value.getBytes(StandardCharsets.UTF_8);
    }
}
