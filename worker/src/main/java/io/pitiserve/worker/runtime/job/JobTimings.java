package io.pitiserve.worker.runtime.job;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.TraceContext;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.runtime.tracing.JobTracing;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The phase timings of a job, in milliseconds rounded to a tenth: the map its Succeeded event
 * carries, the stage and step timers of the worker's metrics, and the phase spans of its trace.
 *
 * <p>A translation's phases are marked with {@link System#nanoTime()} at five points: begun, input
 * fetched, request prepared, engine done, results stored.
 */
final class JobTimings {

    /** Indexes of the five marks of a translation. */
    static final int BEGUN = 0;
    static final int FETCHED = 1;
    static final int PREPARED = 2;
    static final int RAN = 3;
    static final int STORED = 4;

    private final MeterRegistry meters;
    private final JobTracing tracing;

    JobTimings(MeterRegistry meters, JobTracing tracing) {
        this.meters = meters;
        this.tracing = tracing;
    }

    /** How long the job waited between its request and its start; 0 when the request has no time or is later. */
    static double queuedMs(Instant requested, Instant startedAt) {
        return requested == null ? 0.0 : (double) Math.max(0, Duration.between(requested, startedAt).toMillis());
    }

    /** The timings of a translation: queued, fetch, prepare, encode, base, upsampler, store and total. */
    static Map<String, Double> translation(double queuedMs, long[] marks, TranslationResult.Timings engine) {
        Map<String, Double> timings = new LinkedHashMap<>();
        timings.put("queued", queuedMs);
        timings.put("fetch", millis(marks[FETCHED] - marks[BEGUN]));
        timings.put("prepare", millis(marks[PREPARED] - marks[FETCHED]));
        timings.put("encode", round(engine.encodeMs()));
        timings.put("base", round(engine.baseMs()));
        timings.put("upsampler", round(engine.upsamplerMs()));
        timings.put("store", millis(marks[STORED] - marks[RAN]));
        timings.put("total", millis(marks[STORED] - marks[BEGUN]));
        return timings;
    }

    /** Records a translation's stages and mean step times as metrics, and its phases as spans of {@code trace}. */
    void record(TraceContext trace, Instant begun, long[] marks, double queuedMs, TranslationResult.Timings engine) {
        stage("fetch", marks[FETCHED] - marks[BEGUN]);
        stage("prepare", marks[PREPARED] - marks[FETCHED]);
        stage("encode", (long) (engine.encodeMs() * 1e6));
        stage("base", (long) (engine.baseMs() * 1e6));
        stage("upsampler", (long) (engine.upsamplerMs() * 1e6));
        stage("store", marks[STORED] - marks[RAN]);
        stage("queued", (long) (queuedMs * 1e6));
        step("base", engine.baseMs(), engine.baseSteps());
        step("upsampler", engine.upsamplerMs(), engine.upsamplerSteps());
        tracing.phases(trace, begun, marks, engine);
    }

    private void stage(String stage, long nanos) {
        Timer.builder("pitiserve.worker.stage.duration").tag("stage", stage).register(meters)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** The mean wall time of one denoising step of the stage, as this job saw it in its running batch. */
    private void step(String stage, double stageMs, int steps) {
        if (steps > 0) {
            Timer.builder("pitiserve.worker.step.duration").tag("stage", stage).register(meters)
                    .record((long) (stageMs * 1e6 / steps), TimeUnit.NANOSECONDS);
        }
    }

    static double millis(long nanos) {
        return round(nanos / 1e6);
    }

    static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }
}
