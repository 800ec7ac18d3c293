package io.pitiserve.worker.scheduler;

import ai.djl.ndarray.NDManager;
import io.pitiserve.worker.engine.CallShape;
import io.pitiserve.worker.engine.DenoisingStep;
import io.pitiserve.worker.engine.DeviceMemory;
import io.pitiserve.worker.engine.EngineJob;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Stage;
import io.pitiserve.worker.engine.StageKind;
import io.pitiserve.worker.engine.Trajectory;
import io.pitiserve.worker.engine.TranslationCancelledException;
import io.pitiserve.worker.engine.WorkerStoppingException;
import io.pitiserve.worker.engine.TranslationResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Step-level continuous batching: per loaded model and stage, a running batch of samples, each at
 * its own step of its own schedule, advanced by one {@link DenoisingStep} per round. A job joins a
 * stage's batch at the next step boundary and leaves it at the step it finishes; the two stages run
 * on their own threads ("lanes"), so the base stage of new jobs overlaps the upsampling of older ones.
 *
 * <p>Admission into the base stage follows a {@link FairQueue} (strict priority, then weighted fair
 * share across tenants) up to {@link SchedulerSettings#maxJobs()} jobs in flight and the stage's
 * {@link StageLimits#maxRows()}; a job whose base stage ends enters the upsampler's queue with its
 * quantised image. Each lane steps the models it holds in turn, one step each. Cancellation and
 * deadlines drop a job at the next step boundary and free its rows at once. A step that runs out of
 * device memory is run again with decoder calls of half the rows (remembered for that model and
 * stage), so no job is lost to it. With {@link SchedulerSettings#fixedCallShape()} every decoder call
 * of a stage has the same number of rows, so results do not depend on the batch.
 *
 * <p>The lanes decide what runs; with {@link SchedulerSettings#computeThreads()} above zero the work
 * itself (encoding and the decoder calls, one group of up to a stage's call rows per task, a job
 * never split) runs on that many compute threads shared by both stages, so every thread has work
 * whenever either stage has more than one group, however uneven the two stages' costs are.
 */
public final class StepScheduler implements AutoCloseable {

    /** Counters of one stage since start. */
    public record StageStats(long steps, long calls, long rows, long paddingRows, long outOfMemorySplits) {
    }

    /** A snapshot of the scheduler. */
    public record Stats(StageStats base, StageStats upsampler, int waiting, int admitted) {
    }

    private static final Logger log = LoggerFactory.getLogger(StepScheduler.class);
    private static final long IDLE_WAIT_MILLIS = 50;

    private final SchedulerSettings settings;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final FairQueue<Ticket> waiting;
    private final Deque<Ticket> upsamplerQueue = new ArrayDeque<>();
    private final Lane base;
    private final Lane upsampler;
    /** Runs encodings and decoder call groups for both lanes; null: each lane runs its own. */
    private final ExecutorService compute;
    private final ComputeThreads computeThreads = new ComputeThreads();
    /** Jobs of single-pass models: one forward each, beside the lanes. */
    private final SinglePassLane singlePass;
    private int admitted;
    private long sequence;
    private volatile boolean open = true;

    public StepScheduler(SchedulerSettings settings) {
        this(settings, Clock.systemUTC());
    }

    public StepScheduler(SchedulerSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.waiting = new FairQueue<>(settings.tenantWeights());
        this.compute = settings.computeThreads() == 0 ? null : Executors.newFixedThreadPool(settings.computeThreads(),
                computeThreads);
        this.base = new Lane(StageKind.BASE);
        this.upsampler = new Lane(StageKind.UPSAMPLER);
        this.singlePass = new SinglePassLane(clock);
        base.thread.start();
        upsampler.thread.start();
    }

    public SchedulerSettings settings() {
        return settings;
    }

    /** Whether both lanes run and jobs are taken (false once closed or after a lane failed). */
    public boolean isRunning() {
        return open;
    }

    /**
     * Queues a job; the future completes with its result, or exceptionally with
     * {@link TranslationCancelledException} (cancelled, or the scheduler closed),
     * {@link DeadlineExceededException}, or the engine's failure.
     *
     * @throws IllegalArgumentException when the request does not fit its model (nothing is queued)
     * @throws IllegalStateException    when the scheduler is closed
     */
    public CompletableFuture<TranslationResult> submit(JobSpec spec) {
        if (spec.model().singlePass()) {
            if (!open) {
                throw new IllegalStateException("the scheduler is closed");
            }
            return singlePass.submit(spec);
        }
        EngineJob job = EngineJob.prepare(spec.model(), spec.request());
        lock.lock();
        try {
            if (!open) {
                throw new IllegalStateException("the scheduler is closed");
            }
            Ticket ticket = new Ticket(spec, job, sequence++);
            waiting.add(ticket);
            changed.signalAll();
            return ticket.result;
        } finally {
            lock.unlock();
        }
    }

    /** Submits {@code spec} and waits for its result, rethrowing the failure the future completed with. */
    public TranslationResult run(JobSpec spec) {
        try {
            return submit(spec).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw e;
        }
    }

    public Stats stats() {
        lock.lock();
        try {
            return new Stats(base.stats(), upsampler.stats(), waiting.size(), admitted);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops both lanes after their current step and waits for the compute threads to end; jobs not
     * finished complete with {@link WorkerStoppingException}. After it returns no forward runs for
     * this scheduler, so the models it ran may be closed.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            open = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        // The lanes end after their current step, whose forwards they await: once both are joined no
        // compute task runs. An interrupt does not cut this short (it is kept for the caller).
        boolean interrupted = false;
        for (Lane lane : List.of(base, upsampler)) {
            while (lane.thread.isAlive()) {
                try {
                    lane.thread.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        singlePass.close();
        if (compute != null) {
            compute.shutdown();
            while (!compute.isTerminated()) {
                try {
                    compute.awaitTermination(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            interrupted |= computeThreads.joinAll();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        List<Ticket> left = new ArrayList<>();
        lock.lock();
        try {
            left.addAll(waiting.removeIf(ticket -> true));
            left.addAll(upsamplerQueue);
            upsamplerQueue.clear();
        } finally {
            lock.unlock();
        }
        for (Ticket ticket : left) {
            ticket.job.close();
            ticket.result.completeExceptionally(new WorkerStoppingException("the worker is stopping"));
        }
    }

    /** Daemon compute threads, numbered; each releases its step workspace as it ends (the pool shut down). */
    private static final class ComputeThreads implements java.util.concurrent.ThreadFactory {
        private final AtomicInteger count = new AtomicInteger();
        private final List<Thread> started = new java.util.concurrent.CopyOnWriteArrayList<>();

        /**
         * Waits until every thread made has ended, its workspace released: a terminated pool may
         * still have threads finishing.
         */
        boolean joinAll() {
            boolean interrupted = false;
            for (Thread thread : started) {
                while (thread.isAlive()) {
                    try {
                        thread.join();
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
            }
            return interrupted;
        }

        @Override
        public Thread newThread(Runnable runnable) {
            Runnable releasing = () -> {
                try {
                    runnable.run();
                } finally {
                    DenoisingStep.releaseWorkspace();
                }
            };
            Thread thread = new Thread(releasing, "pitiserve-scheduler-compute-" + count.incrementAndGet());
            thread.setDaemon(true);
            started.add(thread);
            return thread;
        }
    }

    /** Runs {@code work} on a compute thread and waits for it (on the calling thread without compute threads). */
    private <T> CompletableFuture<T> onCompute(Supplier<T> work) {
        if (compute == null) {
            try {
                return CompletableFuture.completedFuture(work.get());
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return CompletableFuture.supplyAsync(work, compute);
    }

    private static <T> T await(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /** Why {@code ticket} must stop now, or null. Runs under the lock or on the ticket's lane. */
    private RuntimeException dropReason(Ticket ticket, StageKind stage) {
        String where = ticket.trajectories.isEmpty() ? "before it started"
                : "during the " + stage.label() + " stage at step " + ticket.trajectories.get(0).stepsTaken() + " of "
                + ticket.trajectories.get(0).totalSteps();
        boolean cancelled;
        try {
            cancelled = ticket.spec.cancelled().getAsBoolean();
        } catch (RuntimeException e) {
            cancelled = false;
        }
        if (cancelled) {
            return new TranslationCancelledException("cancelled " + where);
        }
        if (ticket.spec.deadline() != null && clock.instant().isAfter(ticket.spec.deadline())) {
            return new DeadlineExceededException("deadline " + ticket.spec.deadline() + " passed " + where);
        }
        return null;
    }

    /** One queued or running job. */
    private static final class Ticket implements FairQueue.Entry {
        final JobSpec spec;
        final EngineJob job;
        final long sequence;
        final CompletableFuture<TranslationResult> result = new CompletableFuture<>();
        List<Trajectory> trajectories = List.of();
        long forwardNanos;

        Ticket(JobSpec spec, EngineJob job, long sequence) {
            this.spec = spec;
            this.job = job;
            this.sequence = sequence;
        }

        @Override
        public String tenant() {
            return spec.tenant();
        }

        @Override
        public int priority() {
            return spec.priority();
        }

        @Override
        public long sequence() {
            return sequence;
        }

        @Override
        public double cost() {
            return (double) job.baseRows() * job.baseSteps() + (double) job.upsamplerRows() * job.upsamplerSteps();
        }

        boolean done() {
            for (Trajectory trajectory : trajectories) {
                if (!trajectory.finished()) {
                    return false;
                }
            }
            return true;
        }
    }

    /** One model's running batch in one stage. */
    private static final class Batch {
        final PitiModel model;
        final List<Ticket> jobs = new ArrayList<>();
        final NDManager steps;
        CallShape shape;
        int rows;

        Batch(PitiModel model, CallShape shape) {
            this.model = model;
            this.shape = shape;
            this.steps = NDManager.newBaseManager(model.device());
        }
    }

    /** The thread of one stage: admits, drops, steps one model's batch per round, hands over or finishes. */
    private final class Lane implements Runnable {
        final StageKind kind;
        final Thread thread;
        final StageLimits limits;
        final Map<PitiModel, Batch> batches = new LinkedHashMap<>();
        final AtomicLong steps = new AtomicLong();
        final AtomicLong calls = new AtomicLong();
        final AtomicLong rows = new AtomicLong();
        final AtomicLong padding = new AtomicLong();
        final AtomicLong splits = new AtomicLong();
        /** Jobs in this lane (admitted, not yet left); changed under the lock. */
        int jobs;
        int turn;

        Lane(StageKind kind) {
            this.kind = kind;
            this.limits = settings.limits(kind);
            this.thread = new Thread(this, "pitiserve-scheduler-" + kind.label());
            thread.setDaemon(true);
        }

        StageStats stats() {
            return new StageStats(steps.get(), calls.get(), rows.get(), padding.get(), splits.get());
        }

        @Override
        public void run() {
            try {
                while (true) {
                    List<Ticket> entering;
                    List<Ticket> dropped = new ArrayList<>();
                    lock.lock();
                    try {
                        if (!open) {
                            break;
                        }
                        dropQueued(dropped);
                        entering = admit();
                        if (entering.isEmpty() && jobs == 0 && dropped.isEmpty()) {
                            changed.await(IDLE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                            continue;
                        }
                    } finally {
                        lock.unlock();
                    }
                    dropped.forEach(ticket -> fail(ticket, dropReasonOrStop(ticket), false));
                    enter(entering);
                    dropRunning();
                    Batch batch = nextBatch();
                    if (batch != null) {
                        step(batch);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                log.error("the {} lane of the scheduler stopped unexpectedly; failing every job it holds", kind.label(),
                        e);
                crashed(e);
            } finally {
                // Steps ran on this thread when there are no compute threads.
                DenoisingStep.releaseWorkspace();
                for (Batch batch : batches.values()) {
                    for (Ticket ticket : List.copyOf(batch.jobs)) {
                        fail(ticket, new WorkerStoppingException("the worker is stopping"), true);
                    }
                    batch.steps.close();
                }
            }
        }

        /** A lane that died takes no more work: nothing queued may wait for it forever. */
        private void crashed(Throwable cause) {
            List<Ticket> left = new ArrayList<>();
            lock.lock();
            try {
                open = false;
                left.addAll(waiting.removeIf(ticket -> true));
                left.addAll(upsamplerQueue);
                upsamplerQueue.clear();
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            for (Ticket ticket : left) {
                ticket.job.close();
                ticket.result.completeExceptionally(new IllegalStateException("the scheduler stopped: " + cause, cause));
            }
        }

        private RuntimeException dropReasonOrStop(Ticket ticket) {
            RuntimeException reason = dropReason(ticket, kind);
            return reason != null ? reason : new WorkerStoppingException("the worker is stopping");
        }

        /** Under the lock: takes cancelled or expired jobs out of this lane's queue. */
        private void dropQueued(List<Ticket> dropped) {
            if (kind == StageKind.BASE) {
                dropped.addAll(waiting.removeIf(ticket -> dropReason(ticket, kind) != null));
            } else {
                for (Iterator<Ticket> it = upsamplerQueue.iterator(); it.hasNext(); ) {
                    Ticket ticket = it.next();
                    if (dropReason(ticket, kind) != null) {
                        it.remove();
                        dropped.add(ticket);
                    }
                }
            }
        }

        /** Under the lock: the jobs that enter this lane's batches at this step boundary. */
        private List<Ticket> admit() {
            List<Ticket> entering = new ArrayList<>();
            if (kind == StageKind.BASE) {
                while (admitted < settings.maxJobs()) {
                    if (settings.policy() == StagePolicy.LATENCY && (!upsamplerQueue.isEmpty() || upsampler.jobs > 0)) {
                        break;
                    }
                    Ticket next = waiting.poll(this::fits);
                    if (next == null) {
                        break;
                    }
                    admitted++;
                    reserve(next, entering);
                }
            } else {
                for (Iterator<Ticket> it = upsamplerQueue.iterator(); it.hasNext(); ) {
                    Ticket ticket = it.next();
                    if (fits(ticket)) {
                        it.remove();
                        reserve(ticket, entering);
                    }
                }
            }
            return entering;
        }

        private boolean fits(Ticket ticket) {
            Batch batch = batches.get(ticket.spec.model());
            int used = batch == null ? 0 : batch.rows;
            return used == 0 || used + ticket.job.rows(kind) <= limits.maxRows();
        }

        private void reserve(Ticket ticket, List<Ticket> entering) {
            batch(ticket.spec.model()).rows += ticket.job.rows(kind);
            jobs++;
            entering.add(ticket);
        }

        private Batch batch(PitiModel model) {
            return batches.computeIfAbsent(model, m -> new Batch(m,
                    new CallShape(limits.callRows(), settings.fixedCallShape(), settings.deviceRowLimit())));
        }

        /**
         * On this lane: reserved jobs join their batches; the base stage encodes their inputs first, all
         * at once on the compute threads.
         */
        private void enter(List<Ticket> entering) {
            List<CompletableFuture<List<Trajectory>>> started = new ArrayList<>();
            for (Ticket ticket : entering) {
                started.add(kind == StageKind.BASE ? onCompute(() -> ticket.spec.model().guarded(ticket.job::startBase))
                        : CompletableFuture.completedFuture(ticket.trajectories));
            }
            for (int k = 0; k < entering.size(); k++) {
                Ticket ticket = entering.get(k);
                try {
                    ticket.trajectories = await(started.get(k));
                    batch(ticket.spec.model()).jobs.add(ticket);
                } catch (RuntimeException e) {
                    batch(ticket.spec.model()).rows -= ticket.job.rows(kind);
                    fail(ticket, e, true);
                }
            }
        }

        private void dropRunning() {
            for (Batch batch : batches.values()) {
                for (Ticket ticket : List.copyOf(batch.jobs)) {
                    RuntimeException reason = dropReason(ticket, kind);
                    if (reason != null) {
                        leave(batch, ticket);
                        fail(ticket, reason, true);
                    }
                }
            }
        }

        private Batch nextBatch() {
            List<Batch> busy = new ArrayList<>();
            for (Batch batch : batches.values()) {
                if (!batch.jobs.isEmpty()) {
                    busy.add(batch);
                }
            }
            if (busy.isEmpty()) {
                return null;
            }
            return busy.get(Math.floorMod(turn++, busy.size()));
        }

        /**
         * One step of every job of {@code batch}: its jobs cut into call groups of up to the batch's
         * call rows (a job never split), the groups run on the compute threads. A group that runs out
         * of device memory changes none of its jobs: the failed groups run again with calls of half
         * the rows (remembered), down to one row; any other failure fails that group's jobs only.
         */
        private void step(Batch batch) {
            List<Ticket> pending = List.copyOf(batch.jobs);
            long forwardNanos = 0;
            int callCount = 0;
            int rowCount = 0;
            int paddingCount = 0;
            while (!pending.isEmpty()) {
                List<List<Ticket>> groups = groups(pending, batch.shape);
                CallShape shape = batch.shape;
                Stage stage = batch.model.stage(kind);
                List<CompletableFuture<DenoisingStep.Timing>> runs = new ArrayList<>();
                for (List<Ticket> group : groups) {
                    List<Trajectory> trajectories = new ArrayList<>();
                    group.forEach(ticket -> trajectories.addAll(ticket.trajectories));
                    runs.add(onCompute(() -> batch.model.guarded(
                            () -> DenoisingStep.run(stage, trajectories, batch.steps, shape))));
                }
                List<Ticket> failed = new ArrayList<>();
                RuntimeException failure = null;
                boolean outOfMemory = true;
                int triedRows = 0;
                for (int g = 0; g < groups.size(); g++) {
                    List<Ticket> group = groups.get(g);
                    DenoisingStep.Timing timing;
                    try {
                        timing = await(runs.get(g));
                    } catch (RuntimeException e) {
                        failed.addAll(group);
                        failure = failure == null ? e : failure;
                        outOfMemory &= DeviceMemory.isOutOfMemory(e);
                        int groupRows = group.stream().mapToInt(ticket -> ticket.job.rows(kind)).sum();
                        triedRows = Math.max(triedRows, shape.padded() ? shape.rowsPerCall()
                                : Math.min(shape.rowsPerCall(), groupRows));
                        continue;
                    }
                    forwardNanos += timing.forwardNanos();
                    callCount += timing.calls();
                    rowCount += timing.rows();
                    paddingCount += timing.paddingRows();
                    for (Ticket ticket : group) {
                        ticket.forwardNanos += timing.forwardNanos() * ticket.job.rows(kind) / Math.max(1, timing.rows());
                    }
                }
                if (failed.isEmpty()) {
                    break;
                }
                if (outOfMemory && triedRows > 1) {
                    batch.shape = batch.shape.withRowsPerCall(Math.max(1, triedRows / 2));
                    splits.incrementAndGet();
                    log.warn("{} step of {} rows ran out of device memory with calls of {} rows; retrying {} job(s) "
                                    + "with calls of {} rows: {}", kind.label(), batch.rows, triedRows, failed.size(),
                            batch.shape.rowsPerCall(), failure.getMessage());
                    pending = failed;
                    continue;
                }
                log.error("{} step of {} job(s) failed; failing them", kind.label(), failed.size(), failure);
                for (Ticket ticket : failed) {
                    leave(batch, ticket);
                    fail(ticket, failure, true);
                }
                break;
            }
            steps.incrementAndGet();
            calls.addAndGet(callCount);
            rows.addAndGet(rowCount);
            padding.addAndGet(paddingCount);
            for (Ticket ticket : List.copyOf(batch.jobs)) {
                Trajectory first = ticket.trajectories.get(0);
                try {
                    ticket.spec.progress().onStep(kind, first.stepsTaken(), first.totalSteps());
                } catch (RuntimeException e) {
                    log.warn("progress listener of job {} failed: {}", ticket.spec.jobId(), e.toString());
                }
                if (ticket.done()) {
                    leave(batch, ticket);
                    finishStage(ticket);
                }
            }
        }

        /**
         * The jobs cut into call groups in order: as many jobs as fit {@code shape}'s rows per call (a
         * larger job alone); without compute threads, one group (the lane runs the calls itself).
         */
        private List<List<Ticket>> groups(List<Ticket> jobs, CallShape shape) {
            if (compute == null) {
                return List.of(jobs);
            }
            List<List<Ticket>> groups = new ArrayList<>();
            List<Ticket> current = new ArrayList<>();
            int currentRows = 0;
            for (Ticket ticket : jobs) {
                int jobRows = ticket.job.rows(kind);
                if (!current.isEmpty() && currentRows + jobRows > shape.rowsPerCall()) {
                    groups.add(current);
                    current = new ArrayList<>();
                    currentRows = 0;
                }
                current.add(ticket);
                currentRows += jobRows;
            }
            if (!current.isEmpty()) {
                groups.add(current);
            }
            return groups;
        }

        private void leave(Batch batch, Ticket ticket) {
            batch.jobs.remove(ticket);
            batch.rows -= ticket.job.rows(kind);
        }

        private void finishStage(Ticket ticket) {
            if (kind == StageKind.BASE) {
                List<Trajectory> next;
                try {
                    next = ticket.spec.model().guarded(() -> ticket.job.startUpsampler(ticket.trajectories));
                } catch (RuntimeException e) {
                    fail(ticket, e, true);
                    return;
                }
                ticket.trajectories = next;
                lock.lock();
                try {
                    jobs--;
                    upsamplerQueue.add(ticket);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
                return;
            }
            TranslationResult result;
            try {
                result = ticket.spec.model().guarded(() -> ticket.job.finish(ticket.trajectories, ticket.forwardNanos));
            } catch (RuntimeException e) {
                fail(ticket, e, true);
                return;
            }
            release(ticket, true);
            ticket.result.complete(result);
        }

        /** Ends {@code ticket} with {@code failure}; {@code inLane}: it was counted in this lane's jobs. */
        private void fail(Ticket ticket, RuntimeException failure, boolean inLane) {
            release(ticket, inLane);
            ticket.result.completeExceptionally(failure);
        }

        private void release(Ticket ticket, boolean inLane) {
            ticket.job.close();
            lock.lock();
            try {
                boolean wasAdmitted = inLane || kind == StageKind.UPSAMPLER;
                if (inLane) {
                    jobs--;
                }
                if (wasAdmitted) {
                    admitted--;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
