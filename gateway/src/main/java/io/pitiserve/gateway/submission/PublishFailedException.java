package io.pitiserve.gateway.submission;

/** Kafka did not acknowledge a publication in time; the client should retry later. */
public class PublishFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PublishFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
