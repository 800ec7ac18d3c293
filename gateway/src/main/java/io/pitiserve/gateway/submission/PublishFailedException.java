package io.pitiserve.gateway.submission;

import java.util.Map;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/** Kafka did not acknowledge a publication in time; the client should retry later. */
public class PublishFailedException extends ServiceException {

    private static final long serialVersionUID = 1L;

    public PublishFailedException(String message, Throwable cause) {
        super(ErrorCode.UNAVAILABLE, message, Map.of(), null, true, cause);
    }
}
