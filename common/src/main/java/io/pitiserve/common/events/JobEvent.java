package io.pitiserve.common.events;

import java.time.Instant;

/**
 * A fact about one translation job, as carried by Kafka. Every event is keyed by its job id; the
 * logical {@link #type()} (CloudEvents {@code ce_type}) names it on the wire, never a class name.
 */
public sealed interface JobEvent permits TranslationRequested, TranslationStarted, TranslationProgress,
        TranslationSucceeded, TranslationFailed, TranslationCancelled, CancellationRequested {

    /** The job this fact is about; also the Kafka record key and the CloudEvents subject. */
    String jobId();

    /** The tenant owning the job. */
    String tenant();

    /** When the fact happened. */
    Instant time();

    /** The CloudEvents type, e.g. {@code io.pitiserve.translation.succeeded.v1}. */
    default String type() {
        return EventTypes.typeOf(getClass());
    }
}
