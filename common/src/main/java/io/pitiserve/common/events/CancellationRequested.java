package io.pitiserve.common.events;

import java.time.Instant;

/** A client asked to cancel the job; published on the compacted control topic, read by every worker. */
public record CancellationRequested(String jobId, String tenant, Instant time) implements JobEvent {
}
