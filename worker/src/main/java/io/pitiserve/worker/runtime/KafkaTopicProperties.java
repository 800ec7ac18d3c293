package io.pitiserve.worker.runtime;

import io.pitiserve.common.events.Topics;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The worker's topics ({@code pitiserve.kafka.*}); the broker address is Spring's
 * {@code spring.kafka.bootstrap-servers}.
 *
 * @param topicPrefix        prefix of every topic name
 * @param createTopics       whether the worker creates missing topics at start
 * @param requestPartitions  partitions of the requests topic (caps the number of busy workers)
 * @param eventPartitions    partitions of the events topic
 * @param controlPartitions  partitions of the compacted control topic
 * @param replicationFactor  replication of every topic the worker creates
 */
@ConfigurationProperties("pitiserve.kafka")
public record KafkaTopicProperties(
        @DefaultValue("pitiserve.") String topicPrefix,
        @DefaultValue("true") boolean createTopics,
        @DefaultValue("48") int requestPartitions,
        @DefaultValue("12") int eventPartitions,
        @DefaultValue("3") int controlPartitions,
        @DefaultValue("1") short replicationFactor) {

    public KafkaTopicProperties {
        if (requestPartitions < 1 || eventPartitions < 1 || controlPartitions < 1) {
            throw new IllegalArgumentException("pitiserve.kafka.*-partitions must be >= 1");
        }
        if (replicationFactor < 1) {
            throw new IllegalArgumentException("pitiserve.kafka.replication-factor must be >= 1, got " + replicationFactor);
        }
    }

    public Topics topics() {
        return Topics.withPrefix(topicPrefix);
    }
}
