package io.pitiserve.worker.runtime.job;

import io.micrometer.core.instrument.MeterRegistry;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.common.storage.ObjectStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Retries transient failures (retryable object-store errors, unacknowledged broker sends) with
 * exponential back-off until they pass or the job is abandoned; anything else is thrown at once.
 * A job is never dropped for a transient fault: it waits, or it is left uncommitted for another delivery.
 */
public final class Retrier {

    private static final Logger log = LoggerFactory.getLogger(Retrier.class);
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final long initialNanos;
    private final long maxNanos;
    private final MeterRegistry meters;

    public Retrier(Duration initial, Duration max) {
        this(initial, max, null);
    }

    /** @param meters where {@code pitiserve.worker.retries{cause=store|broker}} counts the retries; may be null */
    public Retrier(Duration initial, Duration max, MeterRegistry meters) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.meters = meters;
    }

    /** Whether trying again can help: what the failure says of itself, and no for anything not ours. */
    public static boolean retryable(Throwable failure) {
        return failure instanceof ServiceException ours && ours.retryable();
    }

    public void run(String what, Runnable action, BooleanSupplier abandoned) {
        call(what, () -> {
            action.run();
            return null;
        }, abandoned);
    }

    public <T> T call(String what, Supplier<T> action, BooleanSupplier abandoned) {
        long delay = initialNanos;
        for (int attempt = 1; ; attempt++) {
            if (abandoned.getAsBoolean()) {
                throw new JobAbandonedException("abandoned before " + what);
            }
            try {
                return action.get();
            } catch (RuntimeException e) {
                if (!retryable(e)) {
                    throw e;
                }
                log.warn("{} failed (try {}), trying again in {} ms: {}", what, attempt,
                        TimeUnit.NANOSECONDS.toMillis(delay), e.getMessage());
                if (meters != null) {
                    meters.counter("pitiserve.worker.retries", "cause",
                            e instanceof ObjectStoreException ? "store" : "broker").increment();
                }
                pause(delay, abandoned, what);
                delay = Math.min(maxNanos, delay * 2);
            }
        }
    }

    private static void pause(long nanos, BooleanSupplier abandoned, String what) {
        long until = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = until - System.nanoTime()) {
            if (abandoned.getAsBoolean()) {
                throw new JobAbandonedException("abandoned while retrying " + what);
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(left, SLICE_NANOS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobAbandonedException("interrupted while retrying " + what);
            }
        }
    }
}
