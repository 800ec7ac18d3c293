package io.pitiserve.common.events;

import java.time.Instant;

/**
 * A job accepted by the gateway: its input is in the object store under {@code inputKey}.
 * Published on the requests topic; the worker that consumes it runs the job.
 *
 * @param inputKey         object key of the stored input (e.g. {@code inputs/{tenant}/{job}.png})
 * @param inputSha256      hex sha256 of the stored input bytes
 * @param inputContentType media type of the stored input
 */
public record TranslationRequested(
        String jobId,
        String tenant,
        Instant time,
        String inputKey,
        String inputSha256,
        String inputContentType,
        TranslationParams params) implements JobEvent {
}
