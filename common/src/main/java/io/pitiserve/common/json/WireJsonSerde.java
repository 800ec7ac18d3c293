package io.pitiserve.common.json;

import java.util.Objects;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Records of one type as {@link WireJson} in Kafka topics and Kafka Streams stores. A null value is
 * a null record (a tombstone) both ways. Unknown members are skipped, so that what a newer app
 * writes stays readable by an older one during a rolling upgrade.
 *
 * @param <T> the record type
 */
public final class WireJsonSerde<T> implements Serde<T> {

    private final Class<T> type;

    public WireJsonSerde(Class<T> type) {
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                return WireJson.write(value);
            } catch (IllegalArgumentException e) {
                throw new SerializationException(e.getMessage() + " for " + topic, e);
            }
        };
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return WireJson.read(bytes, type);
            } catch (IllegalArgumentException e) {
                throw new SerializationException(e.getMessage() + " on " + topic, e);
            }
        };
    }
}
