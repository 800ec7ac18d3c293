package io.pitiserve.common.events;

import java.time.Instant;

/** The job failed for good with a stable {@code code} and a message a developer can act on. */
public record TranslationFailed(String jobId, String tenant, Instant time, String code, String message)
        implements JobEvent {
}
