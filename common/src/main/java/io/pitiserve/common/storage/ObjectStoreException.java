package io.pitiserve.common.storage;

/** A failed object-store call; throttling, 5xx and network errors are retryable, 403/404 are not. */
public class ObjectStoreException extends RuntimeException {

    private final boolean retryable;

    public ObjectStoreException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
