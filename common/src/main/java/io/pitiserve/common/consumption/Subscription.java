package io.pitiserve.common.consumption;

import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;

/** Which topics a {@link ConsumptionLoop} subscribes its consumer group to. */
@FunctionalInterface
public interface Subscription {

    void subscribe(Consumer<byte[], byte[]> consumer, ConsumerRebalanceListener listener);

    static Subscription topics(Collection<String> topics) {
        List<String> copy = List.copyOf(topics);
        return (consumer, listener) -> consumer.subscribe(copy, listener);
    }

    static Subscription pattern(Pattern pattern) {
        return (consumer, listener) -> consumer.subscribe(pattern, listener);
    }
}
