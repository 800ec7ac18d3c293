package io.pitiserve.worker.runtime.job;

import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.common.image.PngImages;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.worker.engine.TranslationResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Stores a job's results with retries: its PNGs side by side, then its manifest (the Succeeded
 * event) last, whose presence means every result object is complete; and finds the manifest of a
 * job that finished before.
 */
final class ResultWriter {

    private static final Logger log = LoggerFactory.getLogger(ResultWriter.class);

    private final ObjectStore store;
    private final Retrier retrier;
    private final Executor writers;

    /** @param writers runs all writes of a job but the last, which runs on the caller's thread */
    ResultWriter(ObjectStore store, Retrier retrier, Executor writers) {
        this.store = store;
        this.retrier = retrier;
        this.writers = writers;
    }

    /**
     * Encodes and stores every sample, then every base image, of {@code result} at once and returns
     * them in that order; the first failure (retries given up, the job abandoned) is thrown as it was.
     */
    List<TranslationSucceeded.ResultImage> images(String jobId, TranslationResult result, BooleanSupplier abandoned) {
        List<Supplier<TranslationSucceeded.ResultImage>> writes = new ArrayList<>();
        for (int i = 0; i < result.images().size(); i++) {
            int index = i;
            writes.add(() -> png("sample", index, ResultKeys.sample(jobId, index), result.images().get(index),
                    result.size(), abandoned));
        }
        for (int i = 0; i < result.baseImages().size(); i++) {
            int index = i;
            writes.add(() -> png("base", index, ResultKeys.base(jobId, index), result.baseImages().get(index),
                    result.baseSize(), abandoned));
        }
        return all(jobId, writes);
    }

    /** Writes the job's manifest; called last, once every result object is stored. */
    void manifest(TranslationSucceeded succeeded, BooleanSupplier abandoned) {
        put(succeeded.manifestKey(), EventCodec.toJson(succeeded), "application/json", abandoned);
    }

    void put(String key, byte[] bytes, String contentType, BooleanSupplier abandoned) {
        retrier.run("writing " + key, () -> store.put(key, bytes, contentType), abandoned);
    }

    /** The Succeeded event of the job's stored manifest; empty when there is none or it is not the job's. */
    Optional<TranslationSucceeded> finished(String jobId, BooleanSupplier abandoned) {
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

    private TranslationSucceeded.ResultImage png(String kind, int index, String key, float[] chw, int size,
                                                 BooleanSupplier abandoned) {
        byte[] png = PngImages.encode(chw, 3, size, size);
        put(key, png, "image/png", abandoned);
        return new TranslationSucceeded.ResultImage(kind, index, key, png.length, JobIntake.sha256(png), size, size);
    }

    /** Runs the writes side by side (the last one on this thread) and returns their results in order. */
    private List<TranslationSucceeded.ResultImage> all(String jobId,
                                                       List<Supplier<TranslationSucceeded.ResultImage>> writes) {
        List<CompletableFuture<TranslationSucceeded.ResultImage>> started = new ArrayList<>();
        for (Supplier<TranslationSucceeded.ResultImage> write : writes.subList(0, Math.max(0, writes.size() - 1))) {
            started.add(CompletableFuture.supplyAsync(() -> JobRunner.withJobId(jobId, write), writers));
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
                results.add(JobRunner.joined(write));
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
}
