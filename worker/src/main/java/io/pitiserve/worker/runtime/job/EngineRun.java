package io.pitiserve.worker.runtime.job;

import io.micrometer.tracing.TraceContext;
import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.ProgressListener;
import io.pitiserve.worker.engine.TranslationRequest;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.scheduler.DeadlineExceededException;
import io.pitiserve.worker.scheduler.JobSpec;
import io.pitiserve.worker.scheduler.StepScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Runs a resolved job through the step scheduler, batched with the other jobs in flight: throttled
 * progress goes out as events, and the job stops when the consumer gives it up or it is cancelled.
 * A passed deadline and a request the scheduler refuses become {@link JobFailure}s.
 */
final class EngineRun {

    /** Hands progress events to the producer off the scheduler's threads; a daemon, one for all jobs. */
    private static final Executor PROGRESS_RELAY = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "pitiserve-progress");
        thread.setDaemon(true);
        return thread;
    });
    private static final Logger log = LoggerFactory.getLogger(EngineRun.class);

    private final StepScheduler scheduler;
    private final EventSink events;
    private final CancelledJobs cancellations;
    private final Duration progressInterval;
    private final Clock clock;

    EngineRun(StepScheduler scheduler, EventSink events, CancelledJobs cancellations, Duration progressInterval,
              Clock clock) {
        this.scheduler = scheduler;
        this.events = events;
        this.cancellations = cancellations;
        this.progressInterval = progressInterval;
        this.clock = clock;
    }

    /** Runs a translation, telling its progress; every progress event is handed over before this returns. */
    TranslationResult translate(TranslationRequested request, PitiModel model, TranslationRequest engineRequest,
                                TraceContext trace, BooleanSupplier abandoned) {
        String jobId = request.jobId();
        // Progress is told on a scheduler thread shared by every job in the batch: a send that blocks
        // (broker away, buffer full) must not hold up the batch, so sends go through one relay thread, in
        // order per job, and are all handed to the producer before the job's terminal event.
        AtomicReference<CompletableFuture<Void>> sent = new AtomicReference<>(CompletableFuture.completedFuture(null));
        ProgressThrottle progress = new ProgressThrottle(progressInterval, System::nanoTime, (stage, step, of) -> {
            TranslationProgress event = new TranslationProgress(jobId, request.tenant(), clock.instant(),
                    stage.label(), step, of);
            sent.updateAndGet(previous -> previous.thenRunAsync(() -> events.publishEventually(event, trace),
                    PROGRESS_RELAY).exceptionally(failure -> {
                        log.warn("progress of job {} not sent: {}", jobId, failure.toString());
                        return null;
                    }));
        });
        try {
            return run(request, request.params(), model, engineRequest, progress, stopped(jobId, abandoned));
        } finally {
            sent.get().join();
        }
    }

    /** Runs one image of an evaluation as a translation of its own, without progress events. */
    TranslationResult quietly(TranslationRequested request, TranslationParams params, PitiModel model,
                              TranslationRequest engineRequest, BooleanSupplier stop) {
        return run(request, params, model, engineRequest, ProgressListener.NONE, stop);
    }

    /** What stops the job: the consumer giving it up, or its cancellation. */
    BooleanSupplier stopped(String jobId, BooleanSupplier abandoned) {
        return () -> abandoned.getAsBoolean() || cancellations.isCancelled(jobId);
    }

    private TranslationResult run(TranslationRequested request, TranslationParams params, PitiModel model,
                                  TranslationRequest engineRequest, ProgressListener progress, BooleanSupplier stop) {
        try {
            // Batched with the other jobs in flight at step level; this thread only waits for the result.
            return scheduler.run(new JobSpec(request.jobId(), request.tenant(), params.priorityOrDefault(), model,
                    engineRequest, progress, stop, params.deadline()));
        } catch (DeadlineExceededException e) {
            throw new JobFailure(ErrorCode.DEADLINE_EXCEEDED, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new JobFailure(ErrorCode.INVALID_PARAMETER, e.getMessage());
        }
    }
}
