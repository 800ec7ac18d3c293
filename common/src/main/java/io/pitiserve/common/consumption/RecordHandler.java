package io.pitiserve.common.consumption;

import java.time.Instant;
import java.util.function.BooleanSupplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What a {@link ConsumptionLoop} does with its records. */
public interface RecordHandler {

    /**
     * Handles one record on a handler thread. Returns whether the record is finished (its offset may
     * be committed); false leaves it uncommitted, so another delivery reads it again. A handler that
     * throws counts its record finished, so one broken record does not hold back its partition.
     *
     * @param abandoned turns true once the loop gave up waiting for the record (revocation or shutdown
     *                  drain timed out): the handler should stop early; its record stays uncommitted
     */
    boolean handle(ConsumerRecord<byte[], byte[]> record, BooleanSupplier abandoned);

    /**
     * On the polling thread, before the record starts: a time before which it must not start, or null.
     * The record's partition is then paused and read again from that record once the time has come.
     */
    default Instant notBefore(ConsumerRecord<byte[], byte[]> record) {
        return null;
    }

    /** On the polling thread: whether records may start now; while false every partition is paused. */
    default boolean accepting() {
        return true;
    }

    /** On the polling thread after each poll, with the consumer (gauges and the like). */
    default void afterPoll(Consumer<byte[], byte[]> consumer) {
    }
}
