package io.pitiserve.client;

import java.net.URI;

/**
 * The answer to a submission.
 *
 * @param translation the job as the gateway answered: queued, or finished when a wait was asked and it
 *                    finished in time
 * @param location    the job's URL ({@code Location})
 * @param replayed    true when the Idempotency-Key named a job submitted before ({@code Idempotent-Replayed})
 */
public record Accepted(Translation translation, URI location, boolean replayed) {

    /** The job id. */
    public String id() {
        return translation.id();
    }
}
