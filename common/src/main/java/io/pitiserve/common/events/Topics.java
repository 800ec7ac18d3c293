package io.pitiserve.common.events;

/**
 * Topic names; every one shares a configurable prefix ({@code pitiserve.} by default).
 *
 * @param requests TranslationRequested, key = job id; its partition count caps the busy workers
 * @param events   every lifecycle fact of a job, key = job id
 * @param control  cancellations, compacted, read by every worker
 * @param deadLetter records that could not be read, kept for people to look at
 */
public record Topics(String requests, String events, String control, String deadLetter) {

    public static Topics withPrefix(String prefix) {
        return new Topics(prefix + "requests", prefix + "events", prefix + "control", prefix + "dead-letter");
    }

    public static Topics defaults() {
        return withPrefix("pitiserve.");
    }
}
