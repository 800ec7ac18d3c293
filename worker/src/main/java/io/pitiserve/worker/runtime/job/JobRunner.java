package io.pitiserve.worker.runtime.job;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.TraceContext;
import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.common.image.ConditionImage;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.common.image.InputLimits;
import io.pitiserve.common.image.InvalidInputException;
import io.pitiserve.common.image.PngImages;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.common.storage.ObjectTooLargeException;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.Sampler;
import io.pitiserve.worker.engine.TranslationCancelledException;
import io.pitiserve.worker.engine.WorkerStoppingException;
import io.pitiserve.worker.evaluation.EvaluationRunner;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.ProgressListener;
import io.pitiserve.worker.engine.TranslationRequest;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.models.ServedModels;
import io.pitiserve.worker.runtime.tracing.JobTracing;
import io.pitiserve.worker.scheduler.DeadlineExceededException;
import io.pitiserve.worker.scheduler.JobSpec;
import io.pitiserve.worker.scheduler.StepScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
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
import java.util.concurrent.atomic.AtomicReference;
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
    /** Hands progress events to the producer off the scheduler's threads; a daemon, one for all jobs. */
    private static final Executor PROGRESS_RELAY = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "pitiserve-progress");
        thread.setDaemon(true);
        return thread;
    });
    /** Reads inputs, waits for control-topic catch-ups and writes result PNGs off the job's thread; daemons. */
    private static final Executor RESULT_WRITERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "pitiserve-result-writer");
        thread.setDaemon(true);
        return thread;
    });
    private static final Logger log = LoggerFactory.getLogger(JobRunner.class);

    private final ServedModels models;
    private final StepScheduler scheduler;
    private final ObjectStore store;
    private final EventSink events;
    private final CancelledJobs cancellations;
    private final Retrier retrier;
    private final Settings settings;
    private final MeterRegistry meters;
    private final Clock clock;
    private final JobTracing tracing;
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    /** The delivery of each job id in flight on this worker; a later one waits for it. */
    private final Map<String, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();

    public JobRunner(ServedModels models, StepScheduler scheduler, ObjectStore store, EventSink events, CancelledJobs cancellations,
                     Retrier retrier, Settings settings, MeterRegistry meters, Clock clock, JobTracing tracing) {
        this.models = models;
        this.scheduler = scheduler;
        this.store = store;
        this.events = events;
        this.cancellations = cancellations;
        this.retrier = retrier;
        this.settings = settings;
        this.meters = meters;
        this.clock = clock;
        this.tracing = tracing;
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
                () -> retrier.call("reading input " + request.inputKey(), () -> readInput(request.inputKey()),
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
        Optional<TranslationSucceeded> finished = finishedBefore(jobId, abandoned);
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
            fail(request, trace, JobFailure.DEADLINE_EXCEEDED, "deadline " + deadline
                    + " passed before the job started", null, abandoned);
            attempts.remove(jobId);
            return JobOutcome.FAILED;
        }
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
            fail(request, trace, JobFailure.INTERNAL_ERROR, "the worker failed to run the job ("
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
        long t0 = System.nanoTime();
        Instant begun = clock.instant();
        TranslationParams params = request.params();
        if (params == null) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, "the request carries no params");
        }
        InputKind task = taskOf(params, model);
        byte[] input = joined(reading).orElseThrow(() -> new JobFailure(JobFailure.NOT_FOUND,
                        "input object " + request.inputKey() + " does not exist"));
        if (request.inputSha256() != null && !request.inputSha256().isBlank()
                && !sha256(input).equalsIgnoreCase(request.inputSha256())) {
            throw new JobFailure(JobFailure.INTERNAL_ERROR, "input object " + request.inputKey()
                    + " does not match the sha256 recorded when it was accepted");
        }
        long t1 = System.nanoTime();
        ModelManifest manifest = model.manifest();
        ConditionImage condition = task.preprocessor(InputLimits.DEFAULT, manifest.input().size()).prepare(input);
        TranslationRequest engineRequest = engineRequest(params, condition, model);
        long t2 = System.nanoTime();

        // Progress is told on a scheduler thread shared by every job in the batch: a send that blocks
        // (broker away, buffer full) must not hold up the batch, so sends go through one relay thread, in
        // order per job, and are all handed to the producer before the job's terminal event.
        AtomicReference<CompletableFuture<Void>> sent = new AtomicReference<>(CompletableFuture.completedFuture(null));
        ProgressThrottle progress = new ProgressThrottle(settings.progressInterval(), System::nanoTime,
                (stage, step, of) -> {
                    TranslationProgress event = new TranslationProgress(jobId, request.tenant(), clock.instant(),
                            stage.label(), step, of);
                    sent.updateAndGet(previous -> previous.thenRunAsync(
                            () -> events.publishEventually(event, trace), PROGRESS_RELAY)
                            .exceptionally(failure -> {
                                log.warn("progress of job {} not sent: {}", jobId, failure.toString());
                                return null;
                            }));
                });
        TranslationResult result;
        try {
            // Batched with the other jobs in flight at step level; this thread only waits for the result.
            result = scheduler.run(new JobSpec(jobId, request.tenant(), params.priorityOrDefault(), model,
                    engineRequest, progress, () -> abandoned.getAsBoolean() || cancellations.isCancelled(jobId),
                    params.deadline()));
        } catch (DeadlineExceededException e) {
            throw new JobFailure(JobFailure.DEADLINE_EXCEEDED, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, e.getMessage());
        } finally {
            sent.get().join();
        }
        long t3 = System.nanoTime();

        // Every result PNG is encoded and written at once; the manifest follows when all are stored.
        List<Supplier<TranslationSucceeded.ResultImage>> writes = new ArrayList<>();
        for (int i = 0; i < result.images().size(); i++) {
            int index = i;
            writes.add(() -> storePng("sample", index, ResultKeys.sample(jobId, index), result.images().get(index),
                    result.size(), abandoned));
        }
        for (int i = 0; i < result.baseImages().size(); i++) {
            int index = i;
            writes.add(() -> storePng("base", index, ResultKeys.base(jobId, index), result.baseImages().get(index),
                    result.baseSize(), abandoned));
        }
        List<TranslationSucceeded.ResultImage> results = storeAll(jobId, writes);
        long t4 = System.nanoTime();
        TranslationResult.Timings engineTimings = result.timings();
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("queued", request.time() == null ? 0.0
                : (double) Math.max(0, Duration.between(request.time(), startedAt).toMillis()));
        timings.put("fetch", millis(t1 - t0));
        timings.put("prepare", millis(t2 - t1));
        timings.put("encode", round(engineTimings.encodeMs()));
        timings.put("base", round(engineTimings.baseMs()));
        timings.put("upsampler", round(engineTimings.upsamplerMs()));
        timings.put("store", millis(t4 - t3));
        timings.put("total", millis(t4 - t0));
        record("fetch", t1 - t0);
        record("prepare", t2 - t1);
        record("encode", (long) (engineTimings.encodeMs() * 1e6));
        record("base", (long) (engineTimings.baseMs() * 1e6));
        record("upsampler", (long) (engineTimings.upsamplerMs() * 1e6));
        record("store", t4 - t3);
        record("queued", (long) (timings.get("queued") * 1e6));
        recordStep("base", engineTimings.baseMs(), engineTimings.baseSteps());
        recordStep("upsampler", engineTimings.upsamplerMs(), engineTimings.upsamplerSteps());
        tracing.phases(trace, begun, new long[] {t0, t1, t2, t3, t4}, engineTimings);

        String manifestKey = ResultKeys.manifest(jobId);
        TranslationSucceeded succeeded = new TranslationSucceeded(jobId, request.tenant(), clock.instant(),
                List.copyOf(results), manifestKey, ServedModels.label(model), engineRequest.seed(), timings, condition.notes(),
                params.metadata() == null ? Map.of() : params.metadata());
        byte[] manifestJson = EventCodec.toJson(succeeded);
        // Written last: its presence means every result object is complete.
        retrier.run("writing " + manifestKey, () -> store.put(manifestKey, manifestJson, "application/json"), abandoned);
        return succeeded;
    }

    /**
     * Runs an evaluation job ({@link EvaluationRunner}): each image through {@link #translateOne}, its
     * outputs and table stored with retries, progress as images done; the manifest is written last.
     */
    private TranslationSucceeded evaluate(TranslationRequested request, PitiModel model, TraceContext trace,
                                          Instant startedAt, CompletableFuture<Optional<byte[]>> reading,
                                          BooleanSupplier abandoned) {
        String jobId = request.jobId();
        TranslationParams params = request.params();
        if (params == null) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, "the request carries no params");
        }
        taskOf(params, model);
        byte[] specJson = joined(reading).orElseThrow(() -> new JobFailure(JobFailure.NOT_FOUND,
                "evaluation spec " + request.inputKey() + " does not exist"));
        if (request.inputSha256() != null && !sha256(specJson).equalsIgnoreCase(request.inputSha256())) {
            throw new JobFailure(JobFailure.INTERNAL_ERROR, "evaluation spec " + request.inputKey()
                    + " does not match the sha256 recorded when it was accepted");
        }
        BooleanSupplier stop = () -> abandoned.getAsBoolean() || cancellations.isCancelled(jobId);
        EvaluationRunner runner = new EvaluationRunner(
                (setting, input) -> translateOne(request, setting, model, input, stop),
                key -> retrier.call("reading " + key, () -> readInput(key), abandoned),
                (key, bytes, type) -> retrier.run("writing " + key, () -> store.put(key, bytes, type), abandoned),
                (done, total) -> events.publishEventually(new TranslationProgress(jobId, request.tenant(),
                        clock.instant(), "evaluation", done, total), trace));
        EvaluationRunner.Outcome outcome;
        try {
            outcome = runner.run(jobId, EvaluationRunner.readSpec(specJson), params, model.manifest(),
                    ServedModels.label(model));
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, e.getMessage());
        }
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("queued", request.time() == null ? 0.0
                : (double) Math.max(0, Duration.between(request.time(), startedAt).toMillis()));
        timings.putAll(outcome.timings());
        String manifestKey = ResultKeys.manifest(jobId);
        TranslationSucceeded succeeded = new TranslationSucceeded(jobId, request.tenant(), clock.instant(), List.of(),
                manifestKey, ServedModels.label(model), params.seed(), timings, List.of(),
                params.metadata() == null ? Map.of() : params.metadata());
        byte[] manifestJson = EventCodec.toJson(succeeded);
        retrier.run("writing " + manifestKey, () -> store.put(manifestKey, manifestJson, "application/json"), abandoned);
        return succeeded;
    }

    /** One image of an evaluation through the scheduler, as a translation of one sample. */
    private TranslationResult translateOne(TranslationRequested request, TranslationParams params, PitiModel model,
                                           byte[] input, BooleanSupplier stop) {
        InputKind task = taskOf(params, model);
        ConditionImage condition = task.preprocessor(InputLimits.DEFAULT, model.manifest().input().size()).prepare(input);
        try {
            return scheduler.run(new JobSpec(request.jobId(), request.tenant(), params.priorityOrDefault(), model,
                    engineRequest(params, condition, model), ProgressListener.NONE, stop, params.deadline()));
        } catch (DeadlineExceededException e) {
            throw new JobFailure(JobFailure.DEADLINE_EXCEEDED, e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, e.getMessage());
        }
    }

    /** The value of {@code future}, or the failure it ended with, thrown as it was. */
    private static <T> T joined(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    private static <T> T withJobId(String jobId, Supplier<T> action) {
        MDC.put(MDC_JOB_ID, jobId);
        try {
            return action.get();
        } finally {
            MDC.remove(MDC_JOB_ID);
        }
    }

    /**
     * Runs the writes side by side (the last one on this thread) and returns their results in
     * order; the first failure (retries given up, the job abandoned) is thrown as it was.
     */
    private static List<TranslationSucceeded.ResultImage> storeAll(String jobId,
                                                                   List<Supplier<TranslationSucceeded.ResultImage>> writes) {
        List<CompletableFuture<TranslationSucceeded.ResultImage>> started = new ArrayList<>();
        for (Supplier<TranslationSucceeded.ResultImage> write : writes.subList(0, Math.max(0, writes.size() - 1))) {
            started.add(CompletableFuture.supplyAsync(() -> withJobId(jobId, write), RESULT_WRITERS));
        }
        List<TranslationSucceeded.ResultImage> results = new ArrayList<>();
        TranslationSucceeded.ResultImage last = null;
        RuntimeException failure = null;
        try {
            last = writes.isEmpty() ? null : writes.get(writes.size() - 1).get();
        } catch (RuntimeException e) {
            failure = e;
        }
        for (CompletableFuture<TranslationSucceeded.ResultImage> write : started) {
            try {
                results.add(joined(write));
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        if (last != null) {
            results.add(last);
        }
        return results;
    }

    /** The stored input, refused from the size S3 reports when it is over the input limit. */
    private Optional<byte[]> readInput(String key) {
        long maxBytes = InputLimits.DEFAULT.maxBytes();
        try {
            return store.get(key, maxBytes);
        } catch (ObjectTooLargeException e) {
            throw new InvalidInputException(InvalidInputException.Reason.INPUT_TOO_LARGE, "input object " + key
                    + " is " + (e.size() < 0 ? "larger than " + maxBytes : e.size()) + " bytes; the limit is "
                    + maxBytes + " bytes");
        }
    }

    private TranslationSucceeded.ResultImage storePng(String kind, int index, String key, float[] chw, int size,
                                                      BooleanSupplier abandoned) {
        byte[] png = PngImages.encode(chw, 3, size, size);
        retrier.run("writing " + key, () -> store.put(key, png, "image/png"), abandoned);
        return new TranslationSucceeded.ResultImage(kind, index, key, png.length, sha256(png), size, size);
    }

    private static InputKind taskOf(TranslationParams params, PitiModel model) {
        if (params.task() == null || params.task().isBlank()) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, "params.task is required (mask, sketch or depth)");
        }
        InputKind task;
        try {
            task = InputKind.fromWireName(params.task());
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, e.getMessage());
        }
        if (model == null) {
            throw new JobFailure(JobFailure.UNKNOWN_MODEL, "the job arrived on a lane this worker does not serve");
        }
        ModelManifest manifest = model.manifest();
        String label = ServedModels.label(model);
        if (!task.wireName().equals(manifest.input().kind())) {
            throw new JobFailure(JobFailure.UNKNOWN_MODEL, "the lane of " + label + " serves " + manifest.input().kind()
                    + " inputs; no model here for task " + task.wireName());
        }
        String asked = params.model();
        if (asked != null && !asked.isBlank() && !asked.equals(manifest.version()) && !asked.equals(manifest.name())
                && !asked.equals(label)) {
            // The lane is the model's; a version other than the one loaded (say, during a roll-out) is refused.
            throw new JobFailure(JobFailure.UNKNOWN_MODEL, "model '" + asked + "' is not served on this lane; its"
                    + " workers have " + label);
        }
        return task;
    }

    private static TranslationRequest engineRequest(TranslationParams params, ConditionImage condition,
                                                    PitiModel model) {
        ModelManifest manifest = model.manifest();
        // Absent numbers arrive as 0: they mean the default.
        int samples = params.numSamples() == 0 ? 1 : params.numSamples();
        if (samples < 1 || samples > TranslationParams.MAX_SAMPLES) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, "num_samples must be in 1.." + TranslationParams.MAX_SAMPLES + ", got "
                    + params.numSamples());
        }
        if (model.singlePass()) {
            // One forward: sampler, steps, guidance and return_base have nothing to set and are ignored.
            return TranslationRequest.singlePass(condition.data(), condition.channels(), condition.size(), samples,
                    params.seed());
        }
        try {
            String mode = params.guidance() == null || params.guidance().isBlank()
                    ? manifest.guidance().mode() : params.guidance();
            double scale = params.guidanceScale() == 0 ? manifest.guidance().scale() : params.guidanceScale();
            Guidance guidance = new Guidance(Guidance.Mode.of(mode), scale);
            String samplerName = params.sampler() == null || params.sampler().isBlank()
                    ? manifest.sampler() : params.sampler();
            Sampler sampler = Sampler.of(samplerName, params.eta());
            String baseSteps = blankToNull(params.baseSteps());
            String srSteps = blankToNull(params.srSteps());
            // Parse the respacings now so that a bad one fails as a parameter, before any step runs.
            model.base().schedule(baseSteps == null ? manifest.stages().base().respacing() : baseSteps);
            model.upsampler().schedule(srSteps == null ? manifest.stages().upsampler().respacing() : srSteps);
            return new TranslationRequest(condition.data(), condition.channels(), condition.size(), samples,
                    params.seed(), baseSteps, srSteps, sampler, guidance, null, params.returnBase());
        } catch (IllegalArgumentException e) {
            throw new JobFailure(JobFailure.INVALID_PARAMETER, e.getMessage());
        }
    }

    private Optional<TranslationSucceeded> finishedBefore(String jobId, BooleanSupplier abandoned) {
        String key = ResultKeys.manifest(jobId);
        Optional<byte[]> manifest = retrier.call("reading " + key, () -> store.get(key), abandoned);
        if (manifest.isEmpty()) {
            return Optional.empty();
        }
        try {
            TranslationSucceeded succeeded = EventCodec.fromJson(manifest.get(), TranslationSucceeded.class);
            if (succeeded.jobId().equals(jobId)) {
                return Optional.of(succeeded);
            }
            log.warn("{} belongs to job {}; running this job again", key, succeeded.jobId());
        } catch (UnreadableEventException e) {
            log.warn("{} cannot be read ({}); running the job again", key, e.getMessage());
        }
        return Optional.empty();
    }

    private void publish(JobEvent event, TraceContext trace, BooleanSupplier abandoned) {
        retrier.run("publishing " + event.type(), () -> events.publish(event, trace), abandoned);
    }

    private void record(String stage, long nanos) {
        Timer.builder("pitiserve.worker.stage.duration").tag("stage", stage).register(meters)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The mean wall time of one denoising step of the stage, as this job saw it in its running batch. */
    private void recordStep(String stage, double stageMs, int steps) {
        if (steps > 0) {
            Timer.builder("pitiserve.worker.step.duration").tag("stage", stage).register(meters)
                    .record((long) (stageMs * 1e6 / steps), TimeUnit.NANOSECONDS);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static double millis(long nanos) {
        return round(nanos / 1e6);
    }

    private static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
