package io.pitiserve.testsupport.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a test asks of its broker. Both kinds of broker are configured from {@link #brokerProperties()},
 * so topic defaults (partitions, replication, rebalance delay) are the same whichever one runs.
 *
 * @param partitions partitions of every topic the broker creates on first use
 */
public record BrokerSettings(int partitions) {

    public BrokerSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("a topic needs at least one partition, got " + partitions);
        }
    }

    /** Broker configuration keys (server.properties names) shared by the embedded broker and the container. */
    public Map<String, String> brokerProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("num.partitions", String.valueOf(partitions));
        properties.put("auto.create.topics.enable", "true");
        properties.put("delete.topic.enable", "true");
        // One node: every replication factor and minimum ISR is 1.
        properties.put("default.replication.factor", "1");
        properties.put("offsets.topic.replication.factor", "1");
        properties.put("offsets.topic.num.partitions", "1");
        properties.put("transaction.state.log.replication.factor", "1");
        properties.put("transaction.state.log.min.isr", "1");
        // Tests start consumer groups and expect them assigned at once.
        properties.put("group.initial.rebalance.delay.ms", "0");
        return properties;
    }
}
