package io.pitiserve.gateway.config;

import io.pitiserve.common.events.Topics;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Topic settings every piti-serve module agrees on, prefix {@code pitiserve.kafka}.
 *
 * @param topicPrefix       prefix of every topic name
 * @param requestPartitions partitions of the requests topic (caps the number of busy workers)
 * @param eventPartitions   partitions of the events topic and of the gateway's job-views topic
 * @param createTopics      whether the gateway creates missing topics at start-up
 */
@ConfigurationProperties("pitiserve.kafka")
public record PitiserveKafkaProperties(
        @DefaultValue("pitiserve.") String topicPrefix,
        @DefaultValue("48") int requestPartitions,
        @DefaultValue("12") int eventPartitions,
        @DefaultValue("true") boolean createTopics) {

    public PitiserveKafkaProperties {
        if (requestPartitions < 1 || eventPartitions < 1) {
            throw new IllegalArgumentException("pitiserve.kafka.request-partitions and event-partitions must be >= 1");
        }
    }

    public Topics topics() {
        return Topics.withPrefix(topicPrefix);
    }

    /** The compacted topic of aggregated job views that every gateway instance reads whole. */
    public String jobViewsTopic() {
        return topicPrefix + "gateway.job-views";
    }
}
