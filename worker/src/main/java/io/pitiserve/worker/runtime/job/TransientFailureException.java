package io.pitiserve.worker.runtime.job;

/** A failure that trying again can cure (a broker that did not acknowledge in time). */
public class TransientFailureException extends RuntimeException {

    public TransientFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
