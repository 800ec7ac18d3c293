package io.pitiserve.gateway.config;

import io.pitiserve.common.events.TopicSettings;
import io.pitiserve.common.events.Topics;

/**
 * The gateway's view of the topic settings it shares with the worker ({@link TopicSettings},
 * bound under {@code pitiserve.kafka}), plus the topics only the gateway uses.
 */
public record PitiserveKafkaProperties(TopicSettings settings) {

    public String topicPrefix() {
        return settings.topicPrefix();
    }

    public int requestPartitions() {
        return settings.requestPartitions();
    }

    /** Partitions of the events topic, and of the gateway's own topics keyed by job. */
    public int eventPartitions() {
        return settings.eventPartitions();
    }

    public boolean createTopics() {
        return settings.createTopics();
    }

    public Topics topics() {
        return settings.topics();
    }

    /** The compacted topic of aggregated job views that every gateway instance reads whole. */
    public String jobViewsTopic() {
        return topicPrefix() + "gateway.job-views";
    }
}
