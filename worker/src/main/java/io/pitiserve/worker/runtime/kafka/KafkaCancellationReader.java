package io.pitiserve.worker.runtime.kafka;

import io.pitiserve.common.consumption.ReplaySettings;
import io.pitiserve.common.consumption.TopicReplay;
import io.pitiserve.common.events.CancellationRequested;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.worker.runtime.job.CancelledJobs;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The set of cancelled job ids: a {@link TopicReplay} of the whole compacted control topic (every worker
 * sees every cancellation). A null value (tombstone) forgets a job.
 *
 * <p>"Caught up": a job that arrives at time T must not start while a cancellation published before T
 * is unread; {@link #awaitCaughtUp} is the replay's catch-up, which takes the end offsets after T through
 * a connection of its own so that it does not wait behind the reading connection's parked fetch.
 */
public final class KafkaCancellationReader implements SmartLifecycle, CancelledJobs {

    /** Starts before the requests consumer and stops after it. */
    public static final int PHASE = Integer.MAX_VALUE - 2000;

    private static final Logger log = LoggerFactory.getLogger(KafkaCancellationReader.class);
    private static final Duration POLL = Duration.ofMillis(50);

    private final EventCodec codec;
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    private final TopicReplay replay;

    /** @param consumers the replay's consumers ({@link TopicReplay#consumers}) */
    public KafkaCancellationReader(Supplier<Consumer<byte[], byte[]>> consumers, String topic, EventCodec codec) {
        this.codec = codec;
        this.replay = new TopicReplay(consumers, topic, new ReplaySettings("pitiserve-control", POLL, false),
                this::apply);
    }

    @Override
    public boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }

    @Override
    public boolean awaitCaughtUp(long sinceNanos, Duration max) {
        return replay.awaitCaughtUp(sinceNanos, max);
    }

    @Override
    public void start() {
        replay.start();
    }

    @Override
    public void stop() {
        replay.stop();
    }

    @Override
    public boolean isRunning() {
        return replay.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
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
