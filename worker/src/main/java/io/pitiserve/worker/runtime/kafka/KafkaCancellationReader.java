package io.pitiserve.worker.runtime.kafka;

import io.pitiserve.common.events.CancellationRequested;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.worker.runtime.job.CancelledJobs;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Reads the whole compacted control topic, from the beginning and without a consumer group (every
 * worker sees every cancellation), into the set of cancelled job ids. A null value (tombstone)
 * forgets a job.
 *
 * <p>"Caught up": a job that arrives at time T must not start while a cancellation published before T
 * is unread. A waiting job makes the reader take the end offsets after T and read up to them.
 *
 * <p>The end offsets are asked through a second consumer of its own connection. The broker answers
 * the requests of one connection strictly in order, and the reader's connection nearly always holds a
 * fetch parked at the broker for up to {@code fetch.max.wait.ms} (nothing new on the control topic):
 * asked there, every catch-up would first wait out that fetch.
 */
public final class KafkaCancellationReader implements SmartLifecycle, CancelledJobs {

    /** Starts before the requests consumer and stops after it. */
    public static final int PHASE = Integer.MAX_VALUE - 2000;

    private static final Logger log = LoggerFactory.getLogger(KafkaCancellationReader.class);
    private static final Duration POLL = Duration.ofMillis(50);

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final String topic;
    private final EventCodec codec;
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final Object caughtUp = new Object();
    // nanoTime instants; compared by difference. "Long ago" until the first wait and the first catch-up.
    private volatile long wantedSince = System.nanoTime() - (1L << 61);
    private volatile long caughtUpAt = wantedSince;
    private volatile boolean running;
    private volatile Consumer<byte[], byte[]> consumer;
    private Thread thread;

    public KafkaCancellationReader(Supplier<Consumer<byte[], byte[]>> consumers, String topic, EventCodec codec) {
        this.consumers = consumers;
        this.topic = topic;
        this.codec = codec;
    }

    @Override
    public boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }

    @Override
    public boolean awaitCaughtUp(long sinceNanos, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (caughtUp) {
            if (sinceNanos - wantedSince > 0) {
                wantedSince = sinceNanos;
                // Cut the reader's current poll short so the catch-up starts at once.
                Consumer<byte[], byte[]> current = consumer;
                if (current != null && caughtUpAt - sinceNanos < 0) {
                    current.wakeup();
                }
            }
            while (caughtUpAt - sinceNanos < 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !running) {
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

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::loop, "pitiserve-control");
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        Consumer<byte[], byte[]> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (caughtUp) {
            caughtUp.notifyAll();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    private void loop() {
        try (Consumer<byte[], byte[]> c = consumers.get(); Consumer<byte[], byte[]> endOffsets = consumers.get()) {
            consumer = c;
            List<TopicPartition> partitions = partitions(c);
            if (partitions == null) {
                return;
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> target = null;
            long targetTakenAt = 0;
            while (running) {
                try {
                    long wanted = wantedSince;
                    if (target == null && wanted - caughtUpAt > 0) {
                        targetTakenAt = System.nanoTime();
                        target = endOffsets.endOffsets(partitions);
                    }
                    // Already at the end offsets (the usual case): answer now, not after another poll.
                    if (target == null || !reached(c, target)) {
                        for (ConsumerRecord<byte[], byte[]> record : c.poll(POLL)) {
                            apply(record);
                        }
                    }
                    if (target != null && reached(c, target)) {
                        synchronized (caughtUp) {
                            caughtUpAt = targetTakenAt;
                            caughtUp.notifyAll();
                        }
                        target = null;
                    }
                } catch (WakeupException e) {
                    // A job started waiting for a catch-up (see awaitCaughtUp), or we are stopping:
                    // either way the loop condition decides.
                }
            }
        } catch (RuntimeException e) {
            log.error("control topic reader stopped: cancellations are no longer seen", e);
        } finally {
            consumer = null;
        }
    }

    private List<TopicPartition> partitions(Consumer<byte[], byte[]> c) {
        while (running) {
            List<PartitionInfo> infos = c.partitionsFor(topic);
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
            }
            log.warn("control topic {} does not exist yet; waiting for it", topic);
            try {
                TimeUnit.SECONDS.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private static boolean reached(Consumer<byte[], byte[]> c, Map<TopicPartition, Long> target) {
        for (Map.Entry<TopicPartition, Long> end : target.entrySet()) {
            if (c.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        if (record.value() == null) {
            if (record.key() != null) {
                cancelled.remove(new String(record.key(), StandardCharsets.UTF_8));
            }
            return;
        }
        Map<String, byte[]> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value());
        }
        try {
            JobEvent event = codec.decode(record.value(), headers);
            if (event instanceof CancellationRequested cancellation) {
                if (cancelled.add(cancellation.jobId())) {
                    log.info("job {} cancelled by its client", cancellation.jobId());
                }
            } else {
                log.warn("ignoring a {} event on the control topic at offset {}", event.type(), record.offset());
            }
        } catch (UnreadableEventException | RuntimeException e) {
            log.warn("ignoring an unreadable record on the control topic at {}-{}@{}: {}", record.topic(),
                    record.partition(), record.offset(), e.getMessage());
        }
    }
}
