package io.pitiserve.common.consumption;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
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

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group mode of the consumption core: one consumer group member that consumes records as jobs, a
 * polling thread that owns the consumer and a pool of handler threads. (The other mode, {@link TopicReplay},
 * reads a whole topic on every instance, without a group.)
 *
 * <ul>
 *   <li>Polled records wait in one backlog per topic and start from the topics in turn, up to
 *       {@code maxInFlight} at a time.</li>
 *   <li>Per partition only the contiguous prefix of finished offsets is committed
 *       ({@link OffsetLedger}): asynchronously after each poll, synchronously on revocation and shutdown.</li>
 *   <li>Polling never stops (group membership depends on it); instead partitions are paused: all of them
 *       at the in-flight bound (until at most {@code resumeAt} are in flight) and while the handler is not
 *       {@linkplain RecordHandler#accepting() accepting}, those of a topic with a backlog, and a partition
 *       whose next record is {@linkplain RecordHandler#notBefore not due} until it is.</li>
 *   <li>On revocation and shutdown it waits up to {@code drainTimeout} for the partitions' records in
 *       flight, commits what finished and abandons the rest uncommitted, so another delivery handles them.
 *       Lost partitions are abandoned at once.</li>
 * </ul>
 */
public final class ConsumptionLoop {

    private static final Logger log = LoggerFactory.getLogger(ConsumptionLoop.class);

    /** One record handed to a handler thread. */
    private record InFlight(TopicPartition partition, long offset, CompletableFuture<Void> done,
                            AtomicBoolean abandoned) {
    }

    private final Subscription subscription;
    private final ConsumptionSettings settings;
    private final RecordHandler handler;
    private final Clock clock;
    private final PollingThread polling;

    private final OffsetLedger ledger = new OffsetLedger();
    private final Map<TopicPartition, Set<InFlight>> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger busy = new AtomicInteger();
    // Polling thread only.
    private final Backlogs<byte[], byte[]> backlogs = new Backlogs<>();
    private final Map<TopicPartition, Instant> notDueUntil = new HashMap<>();
    private boolean heldForLoad;

    private ExecutorService handlers;

    public ConsumptionLoop(Supplier<Consumer<byte[], byte[]>> consumers, Subscription subscription,
                           ConsumptionSettings settings, RecordHandler handler, Clock clock) {
        this.subscription = subscription;
        this.settings = settings;
        this.handler = handler;
        this.clock = clock;
        // A group member that fails is not restarted: its partitions go to the other members.
        this.polling = new PollingThread(settings.name(), settings.daemon(), consumers, null,
                "unfinished records stay uncommitted");
    }

    public synchronized void start() {
        if (polling.running()) {
            return;
        }
        AtomicInteger ids = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(settings.threads(), task -> {
            Thread t = new Thread(task, settings.handlerNames() + "-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        handlers = pool;
        polling.start(this::loop, pool::shutdown);
    }

    /** Stops polling, drains (up to the drain timeout), commits and closes the consumer. */
    public void stop() {
        polling.stop(settings.drainTimeout().plusSeconds(30));
    }

    public boolean isRunning() {
        return polling.running();
    }

    /** Records started and not done. */
    public int inFlight() {
        return busy.get();
    }

    private void loop(Consumer<byte[], byte[]> c) {
        subscription.subscribe(c, new Rebalance(c));
        while (polling.running()) {
            try {
                for (ConsumerRecord<byte[], byte[]> record : c.poll(settings.pollTimeout())) {
                    ledger.received(partitionOf(record), record.offset());
                    backlogs.add(record);
                }
            } catch (WakeupException e) {
                continue; // stopping: the loop condition decides
            }
            dispatch(c);
            commit(c, null, false);
            pauseAndResume(c);
            handler.afterPoll(c);
        }
        log.info("{} stopping: waiting up to {} for {} record(s) in flight", settings.name(),
                settings.drainTimeout(), busy.get());
        backlogs.clear();
        drain(new HashSet<>(inFlight.keySet()));
        commit(c, null, true);
    }

    private void dispatch(Consumer<byte[], byte[]> c) {
        if (!handler.accepting()) {
            return;
        }
        ConsumerRecord<byte[], byte[]> record;
        while (busy.get() < settings.maxInFlight() && (record = backlogs.next()) != null) {
            TopicPartition partition = partitionOf(record);
            if (!ledger.tracks(partition)) {
                continue; // revoked meanwhile
            }
            Instant due = handler.notBefore(record);
            if (due != null && due.isAfter(clock.instant())) {
                c.seek(partition, record.offset());
                c.pause(List.of(partition));
                notDueUntil.put(partition, due);
                backlogs.drop(List.of(partition));
                ledger.rewind(partition, record.offset());
                continue;
            }
            start(partition, record);
        }
    }

    private void start(TopicPartition partition, ConsumerRecord<byte[], byte[]> record) {
        InFlight entry = new InFlight(partition, record.offset(), new CompletableFuture<>(), new AtomicBoolean());
        inFlight.computeIfAbsent(partition, p -> ConcurrentHashMap.newKeySet()).add(entry);
        busy.incrementAndGet();
        handlers.execute(() -> {
            boolean finished = true;
            try {
                finished = handler.handle(record, entry.abandoned()::get);
            } catch (RuntimeException e) {
                log.error("record {}@{} failed in its handler; counting it finished", partition, record.offset(), e);
            } finally {
                // An abandoned record's partition may be someone else's by now, or ours again with a new ledger.
                if (finished && !entry.abandoned().get()) {
                    ledger.finished(partition, record.offset());
                }
                busy.decrementAndGet();
                Set<InFlight> set = inFlight.get(partition);
                if (set != null) {
                    set.remove(entry);
                }
                entry.done().complete(null);
            }
        });
    }

    /** Waits up to the drain timeout for the records in flight of {@code partitions}; abandons what is left. */
    private void drain(Collection<TopicPartition> partitions) {
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        List<InFlight> waiting = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            waiting.addAll(inFlight.getOrDefault(partition, Set.of()));
        }
        for (InFlight entry : waiting) {
            try {
                entry.done().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                log.warn("{}@{} not finished within {}; abandoning it uncommitted", entry.partition(), entry.offset(),
                        settings.drainTimeout());
                entry.abandoned().set(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                entry.abandoned().set(true);
            } catch (ExecutionException e) {
                // never completed exceptionally
            }
        }
    }

    private void commit(Consumer<byte[], byte[]> c, Collection<TopicPartition> only, boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> commits = ledger.toCommit(only);
        if (commits.isEmpty()) {
            return;
        }
        if (!sync) {
            c.commitAsync(commits, (committed, failure) -> {
                if (failure != null) {
                    log.warn("commit of {} failed, will try again: {}", committed, failure.getMessage());
                    ledger.commitFailed(commits.keySet());
                }
            });
            return;
        }
        try {
            c.commitSync(commits);
        } catch (WakeupException e) {
            // A stop woke the consumer outside a poll; the commit still matters.
            commitSyncQuietly(c, commits);
        } catch (KafkaException e) {
            log.warn("commit of {} failed: {}", commits, e.getMessage());
        }
    }

    private static void commitSyncQuietly(Consumer<byte[], byte[]> c, Map<TopicPartition, OffsetAndMetadata> commits) {
        try {
            c.commitSync(commits);
        } catch (KafkaException e) {
            log.warn("commit of {} failed: {}", commits, e.getMessage());
        }
    }

    /**
     * Pauses every partition at the in-flight bound and while the handler does not accept, else those
     * of a topic with a backlog and those not due yet; resumes the others.
     */
    private void pauseAndResume(Consumer<byte[], byte[]> c) {
        Instant now = clock.instant();
        notDueUntil.values().removeIf(due -> !due.isAfter(now));
        int running = busy.get();
        boolean accepting = handler.accepting();
        if (running >= settings.maxInFlight() || !accepting) {
            heldForLoad = true;
        } else if (running <= settings.resumeAt()) {
            heldForLoad = false;
        }
        List<TopicPartition> pause = new ArrayList<>();
        List<TopicPartition> resume = new ArrayList<>();
        Set<TopicPartition> paused = c.paused();
        for (TopicPartition partition : c.assignment()) {
            boolean hold = heldForLoad || backlogs.waiting(partition.topic()) || notDueUntil.containsKey(partition);
            if (hold && !paused.contains(partition)) {
                pause.add(partition);
            } else if (!hold && paused.contains(partition)) {
                resume.add(partition);
            }
        }
        if (!pause.isEmpty()) {
            c.pause(pause);
        }
        if (!resume.isEmpty()) {
            c.resume(resume);
        }
    }

    private static TopicPartition partitionOf(ConsumerRecord<?, ?> record) {
        return new TopicPartition(record.topic(), record.partition());
    }

    /** Runs on the polling thread, inside poll. */
    private final class Rebalance implements ConsumerRebalanceListener {

        private final Consumer<byte[], byte[]> c;

        Rebalance(Consumer<byte[], byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                log.info("{}: assigned {}", settings.name(), partitions);
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            log.info("{}: revoked {}; draining their records in flight", settings.name(), partitions);
            backlogs.drop(partitions);
            drain(partitions);
            commit(c, partitions, true);
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            log.warn("{}: lost {}; abandoning their records in flight uncommitted", settings.name(), partitions);
            backlogs.drop(partitions);
            for (TopicPartition partition : partitions) {
                inFlight.getOrDefault(partition, Set.of()).forEach(entry -> entry.abandoned().set(true));
            }
            forget(partitions);
        }

        private void forget(Collection<TopicPartition> partitions) {
            ledger.forget(partitions);
            partitions.forEach(inFlight::remove);
            partitions.forEach(notDueUntil::remove);
        }
    }
}
