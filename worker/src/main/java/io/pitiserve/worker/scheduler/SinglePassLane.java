package io.pitiserve.worker.scheduler;

import io.pitiserve.worker.engine.StageKind;
import io.pitiserve.worker.engine.TranslationCancelledException;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.engine.WorkerStoppingException;

import java.time.Clock;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs the jobs of single-pass models (one generator forward each, no steps to batch) one at a time
 * on a thread of their own, beside the diffusion lanes of the {@link StepScheduler}. A job cancelled or
 * past its deadline before its forward starts is dropped; its progress is one step of one.
 */
final class SinglePassLane implements AutoCloseable {

    private final Clock clock;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "pitiserve-scheduler-single-pass");
        t.setDaemon(true);
        return t;
    });
    private final Set<CompletableFuture<TranslationResult>> pending = ConcurrentHashMap.newKeySet();

    SinglePassLane(Clock clock) {
        this.clock = clock;
    }

    CompletableFuture<TranslationResult> submit(JobSpec spec) {
        CompletableFuture<TranslationResult> result = new CompletableFuture<>();
        pending.add(result);
        result.whenComplete((value, failure) -> pending.remove(result));
        thread.execute(() -> {
            if (result.isDone()) {
                return;
            }
            try {
                result.complete(run(spec));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private TranslationResult run(JobSpec spec) {
        if (spec.cancelled().getAsBoolean()) {
            throw new TranslationCancelledException("cancelled before it started");
        }
        if (spec.deadline() != null && clock.instant().isAfter(spec.deadline())) {
            throw new DeadlineExceededException("deadline " + spec.deadline() + " passed before it started");
        }
        TranslationResult result = spec.model().generator().generate(spec.request());
        spec.progress().onStep(StageKind.BASE, 1, 1);
        return result;
    }

    /** Waits for the running forward; jobs not started complete with {@link WorkerStoppingException}. */
    @Override
    public void close() {
        thread.shutdown();
        for (CompletableFuture<TranslationResult> job : pending) {
            job.completeExceptionally(new WorkerStoppingException("the worker is stopping"));
        }
        boolean interrupted = false;
        while (!thread.isTerminated()) {
            try {
                thread.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
