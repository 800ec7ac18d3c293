package io.pitiserve.gateway.catalogue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.pitiserve.common.events.Topics;
import io.pitiserve.gateway.config.GatewayProperties;
import io.pitiserve.gateway.config.PitiserveKafkaProperties;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Queue depth per model: the records of its request lane that the workers' consumer group has not
 * committed yet (jobs waiting plus jobs running), read from the broker and kept for a moment, so a
 * busy {@code GET /v1/models} costs the broker a few requests a second at most.
 */
@Component
public class LaneDepths {

    static final Duration FRESH_FOR = Duration.ofSeconds(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Logger log = LoggerFactory.getLogger(LaneDepths.class);

    private final AdminClient admin;
    private final Topics topics;
    private final String workerGroup;
    private final Clock clock;
    private Map<String, Long> depths = Map.of();
    private Instant readAt = Instant.MIN;

    public LaneDepths(AdminClient gatewayAdminClient, PitiserveKafkaProperties kafka, GatewayProperties gateway,
                      Clock clock) {
        this.admin = gatewayAdminClient;
        this.topics = kafka.topics();
        this.workerGroup = gateway.workerGroup();
        this.clock = clock;
    }

    /** Uncommitted records per model of {@code models}; a model whose lane cannot be read is left out. */
    public synchronized Map<String, Long> depths(Collection<String> models) {
        Instant now = clock.instant();
        if (now.isAfter(readAt.plus(FRESH_FOR)) || !depths.keySet().containsAll(models)) {
            try {
                depths = read(models);
                readAt = now;
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.debug("lane depths not read: {}", e.toString());
                return Map.of();
            }
        }
        return depths;
    }

    private Map<String, Long> read(Collection<String> models) throws Exception {
        Map<String, String> laneToModel = models.stream().collect(Collectors.toMap(topics::lane, m -> m));
        Map<String, TopicDescription> described = admin.describeTopics(laneToModel.keySet()).allTopicNames()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        List<TopicPartition> partitions = described.values().stream()
                .flatMap(d -> d.partitions().stream().map(p -> new TopicPartition(d.name(), p.partition())))
                .toList();
        Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
        Map<TopicPartition, Long> starts = offsets(partitions, OffsetSpec.earliest());
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(workerGroup)
                .partitionsToOffsetAndMetadata().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<String, Long> result = new HashMap<>();
        for (TopicPartition partition : partitions) {
            OffsetAndMetadata done = committed.get(partition);
            long from = done == null ? starts.getOrDefault(partition, 0L) : done.offset();
            long depth = Math.max(0, ends.getOrDefault(partition, 0L) - from);
            result.merge(laneToModel.get(partition.topic()), depth, Long::sum);
        }
        return Map.copyOf(result);
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> request = partitions.stream().collect(Collectors.toMap(p -> p, p -> spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> infos = admin.listOffsets(request).all()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        infos.forEach((partition, info) -> offsets.put(partition, info.offset()));
        return offsets;
    }
}
