package io.pitiserve.gateway.status;

/** The status view cannot be queried now (starting, rebalancing after a failure, Kafka down). */
public class StatusViewUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StatusViewUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
