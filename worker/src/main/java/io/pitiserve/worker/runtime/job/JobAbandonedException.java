package io.pitiserve.worker.runtime.job;

/**
 * The worker gave the job up without an outcome (its partition was revoked or the worker is shutting
 * down past the drain timeout); its offset is not committed, so another delivery runs it.
 */
public class JobAbandonedException extends RuntimeException {

    public JobAbandonedException(String message) {
        super(message);
    }
}
