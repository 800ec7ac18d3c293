package io.pitiserve.client;

/**
 * One Server-Sent Event of {@code GET /v1/translations/{id}/events}.
 *
 * @param id          the event id: the version of the job it shows
 * @param name        the new status when the status changed (queued, running, succeeded, failed,
 *                    cancelled), {@code progress} otherwise
 * @param translation the job as of the event
 */
public record TranslationEvent(String id, String name, Translation translation) {
}
