package io.pitiserve.worker.runtime.job;

import io.pitiserve.common.events.JobEvent;

/** Where a job's lifecycle events go (the events topic). */
public interface EventSink {

    /**
     * Publishes {@code event} and waits until the broker has it.
     *
     * @throws TransientFailureException when the broker did not acknowledge it (retry)
     */
    void publish(JobEvent event, String traceparent);

    /** Publishes {@code event} without waiting (progress): a lost one is replaced by the next. */
    void publishEventually(JobEvent event, String traceparent);
}
