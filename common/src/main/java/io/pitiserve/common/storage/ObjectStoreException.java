package io.pitiserve.common.storage;

import java.util.Map;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/** A failed object-store call; throttling, 5xx and network errors are retryable, 403/404 are not. */
public class ObjectStoreException extends ServiceException {

    private static final long serialVersionUID = 1L;

    public ObjectStoreException(String message, boolean retryable, Throwable cause) {
        this(ErrorCode.UNAVAILABLE, message, retryable, cause);
    }

    protected ObjectStoreException(ErrorCode code, String message, boolean retryable, Throwable cause) {
        super(code, message, Map.of(), null, retryable, cause);
    }
}
