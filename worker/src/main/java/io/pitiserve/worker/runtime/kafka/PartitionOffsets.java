package io.pitiserve.worker.runtime.kafka;

import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The offsets of one partition that were received and not yet committed. Jobs finish in any order;
 * only the contiguous prefix of finished offsets may be committed, so a crash redelivers exactly the
 * unfinished jobs (and maybe some finished ones after the first gap, which the manifest check absorbs).
 */
final class PartitionOffsets {

    private final TreeMap<Long, Boolean> pending = new TreeMap<>();
    private long next = -1;
    private long committed = -1;

    /** A record at {@code offset} was received (offsets arrive in increasing order). */
    synchronized void received(long offset) {
        pending.putIfAbsent(offset, Boolean.FALSE);
    }

    /** The record at {@code offset} needs no more work. */
    synchronized void finished(long offset) {
        if (pending.containsKey(offset)) {
            pending.put(offset, Boolean.TRUE);
        }
    }

    /** The offset to commit (one past the finished prefix) if it moved since {@link #committed(long)}. */
    synchronized OptionalLong toCommit() {
        while (!pending.isEmpty()) {
            Map.Entry<Long, Boolean> first = pending.firstEntry();
            if (!first.getValue()) {
                break;
            }
            next = first.getKey() + 1;
            pending.pollFirstEntry();
        }
        return next > committed ? OptionalLong.of(next) : OptionalLong.empty();
    }

    /** {@code offset} was committed. */
    synchronized void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /** The last commit may not have happened: commit again next time. */
    synchronized void commitFailed() {
        committed = -1;
    }

    /** Records received and not finished. */
    synchronized int unfinished() {
        return (int) pending.values().stream().filter(done -> !done).count();
    }
}
