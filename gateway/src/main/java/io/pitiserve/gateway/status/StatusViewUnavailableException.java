package io.pitiserve.gateway.status;

import java.util.Map;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.errors.ServiceException;

/** The status view cannot be queried now (starting, rebalancing after a failure, Kafka down). */
public class StatusViewUnavailableException extends ServiceException {

    private static final long serialVersionUID = 1L;

    public StatusViewUnavailableException(String message, Throwable cause) {
        super(ErrorCode.UNAVAILABLE, message, Map.of(), null, true, cause);
    }
}
