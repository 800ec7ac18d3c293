package io.pitiserve.common.consumption;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replay mode of the consumption core: every instance reads a whole topic, typically a compacted
 * one it folds into a view of its own. It assigns itself all partitions the topic has when it starts
 * (waiting for a topic that does not exist yet), seeks to the beginning and hands each record, in offset
 * order per partition, to one {@link ReplayHandler} on the polling thread. No consumer group, so no
 * commits and no rebalances. A Kafka failure starts the replay over from the beginning after a pause;
 * {@link #stop} wakes the polling thread out of its poll. (The other mode, {@link ConsumptionLoop}, is a
 * consumer group member.)
 *
 * <p>"Caught up since T" ({@link #awaitCaughtUp}): the replay has read at least up to the end offsets
 * taken after the instant T, so every record published before T has been handed to the handler. Asking
 * for it makes the replay take the end offsets after T and read up to them.
 *
 * <p>The end offsets are asked through a second consumer of its own connection. The broker answers the
 * requests of one connection strictly in order, and the reading connection nearly always holds a fetch
 * parked at the broker for up to {@code fetch.max.wait.ms} (nothing new on the topic): asked there, every
 * catch-up would first wait out that fetch. That second connection stays open while the replay runs.
 */
public final class TopicReplay {

    private static final Logger log = LoggerFactory.getLogger(TopicReplay.class);
    private static final Duration RESTART_AFTER = Duration.ofSeconds(1);
    private static final Duration TOPIC_WAIT = Duration.ofMillis(500);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final String topic;
    private final ReplaySettings settings;
    private final ReplayHandler handler;
    private final PollingThread polling;
    private final Object caughtUp = new Object();
    // System.nanoTime() instants, compared by difference. "Long ago" until the first catch-up is asked and reached.
    private volatile long wantedSince = System.nanoTime() - (1L << 61);
    private volatile long caughtUpAt = wantedSince;
    // The consumer that asks for end offsets, while the replay runs: a stop wakes it too.
    private volatile Consumer<byte[], byte[]> asking;

    /** @param consumers makes the two consumers of a replay; see {@link #consumers(Map, String)} */
    public TopicReplay(Supplier<Consumer<byte[], byte[]>> consumers, String topic, ReplaySettings settings,
                       ReplayHandler handler) {
        this.consumers = consumers;
        this.topic = topic;
        this.settings = settings;
        this.handler = handler;
        this.polling = new PollingThread(settings.name(), settings.daemon(), consumers, RESTART_AFTER,
                "topic " + topic + " is no longer read");
    }

    /**
     * Consumers for a replay, from the application's consumer {@code properties}: no group (so no commits),
     * byte arrays, no topic created by asking for it (a view's topic is created with its own settings by
     * whoever owns it), and each a client id of its own, {@code clientIdPrefix} and a random suffix, as a
     * replay opens two.
     */
    public static Supplier<Consumer<byte[], byte[]>> consumers(Map<String, Object> properties, String clientIdPrefix) {
        Map<String, Object> config = new HashMap<>(properties);
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return () -> {
            Map<String, Object> own = new HashMap<>(config);
            own.put(ConsumerConfig.CLIENT_ID_CONFIG, clientIdPrefix + UUID.randomUUID());
            return new KafkaConsumer<>(own);
        };
    }

    public void start() {
        polling.start(this::replay, this::wakeWaiters);
    }

    /** Stops reading and closes the consumers; waiters for a catch-up get false. */
    public void stop() {
        polling.stop(STOP_TIMEOUT, () -> {
            Consumer<byte[], byte[]> current = asking;
            if (current != null) {
                current.wakeup();
            }
        });
        wakeWaiters();
    }

    public boolean isRunning() {
        return polling.running();
    }

    /** Whether the replay has read every record published before {@code sinceNanos} ({@link System#nanoTime()}). */
    public boolean caughtUp(long sinceNanos) {
        return caughtUpAt - sinceNanos >= 0;
    }

    /**
     * Asks the replay to read every record published before {@code sinceNanos} ({@link System#nanoTime()}),
     * without waiting for it.
     */
    public void catchUp(long sinceNanos) {
        synchronized (caughtUp) {
            if (sinceNanos - wantedSince > 0) {
                wantedSince = sinceNanos;
                if (!caughtUp(sinceNanos)) {
                    polling.wakeup(); // cut the current poll short so that the catch-up starts at once
                }
            }
        }
    }

    /**
     * Waits up to {@code max} until the replay has read every record published before {@code sinceNanos}
     * ({@link System#nanoTime()}).
     *
     * @return whether it caught up in time; false at once when the replay does not run
     */
    public boolean awaitCaughtUp(long sinceNanos, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (caughtUp) {
            catchUp(sinceNanos);
            while (!caughtUp(sinceNanos)) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !polling.running()) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(caughtUp, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    private void wakeWaiters() {
        synchronized (caughtUp) {
            caughtUp.notifyAll();
        }
    }

    /** The polling thread's body. */
    private void replay(Consumer<byte[], byte[]> reader) {
        List<TopicPartition> partitions = partitions(reader);
        if (partitions.isEmpty()) {
            return; // stopped while waiting for the topic
        }
        try (Consumer<byte[], byte[]> ends = consumers.get()) {
            asking = ends;
            reader.assign(partitions);
            reader.seekToBeginning(partitions);
            Map<TopicPartition, Long> target = null;
            long targetTakenAt = 0;
            while (polling.running()) {
                try {
                    if (target == null && wantedSince - caughtUpAt > 0) {
                        targetTakenAt = System.nanoTime();
                        target = endOffsets(ends, partitions);
                    }
                    // Already at the end offsets (the usual case): answer now, not after another poll.
                    if (target == null || !reached(reader, target)) {
                        for (ConsumerRecord<byte[], byte[]> record : reader.poll(settings.pollTimeout())) {
                            apply(record);
                        }
                    }
                    if (target != null && reached(reader, target)) {
                        synchronized (caughtUp) {
                            caughtUpAt = targetTakenAt;
                            caughtUp.notifyAll();
                        }
                        target = null;
                        caughtUp();
                    }
                } catch (WakeupException e) {
                    // A catch-up was asked for, or the replay stops: either way the loop condition decides.
                }
            }
        } finally {
            asking = null;
        }
    }

    /** The partitions' end offsets now; null when the broker does not answer in time (asked again next turn). */
    private Map<TopicPartition, Long> endOffsets(Consumer<byte[], byte[]> ends, List<TopicPartition> partitions) {
        try {
            return ends.endOffsets(partitions, METADATA_TIMEOUT);
        } catch (TimeoutException e) {
            log.warn("{}: no end offsets of {} within {}; asking again", settings.name(), topic, METADATA_TIMEOUT);
            return null;
        }
    }

    /** The topic's partitions, once it exists; none when stopped first. */
    private List<TopicPartition> partitions(Consumer<byte[], byte[]> reader) {
        boolean told = false;
        while (polling.running()) {
            List<PartitionInfo> infos;
            try {
                infos = reader.partitionsFor(topic, METADATA_TIMEOUT);
            } catch (WakeupException e) {
                continue; // a catch-up was asked for, or the replay stops
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
            }
            if (!told) {
                // Created by whichever application starts first.
                log.warn("{}: topic {} does not exist yet; waiting for it", settings.name(), topic);
                told = true;
            }
            polling.sleep(TOPIC_WAIT);
        }
        return List.of();
    }

    private void caughtUp() {
        try {
            handler.caughtUp();
        } catch (RuntimeException e) {
            log.warn("{}: its handler failed on a catch-up", settings.name(), e);
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        try {
            handler.apply(record);
        } catch (RuntimeException e) {
            // One broken record must not stop the view.
            log.warn("{}: skipping record {}-{}@{} that its handler failed on", settings.name(), record.topic(),
                    record.partition(), record.offset(), e);
        }
    }

    private static boolean reached(Consumer<byte[], byte[]> reader, Map<TopicPartition, Long> target) {
        for (Map.Entry<TopicPartition, Long> end : target.entrySet()) {
            if (reader.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }
}
