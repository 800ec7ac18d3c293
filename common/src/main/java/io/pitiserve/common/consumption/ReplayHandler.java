package io.pitiserve.common.consumption;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** What a {@link TopicReplay} does with the records of its topic. */
@FunctionalInterface
public interface ReplayHandler {

    /**
     * On the polling thread, each record of the topic, in offset order per partition; after a failure the
     * replay starts over from the beginning, so a handler sees a record again and must absorb that (a
     * compacted topic's "latest value per key" does). A null value is a tombstone. A record the handler
     * throws on is logged and skipped, so one broken record does not stop the view.
     */
    void apply(ConsumerRecord<byte[], byte[]> record);

    /** On the polling thread, each time the replay has read up to end offsets it was asked to catch up to. */
    default void caughtUp() {
    }
}
