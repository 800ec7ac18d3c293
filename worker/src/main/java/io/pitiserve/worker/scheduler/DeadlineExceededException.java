package io.pitiserve.worker.scheduler;

/** The job's deadline passed before it finished; it was dropped at the next step boundary. */
public class DeadlineExceededException extends RuntimeException {

    public DeadlineExceededException(String message) {
        super(message);
    }
}
