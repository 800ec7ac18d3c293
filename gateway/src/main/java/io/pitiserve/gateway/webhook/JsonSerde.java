package io.pitiserve.gateway.webhook;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A webhook record as {@link WebhookJson} in Kafka Streams stores and topics. */
final class JsonSerde<T> implements Serde<T> {

    private final Class<T> type;

    JsonSerde(Class<T> type) {
        this.type = type;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> value == null ? null : WebhookJson.write(value);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return WebhookJson.read(bytes, type);
            } catch (IllegalArgumentException e) {
                throw new SerializationException(e.getMessage() + " on " + topic, e);
            }
        };
    }
}
