package io.pitiserve.worker.runtime.job;

import io.micrometer.tracing.TraceContext;
import io.pitiserve.common.events.JobEvent;

/**
 * Where a job's lifecycle events go (the events topic). Each event continues {@code trace}, the
 * context of the job's span (null: a trace of its own).
 */
public interface EventSink {

    /**
     * Publishes {@code event} and waits until the broker has it.
     *
     * @throws TransientFailureException when the broker did not acknowledge it (retry)
     */
    void publish(JobEvent event, TraceContext trace);

    /**
     * Hands {@code event} to the broker's client now, which fixes its place on the job's partition
     * before every event of the job published later, and returns the wait for its acknowledgement.
     *
     * @throws TransientFailureException when the event could not even be handed over (broker away)
     */
    Acknowledgement publishLater(JobEvent event, TraceContext trace);

    /** The broker's acknowledgement of one event handed over with {@link #publishLater}. */
    @FunctionalInterface
    interface Acknowledgement {
        /**
         * Waits until the broker has the event.
         *
         * @throws TransientFailureException when the broker did not take it
         */
        void await();
    }

    /** Publishes {@code event} without waiting (progress): a lost one is replaced by the next. */
    void publishEventually(JobEvent event, TraceContext trace);
}
