package io.pitiserve.gateway.webhook;

import io.pitiserve.common.json.WireJson;

/** JSON (snake_case, ISO-8601 instants, unknown members ignored) of the webhook records on Kafka. */
public final class WebhookJson {

    private WebhookJson() {
    }

    /** @throws IllegalArgumentException when {@code value} cannot be written */
    public static byte[] write(Object value) {
        return WireJson.write(value);
    }

    /** @throws IllegalArgumentException when {@code bytes} are not JSON of {@code type} */
    public static <T> T read(byte[] bytes, Class<T> type) {
        return WireJson.read(bytes, type);
    }
}
