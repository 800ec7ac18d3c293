package io.pitiserve.common.npy;

import java.io.IOException;

/** A {@code .npy} stream that is malformed, truncated, or of a kind {@link NpyReader} does not read. */
public final class NpyFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    public NpyFormatException(String message) {
        super(message);
    }
}
