package io.pitiserve.worker.runtime.job;

import java.time.Duration;

/** The jobs clients asked to cancel, as read from the control topic. */
public interface CancelledJobs {

    boolean isCancelled(String jobId);

    /**
     * Waits up to {@code max} until every cancellation published before {@code sinceNanos}
     * ({@link System#nanoTime()}) has been read, so that a job cancelled before it arrived is never run.
     *
     * @return whether the reader caught up in time
     */
    boolean awaitCaughtUp(long sinceNanos, Duration max);

    /** For tests and the CLI: nothing is ever cancelled. */
    CancelledJobs NONE = new CancelledJobs() {
        @Override
        public boolean isCancelled(String jobId) {
            return false;
        }

        @Override
        public boolean awaitCaughtUp(long sinceNanos, Duration max) {
            return true;
        }
    };
}
