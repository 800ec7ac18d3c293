package io.pitiserve.gateway.api;

import java.io.IOException;

import org.apache.coyote.InputBuffer;
import org.apache.tomcat.util.net.ApplicationBufferHandler;

/**
 * Tomcat's input buffer of one request, measured: once {@code graceNanos} have passed since the
 * first read, a read that leaves the body's average rate below {@code minBytesPerSecond} fails
 * with {@link BodyTooSlowException}. Every reader of the body goes through it, Tomcat's own
 * multipart parser included. A client that sends nothing at all is stopped by Tomcat's
 * connection timeout, which bounds every single wait for bytes.
 */
final class MinimumRateInputBuffer implements InputBuffer {

    private final InputBuffer delegate;
    private final long minBytesPerSecond;
    private final long graceNanos;
    private long started = -1;
    private long bytes;

    MinimumRateInputBuffer(InputBuffer delegate, long minBytesPerSecond, long graceNanos) {
        this.delegate = delegate;
        this.minBytesPerSecond = minBytesPerSecond;
        this.graceNanos = graceNanos;
    }

    @Override
    public int doRead(ApplicationBufferHandler handler) throws IOException {
        if (started < 0) {
            started = System.nanoTime();
        }
        int read = delegate.doRead(handler);
        if (read > 0) {
            bytes += read;
        }
        long elapsed = System.nanoTime() - started;
        if (read >= 0 && elapsed > graceNanos && bytes < (double) minBytesPerSecond * elapsed / 1e9) {
            throw new BodyTooSlowException(bytes, elapsed / 1_000_000, minBytesPerSecond);
        }
        return read;
    }

    @Override
    public int available() {
        return delegate.available();
    }
}
