package io.pitiserve.common.events;

import java.time.Instant;

/** A worker began the job ({@code attempt} counts redeliveries, 1 for the first). */
public record TranslationStarted(String jobId, String tenant, Instant time, String worker, int attempt)
        implements JobEvent {
}
