package io.pitiserve.common.consumption;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of each partition that were received and not yet committed. Records finish in any
 * order; only the contiguous prefix of finished offsets is committed, so a crash redelivers exactly
 * the unfinished records (and maybe some finished after the first gap, which every handler absorbs).
 * Thread-safe: the polling thread receives and commits, handler threads finish.
 */
public final class OffsetLedger {

    private static final class Partition {
        /** Received offsets, with whether each finished. */
        final TreeMap<Long, Boolean> pending = new TreeMap<>();
        long next = -1;
        long committed = -1;

        void advance() {
            while (!pending.isEmpty() && pending.firstEntry().getValue()) {
                next = pending.pollFirstEntry().getKey() + 1;
            }
        }
    }

    private final Map<TopicPartition, Partition> partitions = new HashMap<>();

    /** A record at {@code offset} was received (offsets of a partition arrive in increasing order). */
    public synchronized void received(TopicPartition partition, long offset) {
        partitions.computeIfAbsent(partition, p -> new Partition()).pending.putIfAbsent(offset, Boolean.FALSE);
    }

    /** The record at {@code offset} needs no more work. Ignored for a partition or offset not received. */
    public synchronized void finished(TopicPartition partition, long offset) {
        Partition p = partitions.get(partition);
        if (p != null && p.pending.containsKey(offset)) {
            p.pending.put(offset, Boolean.TRUE);
        }
    }

    /** The partition is read again from {@code offset}: forgets the records received from there on. */
    public synchronized void rewind(TopicPartition partition, long offset) {
        Partition p = partitions.get(partition);
        if (p != null) {
            p.pending.tailMap(offset, true).clear();
        }
    }

    /** Whether the ledger holds the partition (received a record since it was last forgotten). */
    public synchronized boolean tracks(TopicPartition partition) {
        return partitions.containsKey(partition);
    }

    /** Records of the partition received and not finished. */
    public synchronized int unfinished(TopicPartition partition) {
        Partition p = partitions.get(partition);
        return p == null ? 0 : (int) p.pending.values().stream().filter(done -> !done).count();
    }

    /**
     * The offsets to commit (one past each finished prefix) of {@code only} (every partition when null)
     * that moved since their last commit; counts them as committed (see {@link #commitFailed}).
     */
    public synchronized Map<TopicPartition, OffsetAndMetadata> toCommit(Collection<TopicPartition> only) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        partitions.forEach((tp, p) -> {
            if (only != null && !only.contains(tp)) {
                return;
            }
            p.advance();
            if (p.next > p.committed) {
                offsets.put(tp, new OffsetAndMetadata(p.next));
                p.committed = p.next;
            }
        });
        return offsets;
    }

    /** The last commit of these partitions may not have happened: offer their offsets again. */
    public synchronized void commitFailed(Collection<TopicPartition> failed) {
        failed.forEach(tp -> {
            Partition p = partitions.get(tp);
            if (p != null) {
                p.committed = -1;
            }
        });
    }

    /** The partitions are no longer ours. */
    public synchronized void forget(Collection<TopicPartition> gone) {
        gone.forEach(partitions::remove);
    }
}
