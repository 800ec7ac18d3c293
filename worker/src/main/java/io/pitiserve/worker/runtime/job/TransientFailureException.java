package io.pitiserve.worker.runtime.job;

import java.util.Map;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/** A failure that trying again can cure (a broker that did not acknowledge in time). */
public class TransientFailureException extends ServiceException {

    private static final long serialVersionUID = 1L;

    public TransientFailureException(String message, Throwable cause) {
        super(ErrorCode.UNAVAILABLE, message, Map.of(), null, true, cause);
    }
}
