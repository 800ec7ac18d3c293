package io.pitiserve.common.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * An object opened for reading: its size as the store reported it, and its body as a stream that
 * the caller reads at its own pace and must close (an open S3 object holds an HTTP connection).
 *
 * @param size        the object's length in bytes, from the store's answer, before any byte is read
 * @param contentType the stored content type, or null
 * @param body        the object's bytes
 */
public record StoredObject(long size, String contentType, InputStream body) implements AutoCloseable {

    /**
     * The whole body, refusing an object larger than {@code maxBytes} from its reported size,
     * before reading it, and again while reading should the body run longer than reported.
     *
     * @throws ObjectTooLargeException when the object has more than {@code maxBytes} bytes
     */
    public byte[] readAll(String key, long maxBytes) {
        if (size > maxBytes) {
            throw new ObjectTooLargeException(key, size, maxBytes);
        }
        try {
            int limit = (int) Math.min(maxBytes, Integer.MAX_VALUE - 8L);
            byte[] bytes = body.readNBytes(limit);
            if (bytes.length == limit && body.read() >= 0) {
                throw new ObjectTooLargeException(key, -1, maxBytes);
            }
            return bytes;
        } catch (IOException e) {
            throw new ObjectStoreException("reading " + key + " failed: " + e.getMessage(), true, e);
        }
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
