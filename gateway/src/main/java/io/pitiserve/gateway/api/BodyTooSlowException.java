package io.pitiserve.gateway.api;

import java.io.IOException;

/** A request body arrived slower than {@code pitiserve.gateway.edge.min-body-rate}; the read is given up. */
public final class BodyTooSlowException extends IOException {

    private static final long serialVersionUID = 1L;

    BodyTooSlowException(long bytes, long millis, long minBytesPerSecond) {
        super("the request body arrived at " + (millis == 0 ? bytes : bytes * 1000 / millis)
                + " bytes/s on average (" + bytes + " bytes in " + millis + " ms); at least " + minBytesPerSecond
                + " bytes/s are needed");
    }
}
