package io.pitiserve.gateway.webhook;


import io.pitiserve.common.json.WireJson;
import tools.jackson.core.JacksonException;



import tools.jackson.databind.json.JsonMapper;

/** JSON (snake_case, ISO-8601 instants, unknown members ignored) of the webhook records on Kafka. */
public final class WebhookJson {

    static final JsonMapper MAPPER = WireJson.MAPPER;

    private WebhookJson() {
    }

    public static byte[] write(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    /** @throws IllegalArgumentException when {@code bytes} are not JSON of {@code type} */
    public static <T> T read(byte[] bytes, Class<T> type) {
        try {
            T value = MAPPER.readValue(bytes, type);
            if (value == null) {
                throw new IllegalArgumentException("null " + type.getSimpleName());
            }
            return value;
        } catch (JacksonException e) {
            throw new IllegalArgumentException("unreadable " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }
}
