package io.pitiserve.common.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;

/**
 * A job accepted by the gateway: its input is in the object store under {@code inputKey}.
 * Published on the requests topic; the worker that consumes it runs the job.
 *
 * @param inputKey         object key of the stored input (e.g. {@code inputs/{tenant}/{job}.png})
 * @param inputSha256      hex sha256 of the stored input bytes
 * @param inputContentType media type of the stored input
 * @param kind             {@value #TRANSLATION} (also when absent) or {@value #EVALUATION}: an evaluation's
 *                         input is its {@link EvaluationSpec} as JSON, and the worker translates and scores
 *                         the spec's dataset instead of translating the input
 */
public record TranslationRequested(
        String jobId,
        String tenant,
        Instant time,
        String inputKey,
        String inputSha256,
        String inputContentType,
        TranslationParams params,
        String kind) implements JobEvent {

    /** The kind of a translation job. */
    public static final String TRANSLATION = "translation";
    /** The kind of an evaluation job. */
    public static final String EVALUATION = "evaluation";

    /** A translation. */
    public TranslationRequested(String jobId, String tenant, Instant time, String inputKey, String inputSha256,
                                String inputContentType, TranslationParams params) {
        this(jobId, tenant, time, inputKey, inputSha256, inputContentType, params, null);
    }

    /** Whether the job is an evaluation. */
    @JsonIgnore
    public boolean evaluation() {
        return EVALUATION.equals(kind);
    }
}
