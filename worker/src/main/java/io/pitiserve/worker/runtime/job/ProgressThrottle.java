package io.pitiserve.worker.runtime.job;

import io.pitiserve.worker.engine.ProgressListener;
import io.pitiserve.worker.engine.StageKind;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Lets a step through at most once per {@code interval}, and always the base stage's last step, so
 * that a fast model does not flood the events topic while a client still sees the base stage end.
 * The upsampler's last step is not sent: the job's terminal event follows it within milliseconds,
 * and a progress event then would only cross the events topic and the status view while the
 * results are being stored.
 */
public final class ProgressThrottle implements ProgressListener {

    /** Receives the steps that passed the throttle. */
    @FunctionalInterface
    public interface Sink {
        void progress(StageKind stage, int step, int of);
    }

    private final long intervalNanos;
    private final LongSupplier clock;
    private final Sink sink;
    private long lastNanos;
    private boolean emitted;

    public ProgressThrottle(Duration interval, LongSupplier nanoClock, Sink sink) {
        this.intervalNanos = interval.toNanos();
        this.clock = nanoClock;
        this.sink = sink;
    }

    @Override
    public void onStep(StageKind stage, int step, int of) {
        long now = clock.getAsLong();
        if (step == of && stage == StageKind.UPSAMPLER) {
            return;
        }
        if (step == of || !emitted || now - lastNanos >= intervalNanos) {
            emitted = true;
            lastNanos = now;
            sink.progress(stage, step, of);
        }
    }
}
