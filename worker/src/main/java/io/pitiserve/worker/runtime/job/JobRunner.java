package io.pitiserve.worker.runtime.job;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.TraceContext;
import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.image.ConditionImage;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.common.image.InputLimits;
import io.pitiserve.common.image.InvalidInputException;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.worker.engine.TranslationCancelledException;
import io.pitiserve.worker.engine.WorkerStoppingException;
import io.pitiserve.worker.evaluation.EvaluationRunner;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.TranslationRequest;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.models.ServedModels;
import io.pitiserve.worker.runtime.tracing.JobTracing;
import io.pitiserve.worker.scheduler.StepScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Runs one delivery of a TranslationRequested to its terminal event: re-emits a finished job's
 * Succeeded from its manifest, answers a job cancelled before it started, otherwise fetches and
 * re-validates the input, runs the engine, stores the PNGs and the manifest (last) and publishes
 * Started, throttled Progress and one of Succeeded, Failed, Cancelled.
 *
 * <p>Transient store and broker faults are retried until they pass; permanent ones fail the job
 * once. A job given up by the consumer (revocation, shutdown) ends {@link JobOutcome#ABANDONED}
 * without a terminal event.
 */
public final class JobRunner {

    /** The knobs of a runner. */
    public record Settings(String workerId, Duration progressInterval, Duration cancellationCatchUp) {
    }

    public static final String MDC_JOB_ID = "jobId";
    /** Reads inputs, waits for control-topic catch-ups and writes result PNGs off the job's thread; daemons. */
    private static final Executor RESULT_WRITERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "pitiserve-result-writer");
        thread.setDaemon(true);
        return thread;
    });
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final ServedModels models;
    private final EventSink events;
    private final CancelledJobs cancellations;
    private final Retrier retrier;
    private final Settings settings;
    private final MeterRegistry meters;
    private final Clock clock;
    private final JobIntake intake;
    private final EngineRun engine;
    private final ResultWriter writer;
    private final JobTimings timings;
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    /** The delivery of each job id in flight on this worker; a later one waits for it. */
    private final Map<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

    public JobRunner(ServedModels models, StepScheduler scheduler, ObjectStore store, EventSink events, CancelledJobs cancellations,
                     Retrier retrier, Settings settings, MeterRegistry meters, Clock clock, JobTracing tracing) {
        this.models = models;
        this.events = events;
        this.cancellations = cancellations;
        this.retrier = retrier;
        this.settings = settings;
        this.meters = meters;
        this.clock = clock;
        this.intake = new JobIntake(store);
        this.engine = new EngineRun(scheduler, events, cancellations, settings.progressInterval(), clock);
        this.writer = new ResultWriter(store, retrier, RESULT_WRITERS);
        this.timings = new JobTimings(meters, tracing);
    }

    /**
     * Runs one delivery.
     *
     * @param model         the model of the request lane the record came from, which runs the job; null when
     *                      the lane is not one this worker serves (the job fails with {@code unknown_model})
     * @param trace         the context of the delivery's span: the job's events and phases continue it
     * @param receivedNanos {@link System#nanoTime()} when the consumer received the record
     * @param abandoned     becomes true when the consumer gives the job up
     */
    public JobOutcome run(TranslationRequested request, PitiModel model, TraceContext trace, long receivedNanos,
                          BooleanSupplier abandoned) {
        MDC.put(MDC_JOB_ID, request.jobId());
        long started = System.nanoTime();
        JobOutcome outcome = JobOutcome.ABANDONED;
        try {
            outcome = runDelivery(request, model, trace, receivedNanos, abandoned);
            return outcome;
        } catch (JobAbandonedException e) {
            log.info("job given up without an outcome, it will be delivered again: {}", e.getMessage());
            return JobOutcome.ABANDONED;
        } finally {
            meters.counter("pitiserve.worker.jobs", "outcome", outcome.tag()).increment();
            meters.timer("pitiserve.worker.job.duration", "outcome", outcome.tag())
                    .record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            MDC.remove(MDC_JOB_ID);
        }
    }

    private JobOutcome runDelivery(TranslationRequested request, PitiModel model, TraceContext trace,
                                   long receivedNanos, BooleanSupplier abandoned) {
        String jobId = request.jobId();
        CompletableFuture<Void> done = new CompletableFuture<>();
        CompletableFuture<Void> earlier = inFlight.put(jobId, done);
        try {
            if (earlier != null) {
                // The same job published twice (say, an Idempotency-Key repeat that reached a gateway
                // before that gateway's status view had the job): both copies share a partition, so
                // they meet here. The copy waits, then finds the first one's manifest and replays it.
                log.info("job already running on this worker; this delivery waits for that one to end");
                awaitEarlier(earlier, abandoned);
            }
            return readAndRun(request, model, trace, receivedNanos, abandoned);
        } finally {
            inFlight.remove(jobId, done);
            done.complete(null);
        }
    }

    private static void awaitEarlier(CompletableFuture<Void> earlier, BooleanSupplier abandoned) {
        while (true) {
            try {
                earlier.get(100, TimeUnit.MILLISECONDS);
                return;
            } catch (TimeoutException e) {
                if (abandoned.getAsBoolean()) {
                    throw new JobAbandonedException("given up while an earlier delivery of the job ran");
                }
            } catch (ExecutionException e) {
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobAbandonedException("interrupted while an earlier delivery of the job ran");
            }
        }
    }

    private JobOutcome readAndRun(TranslationRequested request, PitiModel model, TraceContext trace,
                                  long receivedNanos, BooleanSupplier abandoned) {
        String jobId = request.jobId();
        // The control topic catch-up and the look for a manifest are independent reads: overlap them.
        CompletableFuture<Boolean> caughtUp = CompletableFuture.supplyAsync(
                () -> cancellations.awaitCaughtUp(receivedNanos, settings.cancellationCatchUp()), RESULT_WRITERS);
        // So is reading the input: it is usually needed, and is waited for only once the job runs. Its
        // retries stop with the delivery when a replay or a cancellation does not need it.
        AtomicBoolean delivered = new AtomicBoolean();
        BooleanSupplier readUnneeded = () -> delivered.get() || abandoned.getAsBoolean();
        CompletableFuture<Optional<byte[]>> input = CompletableFuture.supplyAsync(() -> withJobId(jobId,
                () -> retrier.call("reading input " + request.inputKey(), () -> intake.read(request.inputKey()),
                        readUnneeded)), RESULT_WRITERS);
        try {
            return decideAndRun(request, model, trace, caughtUp, input, abandoned);
        } finally {
            delivered.set(true);
        }
    }

    private JobOutcome decideAndRun(TranslationRequested request, PitiModel model, TraceContext trace,
                                    CompletableFuture<Boolean> caughtUp, CompletableFuture<Optional<byte[]>> input,
                                    BooleanSupplier abandoned) {
        String jobId = request.jobId();
        Optional<TranslationSucceeded> finished = writer.finished(jobId, abandoned);
        if (finished.isPresent()) {
            log.info("job already finished (manifest found), re-emitting its Succeeded event");
            publish(finished.get(), trace, abandoned);
            return JobOutcome.REPLAYED;
        }
        if (!caughtUp.join()) {
            log.warn("control topic not read up to this job within {}; running it anyway", settings.cancellationCatchUp());
        }
        if (cancellations.isCancelled(jobId)) {
            log.info("job cancelled before it started");
            publish(new TranslationCancelled(jobId, request.tenant(), clock.instant(),
                    "cancelled before it started"), trace, abandoned);
            attempts.remove(jobId);
            return JobOutcome.CANCELLED;
        }
        Instant deadline = request.params() == null ? null : request.params().deadline();
        if (deadline != null && !clock.instant().isBefore(deadline)) {
            fail(request, trace, ErrorCode.DEADLINE_EXCEEDED, "deadline " + deadline
                    + " passed before the job started", null, abandoned);
            attempts.remove(jobId);
            return JobOutcome.FAILED;
        }
        return runAttempt(request, model, trace, input, abandoned);
    }

    /**
     * Runs one attempt of a job that is to run: publishes Started, runs the translation or
     * evaluation and publishes its terminal event (after Started's acknowledgement).
     */
    private JobOutcome runAttempt(TranslationRequested request, PitiModel model, TraceContext trace,
                                  CompletableFuture<Optional<byte[]>> input, BooleanSupplier abandoned) {
        String jobId = request.jobId();
        int attempt = attempts.merge(jobId, 1, Integer::sum);
        Instant startedAt = clock.instant();
        // Started is handed to the producer now (it goes out before any later event of the job) and its
        // acknowledgement is awaited only before the job's terminal event: the model does not wait for it.
        TranslationStarted startedEvent = new TranslationStarted(jobId, request.tenant(), startedAt,
                settings.workerId(), attempt);
        Runnable started = publishStarted(startedEvent, trace, abandoned);
        log.info("job started (attempt {}), input {}", attempt, request.inputKey());
        JobOutcome outcome;
        try {
            TranslationSucceeded succeeded = request.evaluation()
                    ? evaluate(request, model, trace, startedAt, input, abandoned)
                    : translate(request, model, trace, startedAt, input, abandoned);
            started.run();
            publish(succeeded, trace, abandoned);
            models.jobFinished(model.manifest().name(), succeeded.timings().get("total"));
            log.info("job succeeded in {} ms", succeeded.timings().get("total"));
            outcome = JobOutcome.SUCCEEDED;
        } catch (WorkerStoppingException e) {
            // Stopped by this worker's shutdown, not by anyone's cancellation: no outcome here, it runs again.
            throw new JobAbandonedException(e.getMessage());
        } catch (TranslationCancelledException e) {
            if (abandoned.getAsBoolean()) {
                throw new JobAbandonedException(e.getMessage());
            }
            log.info("job cancelled: {}", e.getMessage());
            started.run();
            publish(new TranslationCancelled(jobId, request.tenant(), clock.instant(), e.getMessage()),
                    trace, abandoned);
            outcome = JobOutcome.CANCELLED;
        } catch (JobFailure e) {
            started.run();
            fail(request, trace, e.code(), e.getMessage(), e, abandoned);
            outcome = JobOutcome.FAILED;
        } catch (InvalidInputException e) {
            started.run();
            fail(request, trace, e.code(), e.getMessage(), null, abandoned);
            outcome = JobOutcome.FAILED;
        } catch (JobAbandonedException e) {
            throw e;
        } catch (RuntimeException e) {
            log.error("job failed unexpectedly", e);
            started.run();
            fail(request, trace, ErrorCode.INTERNAL_ERROR, "the worker failed to run the job ("
                    + e.getClass().getSimpleName() + ")", null, abandoned);
            outcome = JobOutcome.FAILED;
        }
        attempts.remove(jobId);
        return outcome;
    }

    /**
     * Hands Started to the producer and returns what waits for its acknowledgement. Where it cannot be
     * handed over, or the broker does not take it, it is published again with retries (a repeated
     * Started of the same attempt changes nothing in the status view).
     */
    private Runnable publishStarted(TranslationStarted event, TraceContext trace, BooleanSupplier abandoned) {
        EventSink.Acknowledgement acknowledgement;
        try {
            acknowledgement = events.publishLater(event, trace);
        } catch (TransientFailureException e) {
            log.warn("Started not handed to the broker ({}); publishing it with retries", e.getMessage());
            publish(event, trace, abandoned);
            return () -> {
            };
        }
        return () -> {
            try {
                acknowledgement.await();
            } catch (TransientFailureException e) {
                log.warn("Started not acknowledged ({}); publishing it again", e.getMessage());
                publish(event, trace, abandoned);
            }
        };
    }

    private void fail(TranslationRequested request, TraceContext trace, ErrorCode code, String message, Throwable cause,
                      BooleanSupplier abandoned) {
        if (cause != null && cause.getCause() != null) {
            log.warn("job failed ({}): {}", code, message, cause.getCause());
        } else {
            log.info("job failed ({}): {}", code, message);
        }
        publish(new TranslationFailed(request.jobId(), request.tenant(), clock.instant(), code.wire(), message),
                trace, abandoned);
    }

    private TranslationSucceeded translate(TranslationRequested request, PitiModel model, TraceContext trace,
                                           Instant startedAt, CompletableFuture<Optional<byte[]>> reading,
                                           BooleanSupplier abandoned) {
        String jobId = request.jobId();
        long[] marks = new long[5];
        marks[JobTimings.BEGUN] = System.nanoTime();
        Instant begun = clock.instant();
        TranslationParams params = JobIntake.params(request);
        InputKind task = JobIntake.task(params, model);
        byte[] input = JobIntake.verified(request, joined(reading), "input object");
        marks[JobTimings.FETCHED] = System.nanoTime();
        ConditionImage condition = task.preprocessor(InputLimits.DEFAULT, model.manifest().input().size()).prepare(input);
        TranslationRequest engineRequest = ParameterResolution.resolve(params, condition, model);
        marks[JobTimings.PREPARED] = System.nanoTime();
        TranslationResult result = engine.translate(request, model, engineRequest, trace, abandoned);
        marks[JobTimings.RAN] = System.nanoTime();
        List<TranslationSucceeded.ResultImage> results = writer.images(jobId, result, abandoned);
        marks[JobTimings.STORED] = System.nanoTime();

        double queuedMs = JobTimings.queuedMs(request.time(), startedAt);
        timings.record(trace, begun, marks, queuedMs, result.timings());
        TranslationSucceeded succeeded = new TranslationSucceeded(jobId, request.tenant(), clock.instant(),
                List.copyOf(results), ResultKeys.manifest(jobId), ServedModels.label(model), engineRequest.seed(),
                JobTimings.translation(queuedMs, marks, result.timings()), condition.notes(), metadata(params));
        writer.manifest(succeeded, abandoned);
        return succeeded;
    }

    /**
     * Runs an evaluation job ({@link EvaluationRunner}): each image through the engine as a
     * translation of one sample, its outputs and table stored with retries, progress as images done;
     * the manifest is written last.
     */
    private TranslationSucceeded evaluate(TranslationRequested request, PitiModel model, TraceContext trace,
                                          Instant startedAt, CompletableFuture<Optional<byte[]>> reading,
                                          BooleanSupplier abandoned) {
        String jobId = request.jobId();
        TranslationParams params = JobIntake.params(request);
        JobIntake.task(params, model);
        byte[] specJson = JobIntake.verified(request, joined(reading), "evaluation spec");
        BooleanSupplier stop = engine.stopped(jobId, abandoned);
        EvaluationRunner runner = new EvaluationRunner(
                (setting, input) -> translateOne(request, setting, model, input, stop),
                key -> retrier.call("reading " + key, () -> intake.read(key), abandoned),
                (key, bytes, type) -> writer.put(key, bytes, type, abandoned),
                (done, total) -> events.publishEventually(new TranslationProgress(jobId, request.tenant(),
                        clock.instant(), "evaluation", done, total), trace));
        EvaluationRunner.Outcome outcome;
        try {
            outcome = runner.run(jobId, EvaluationRunner.readSpec(specJson), params, model.manifest(),
                    ServedModels.label(model));
        } catch (IllegalArgumentException e) {
            throw new JobFailure(ErrorCode.INVALID_PARAMETER, e.getMessage());
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("queued", JobTimings.queuedMs(request.time(), startedAt));
        timings.putAll(outcome.timings());
        TranslationSucceeded succeeded = new TranslationSucceeded(jobId, request.tenant(), clock.instant(), List.of(),
                ResultKeys.manifest(jobId), ServedModels.label(model), params.seed(), timings, List.of(),
                metadata(params));
        writer.manifest(succeeded, abandoned);
        return succeeded;
    }

    /** One image of an evaluation through the scheduler, as a translation of one sample. */
    private TranslationResult translateOne(TranslationRequested request, TranslationParams params, PitiModel model,
                                           byte[] input, BooleanSupplier stop) {
        InputKind task = JobIntake.task(params, model);
        ConditionImage condition = task.preprocessor(InputLimits.DEFAULT, model.manifest().input().size()).prepare(input);
        return engine.quietly(request, params, model, ParameterResolution.resolve(params, condition, model), stop);
    }

    private static Map<String, String> metadata(TranslationParams params) {
        return params.metadata() == null ? Map.of() : params.metadata();
    }

    /** The value of {@code future}, or the failure it ended with, thrown as it was. */
    static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    static <T> T withJobId(String jobId, Supplier<T> action) {
        MDC.put(MDC_JOB_ID, jobId);
        try {
            return action.get();
        } finally {
            MDC.remove(MDC_JOB_ID);
        }
    }

    private void publish(JobEvent event, TraceContext trace, BooleanSupplier abandoned) {
        retrier.run("publishing " + event.type(), () -> events.publish(event, trace), abandoned);
    }
}
