package io.pitiserve.common.events;

import java.time.Instant;

/** The job was cancelled before it finished; nothing of it is kept. */
public record TranslationCancelled(String jobId, String tenant, Instant time, String reason) implements JobEvent {
}
