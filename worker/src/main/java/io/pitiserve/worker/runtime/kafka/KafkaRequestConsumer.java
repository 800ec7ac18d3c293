package io.pitiserve.worker.runtime.kafka;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.pitiserve.common.consumption.ConsumptionLoop;
import io.pitiserve.common.consumption.ConsumptionSettings;
import io.pitiserve.common.consumption.Subscription;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.runtime.job.JobAbandonedException;
import io.pitiserve.worker.runtime.job.JobOutcome;
import io.pitiserve.worker.runtime.job.JobRunner;
import io.pitiserve.worker.runtime.job.Retrier;
import io.pitiserve.worker.runtime.tracing.JobTracing;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The request lanes' consumer: a {@link ConsumptionLoop} over the lanes of every model the worker
 * serves, running each job on one of {@code concurrency} job threads and committing per partition
 * only the contiguous prefix of finished offsets.
 *
 * <p>The loop keeps one backlog per lane and starts the next record of the lanes in turn, so a burst
 * on one model's lane cannot hold back another's jobs by more than one job per lane; a lane with a
 * backlog is paused, and every lane while all job threads are busy, so polling, and with it group
 * membership, never stops.
 *
 * <p>Unreadable records (and events that do not belong here) are copied to the dead-letter topic
 * with the reason in a header; their offsets then count as finished. On revocation and on shutdown
 * it waits up to {@code drainTimeout} for the partitions' jobs in flight, commits what finished and
 * abandons the rest uncommitted, so another delivery runs them.
 */
public final class KafkaRequestConsumer implements SmartLifecycle {

    /** Starts after the control topic reader, stops before it. */
    public static final int PHASE = Integer.MAX_VALUE - 1000;

    private static final Logger log = LoggerFactory.getLogger(KafkaRequestConsumer.class);

    private final Map<String, PitiModel> models;
    private final EventCodec codec;
    private final JobRunner runner;
    private final KafkaEventPublisher publisher;
    private final Retrier retrier;
    private final JobTracing tracing;
    private final ConsumptionLoop loop;

    /** @param lanes the topics to consume, each with the model that runs its jobs */
    public KafkaRequestConsumer(Supplier<Consumer<byte[], byte[]>> consumers, Map<String, PitiModel> lanes,
                                EventCodec codec,
                                JobRunner runner, KafkaEventPublisher publisher, Retrier retrier, int concurrency,
                                Duration pollTimeout, Duration drainTimeout, JobTracing tracing, Clock clock) {
        this.models = Map.copyOf(lanes);
        this.codec = codec;
        this.runner = runner;
        this.publisher = publisher;
        this.retrier = retrier;
        this.tracing = tracing;
        this.loop = new ConsumptionLoop(consumers, Subscription.topics(lanes.keySet()),
                new ConsumptionSettings("pitiserve-requests", "pitiserve-job", concurrency, concurrency,
                        concurrency - 1, pollTimeout, drainTimeout, false),
                this::handle, clock);
    }

    @Override
    public void start() {
        loop.start();
    }

    @Override
    public void stop() {
        loop.stop();
    }

    @Override
    public boolean isRunning() {
        return loop.isRunning();
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /** Jobs (and dead letters) running now. */
    public int busy() {
        return loop.inFlight();
    }

    /** Runs one job on a job thread; whether its offset may be committed. */
    private boolean handle(ConsumerRecord<byte[], byte[]> record, BooleanSupplier abandoned) {
        String lane = record.topic();
        JobEvent event;
        try {
            if (record.value() == null) {
                throw new UnreadableEventException("the record has no value");
            }
            event = codec.decode(record.value(), headers(record));
        } catch (UnreadableEventException | RuntimeException e) {
            return deadLetter(record, "unreadable event: " + e.getMessage(), abandoned);
        }
        if (!(event instanceof TranslationRequested request)) {
            return deadLetter(record, "a " + event.type() + " event does not belong on " + lane, abandoned);
        }
        long receivedNanos = System.nanoTime();
        Span span = tracing.startJob(record.headers(), lane, request.jobId());
        JobOutcome outcome = null;
        try (Tracer.SpanInScope scope = tracing.inScope(span)) {
            outcome = runner.run(request, models.get(lane), span.context(), receivedNanos, abandoned);
        } catch (RuntimeException e) {
            // The runner turns every failure into an event; reaching here is a bug. Commit anyway so
            // that one broken job does not hold back its whole partition.
            MDC.put(JobRunner.MDC_JOB_ID, request.jobId());
            log.error("job ended without an outcome event", e);
            MDC.remove(JobRunner.MDC_JOB_ID);
            outcome = JobOutcome.FAILED;
        } finally {
            span.tag("pitiserve.outcome", outcome == null ? "none" : outcome.tag()).end();
        }
        return outcome != JobOutcome.ABANDONED;
    }

    /** Copies the record to the dead-letter topic; it is finished once there. */
    private boolean deadLetter(ConsumerRecord<byte[], byte[]> record, String reason, BooleanSupplier abandoned) {
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        log.warn("record {} goes to the dead-letter topic: {}", where, reason);
        try {
            retrier.run("dead-lettering " + where, () -> publisher.deadLetter(record, reason), abandoned);
            return true;
        } catch (JobAbandonedException e) {
            log.info("dead letter {} abandoned: {}", where, e.getMessage());
        } catch (RuntimeException e) {
            log.error("cannot dead-letter {}; it stays uncommitted", where, e);
        }
        return false;
    }

    private static Map<String, byte[]> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, byte[]> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value());
        }
        return headers;
    }
}
