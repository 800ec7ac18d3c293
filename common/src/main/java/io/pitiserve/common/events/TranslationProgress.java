package io.pitiserve.common.events;

import java.time.Instant;

/** {@code step} of {@code of} steps of {@code stage} (base or upsampler) are done; throttled. */
public record TranslationProgress(String jobId, String tenant, Instant time, String stage, int step, int of)
        implements JobEvent {
}
