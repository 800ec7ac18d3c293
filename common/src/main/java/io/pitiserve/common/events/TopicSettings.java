package io.pitiserve.common.events;

import java.util.List;


/**
 * The topic settings gateway and worker share, bound by both under {@code pitiserve.kafka} (with
 * Spring's {@code Binder}, which needs no annotation on the record). Both
 * declare the shared topics from {@link #sharedTopics()}, so whichever app creates a topic first,
 * it gets the same partitions, replication and clean-up policy.
 *
 * @param topicPrefix       prefix of every topic name
 * @param createTopics      whether the app creates missing topics at start-up (existing ones are never altered)
 * @param requestPartitions partitions of each model's request lane (caps the number of busy workers of that model)
 * @param eventPartitions   partitions of the events topic (and of the gateway's job-views topic)
 * @param controlPartitions partitions of the compacted control topic (every worker reads all of them)
 * @param replicationFactor replication of every created topic; absent means the broker's default
 */
public record TopicSettings(
        String topicPrefix,
        Boolean createTopics,
        Integer requestPartitions,
        Integer eventPartitions,
        Integer controlPartitions,
        Short replicationFactor) {

    /** Partitions of the dead-letter topic: records there are for people to read, not for throughput. */
    public static final int DEAD_LETTER_PARTITIONS = 1;
    /** Partitions of the compacted model catalogue: a few records per worker, read whole by every gateway. */
    public static final int CATALOGUE_PARTITIONS = 1;

    /** Absent settings (null) take the documented defaults, so a binder needs no annotations here. */
    public TopicSettings {
        topicPrefix = topicPrefix == null ? "pitiserve." : topicPrefix;
        createTopics = createTopics == null || createTopics;
        requestPartitions = requestPartitions == null ? 48 : requestPartitions;
        eventPartitions = eventPartitions == null ? 12 : eventPartitions;
        controlPartitions = controlPartitions == null ? 1 : controlPartitions;
        requirePositive("request-partitions", requestPartitions);
        requirePositive("event-partitions", eventPartitions);
        requirePositive("control-partitions", controlPartitions);
        if (replicationFactor != null && replicationFactor < 1) {
            throw new IllegalArgumentException("pitiserve.kafka.replication-factor must be >= 1 (or absent for the"
                    + " broker's default), got " + replicationFactor);
        }
    }

    /** The defaults, as both apps bind them when nothing is configured. */
    public static TopicSettings defaults() {
        return new TopicSettings(null, null, null, null, null, null);
    }

    public Topics topics() {
        return Topics.withPrefix(topicPrefix);
    }

    /**
     * The topics gateway and worker both use, as either creates them; request lanes come from
     * {@link #lane(String)}, one per model.
     */
    public List<TopicSpec> sharedTopics() {
        Topics topics = topics();
        return List.of(
                new TopicSpec(topics.events(), eventPartitions, replicationFactor, false),
                new TopicSpec(topics.control(), controlPartitions, replicationFactor, true),
                new TopicSpec(topics.deadLetter(), DEAD_LETTER_PARTITIONS, replicationFactor, false),
                new TopicSpec(topics.models(), CATALOGUE_PARTITIONS, replicationFactor, true));
    }

    /** The request lane of {@code model}, as gateway (for declared models) and worker (for served ones) create it. */
    public TopicSpec lane(String model) {
        return new TopicSpec(topics().lane(model), requestPartitions, replicationFactor, false);
    }

    /**
     * One topic as it is created.
     *
     * @param replicationFactor null for the broker's default
     * @param compacted         whether {@code cleanup.policy=compact}
     */
    public record TopicSpec(String name, int partitions, Short replicationFactor, boolean compacted) {
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException("pitiserve.kafka." + name + " must be >= 1, got " + value);
        }
    }
}
