package io.pitiserve.client;

/**
 * A call that could not be carried out: the gateway could not be reached, an answer was not what
 * the API promises, a download did not match its checksum, or a wait ran out. Answers with
 * Problem Details are {@link ProblemException}s.
 */
public class PitiServeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public PitiServeException(String message) {
        super(message);
    }

    public PitiServeException(String message, Throwable cause) {
        super(message, cause);
    }
}
