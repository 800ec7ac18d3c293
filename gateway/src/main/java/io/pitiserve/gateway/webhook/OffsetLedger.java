package io.pitiserve.gateway.webhook;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which records of each partition are being worked on, so that only the contiguous prefix of
 * finished records is committed: a crash re-reads exactly the unfinished ones (and possibly some
 * finished after them, which the delivery log and {@code webhook-id} make harmless). Thread-safe.
 */
final class OffsetLedger {

    private static final class Partition {
        final TreeSet<Long> inFlight = new TreeSet<>();
        long next = -1;
        long committed = -1;
    }

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    synchronized void begin(TopicPartition tp, long offset) {
        Partition p = partitions.computeIfAbsent(tp, k -> new Partition());
        p.inFlight.add(offset);
        p.next = Math.max(p.next, offset + 1);
    }

    synchronized void end(TopicPartition tp, long offset) {
        Partition p = partitions.get(tp);
        if (p != null) {
            p.inFlight.remove(offset);
        }
    }

    synchronized int inFlight() {
        return partitions.values().stream().mapToInt(p -> p.inFlight.size()).sum();
    }

    synchronized boolean busy(Collection<TopicPartition> tps) {
        return tps.stream().map(partitions::get).anyMatch(p -> p != null && !p.inFlight.isEmpty());
    }

    /** Offsets to commit that move a partition forward; marks them committed. */
    synchronized Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> only) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        partitions.forEach((tp, p) -> {
            if (only != null && !only.contains(tp)) {
                return;
            }
            long upTo = p.inFlight.isEmpty() ? p.next : p.inFlight.first();
            if (upTo > p.committed && upTo >= 0) {
                offsets.put(tp, new OffsetAndMetadata(upTo));
            }
        });
        return offsets;
    }

    synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> {
            Partition p = partitions.get(tp);
            if (p != null) {
                p.committed = Math.max(p.committed, o.offset());
            }
        });
    }

    synchronized void forget(Collection<TopicPartition> tps) {
        tps.forEach(partitions::remove);
    }
}
