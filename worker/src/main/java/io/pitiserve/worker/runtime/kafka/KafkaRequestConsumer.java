package io.pitiserve.worker.runtime.kafka;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
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
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The request lanes' loop, on its own thread: polls the lanes of every model the worker serves
 * continuously, hands jobs to an executor of {@code concurrency} threads, and commits per partition
 * only the contiguous prefix of finished offsets.
 *
 * <p>Each lane has its own backlog of polled records, and a free slot takes the next record of the
 * lanes in turn, so a burst on one model's lane cannot hold back another's jobs by more than one job
 * per lane. A lane with a backlog is paused, and every lane while the executor is full, so polling,
 * and with it group membership, never stops.
 *
 * <p>Unreadable records (and events that do not belong here) are copied to the dead-letter topic
 * with the reason in a header; their offsets then count as finished. On revocation and on shutdown
 * it waits up to {@code drainTimeout} for the partitions' in-flight jobs, commits what finished and
 * abandons the rest uncommitted, so another delivery runs them.
 */
public final class KafkaRequestConsumer implements SmartLifecycle {

    /** Starts after the control topic reader, stops before it. */
    public static final int PHASE = Integer.MAX_VALUE - 1000;

    private static final Logger log = LoggerFactory.getLogger(KafkaRequestConsumer.class);

    /** One record handed to the executor. */
    private record InFlight(TopicPartition partition, long offset, CompletableFuture<Void> done, AtomicBoolean abandoned) {
        void abandon() {
            abandoned.set(true);
        }
    }

    private final Supplier<Consumer<byte[], byte[]>> consumers;
    private final Map<String, PitiModel> models;
    private final List<String> lanes;
    private final EventCodec codec;
    private final JobRunner runner;
    private final KafkaEventPublisher publisher;
    private final Retrier retrier;
    private final int concurrency;
    private final Duration pollTimeout;
    private final Duration drainTimeout;
    private final JobTracing tracing;

    private final Map<TopicPartition, PartitionOffsets> offsets = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Set<InFlight>> inFlight = new ConcurrentHashMap<>();
    /** Polled records not yet started, per lane, in the order the lanes are taken in turn. */
    private final Map<String, Deque<ConsumerRecord<byte[], byte[]>>> backlogs = new LinkedHashMap<>();
    private int nextLane;
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicInteger threadIds = new AtomicInteger();
    private final ExecutorService jobs;
    private final ExecutorService deadLetters;
    private volatile boolean running;
    private Thread thread;

    /** @param lanes the topics to consume, each with the model that runs its jobs */
    public KafkaRequestConsumer(Supplier<Consumer<byte[], byte[]>> consumers, Map<String, PitiModel> lanes,
                                EventCodec codec,
                                JobRunner runner, KafkaEventPublisher publisher, Retrier retrier, int concurrency,
                                Duration pollTimeout, Duration drainTimeout, JobTracing tracing) {
        this.consumers = consumers;
        this.tracing = tracing;
        this.models = Map.copyOf(lanes);
        this.lanes = List.copyOf(lanes.keySet());
        this.lanes.forEach(lane -> backlogs.put(lane, new ArrayDeque<>()));
        this.codec = codec;
        this.runner = runner;
        this.publisher = publisher;
        this.retrier = retrier;
        this.concurrency = concurrency;
        this.pollTimeout = pollTimeout;
        this.drainTimeout = drainTimeout;
        this.jobs = Executors.newFixedThreadPool(concurrency, task -> {
            Thread t = new Thread(task, "pitiserve-job-" + threadIds.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.deadLetters = Executors.newSingleThreadExecutor(task -> {
            Thread t = new Thread(task, "pitiserve-dead-letter");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::loop, "pitiserve-requests");
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            try {
                thread.join(drainTimeout.toMillis() + TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
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

    /** Jobs running now. */
    public int busy() {
        return busy.get();
    }

    private void loop() {
        try (Consumer<byte[], byte[]> consumer = consumers.get()) {
            consumer.subscribe(lanes, new Rebalance(consumer));
            while (running) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(pollTimeout);
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
                    offsets.computeIfAbsent(partition, p -> new PartitionOffsets()).received(record.offset());
                    backlogs.get(record.topic()).add(record);
                }
                dispatch();
                commit(consumer, offsets.keySet(), false);
                pauseWhileFull(consumer);
            }
            log.info("worker stopping: waiting up to {} for {} job(s) in flight", drainTimeout, busy.get());
            backlogs.values().forEach(Deque::clear);
            drain(new HashSet<>(inFlight.keySet()));
            commit(consumer, offsets.keySet(), true);
        } catch (KafkaException e) {
            log.error("requests consumer stopped on a Kafka error; unfinished jobs stay uncommitted", e);
        } catch (RuntimeException e) {
            log.error("requests consumer stopped unexpectedly; unfinished jobs stay uncommitted", e);
        } finally {
            jobs.shutdown();
            deadLetters.shutdown();
            running = false;
        }
    }

    /** The next polled record of the lanes in turn, or null when no lane has one. */
    private ConsumerRecord<byte[], byte[]> nextRecord() {
        for (int i = 0; i < lanes.size(); i++) {
            String lane = lanes.get(nextLane);
            nextLane = (nextLane + 1) % lanes.size();
            ConsumerRecord<byte[], byte[]> record = backlogs.get(lane).poll();
            if (record != null) {
                return record;
            }
        }
        return null;
    }

    private void dispatch() {
        ConsumerRecord<byte[], byte[]> next;
        while (busy.get() < concurrency && (next = nextRecord()) != null) {
            ConsumerRecord<byte[], byte[]> record = next;
            String lane = record.topic();
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            PartitionOffsets tracker = offsets.get(partition);
            if (tracker == null) {
                continue; // revoked meanwhile
            }
            Map<String, byte[]> headers = headers(record);
            JobEvent event;
            try {
                if (record.value() == null) {
                    throw new UnreadableEventException("the record has no value");
                }
                event = codec.decode(record.value(), headers);
            } catch (UnreadableEventException | RuntimeException e) {
                deadLetter(record, partition, tracker, "unreadable event: " + e.getMessage());
                continue;
            }
            if (!(event instanceof TranslationRequested request)) {
                deadLetter(record, partition, tracker, "a " + event.type() + " event does not belong on "
                        + record.topic());
                continue;
            }
            Span span = tracing.startJob(record.headers(), lane, request.jobId());
            InFlight job = track(partition, record.offset());
            busy.incrementAndGet();
            long receivedNanos = System.nanoTime();
            jobs.execute(() -> {
                JobOutcome outcome = null;
                try (Tracer.SpanInScope scope = tracing.inScope(span)) {
                    outcome = runner.run(request, models.get(lane), span.context(), receivedNanos, job.abandoned()::get);
                } catch (RuntimeException e) {
                    // The runner turns every failure into an event; reaching here is a bug. Commit anyway so
                    // that one broken job does not hold back its whole partition.
                    MDC.put(JobRunner.MDC_JOB_ID, request.jobId());
                    log.error("job ended without an outcome event", e);
                    MDC.remove(JobRunner.MDC_JOB_ID);
                    outcome = JobOutcome.FAILED;
                } finally {
                    span.tag("pitiserve.outcome", outcome == null ? "none" : outcome.tag()).end();
                    if (outcome != null && outcome != JobOutcome.ABANDONED) {
                        tracker.finished(record.offset());
                    }
                    busy.decrementAndGet();
                    untrack(job);
                }
            });
        }
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> record, TopicPartition partition, PartitionOffsets tracker,
                            String reason) {
        log.warn("record {}@{} goes to the dead-letter topic: {}", partition, record.offset(), reason);
        InFlight letter = track(partition, record.offset());
        deadLetters.execute(() -> {
            try {
                retrier.run("dead-lettering " + partition + "@" + record.offset(),
                        () -> publisher.deadLetter(record, reason), letter.abandoned()::get);
                tracker.finished(record.offset());
            } catch (JobAbandonedException e) {
                log.info("dead letter {}@{} abandoned: {}", partition, record.offset(), e.getMessage());
            } catch (RuntimeException e) {
                log.error("cannot dead-letter {}@{}; it stays uncommitted", partition, record.offset(), e);
            } finally {
                untrack(letter);
            }
        });
    }

    private InFlight track(TopicPartition partition, long offset) {
        InFlight entry = new InFlight(partition, offset, new CompletableFuture<>(), new AtomicBoolean());
        inFlight.computeIfAbsent(partition, p -> ConcurrentHashMap.newKeySet()).add(entry);
        return entry;
    }

    private void untrack(InFlight entry) {
        Set<InFlight> set = inFlight.get(entry.partition());
        if (set != null) {
            set.remove(entry);
        }
        entry.done().complete(null);
    }

    /** Waits up to the drain timeout for the in-flight work of {@code partitions}; abandons what is left. */
    private void drain(Collection<TopicPartition> partitions) {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        List<InFlight> waiting = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            waiting.addAll(inFlight.getOrDefault(partition, Set.of()));
        }
        for (InFlight entry : waiting) {
            long left = deadline - System.nanoTime();
            try {
                entry.done().get(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                log.warn("{}@{} not finished within {}; abandoning it uncommitted", entry.partition(), entry.offset(),
                        drainTimeout);
                entry.abandon();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                entry.abandon();
            } catch (ExecutionException e) {
                // never completed exceptionally
            }
        }
    }

    private void commit(Consumer<byte[], byte[]> consumer, Collection<TopicPartition> partitions, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        for (TopicPartition partition : partitions) {
            PartitionOffsets tracker = offsets.get(partition);
            if (tracker != null) {
                tracker.toCommit().ifPresent(offset -> commits.put(partition, new OffsetAndMetadata(offset)));
            }
        }
        if (commits.isEmpty()) {
            return;
        }
        commits.forEach((partition, offset) -> offsets.get(partition).committed(offset.offset()));
        if (sync) {
            try {
                consumer.commitSync(commits);
            } catch (KafkaException e) {
                log.warn("commit of {} failed: {}", commits, e.getMessage());
            }
        } else {
            consumer.commitAsync(commits, (committed, failure) -> {
                if (failure != null) {
                    log.warn("commit of {} failed, will try again: {}", committed, failure.getMessage());
                    commits.keySet().forEach(partition -> {
                        PartitionOffsets tracker = offsets.get(partition);
                        if (tracker != null) {
                            tracker.commitFailed();
                        }
                    });
                }
            });
        }
    }

    /** Pauses every lane while the executor is full, else the lanes that have a backlog; resumes the others. */
    private void pauseWhileFull(Consumer<byte[], byte[]> consumer) {
        boolean full = busy.get() >= concurrency;
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        Set<TopicPartition> paused = consumer.paused();
        for (TopicPartition partition : consumer.assignment()) {
            boolean hold = full || !backlogs.get(partition.topic()).isEmpty();
            if (hold && !paused.contains(partition)) {
                pause.add(partition);
            } else if (!hold && paused.contains(partition)) {
                resume.add(partition);
            }
        }
        if (!pause.isEmpty()) {
            consumer.pause(pause);
        }
        if (!resume.isEmpty()) {
            consumer.resume(resume);
        }
    }

    private void forgetBacklog(Collection<TopicPartition> partitions) {
        backlogs.values().forEach(backlog -> backlog.removeIf(
                record -> partitions.contains(new TopicPartition(record.topic(), record.partition()))));
    }

    private static Map<String, byte[]> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, byte[]> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value());
        }
        return headers;
    }

    /** Runs on the consumer thread, inside poll. */
    private final class Rebalance implements ConsumerRebalanceListener {

        private final Consumer<byte[], byte[]> consumer;

        Rebalance(Consumer<byte[], byte[]> consumer) {
            this.consumer = consumer;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                log.info("assigned {}", partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            log.info("revoked {}: draining in-flight jobs", partitions);
            forgetBacklog(partitions);
            drain(partitions);
            commit(consumer, partitions, true);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            log.warn("lost {}: abandoning their in-flight jobs uncommitted", partitions);
            forgetBacklog(partitions);
            for (TopicPartition partition : partitions) {
                inFlight.getOrDefault(partition, Set.of()).forEach(InFlight::abandon);
            }
            forget(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            for (TopicPartition partition : partitions) {
                offsets.remove(partition);
                inFlight.remove(partition);
            }
        }
    }
}
