package io.pitiserve.common.storage;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where inputs and results live (an S3 bucket in every deployment, s3proxy on a laptop). Keys are
 * built by {@link ObjectKeys}: {@code inputs/{tenant}/{jobId}}, {@code results/{jobId}/sample-N.png},
 * {@code results/{jobId}/base-N.png}, {@code results/{jobId}/manifest.json} (written last).
 * Implementations throw {@link ObjectStoreException}, whose {@code retryable()} says whether trying
 * again can help.
 */
public interface ObjectStore {

    void put(String key, byte[] bytes, String contentType);

    /** The object's bytes, or empty when there is no such key. Holds the whole object in memory. */
    Optional<byte[]> get(String key);

    /**
     * The object opened for streaming, or empty when there is no such key; the caller closes it.
     * The default reads the whole object through {@link #get}; stores that can stream override it.
     */
    default Optional<StoredObject> open(String key) {
        return get(key).map(bytes -> new StoredObject(bytes.length, null, new ByteArrayInputStream(bytes)));
    }

    /**
     * The object's bytes when it has at most {@code maxBytes}, or empty when there is no such key.
     * A larger object is refused from the size the store reports, before its body is read.
     *
     * @throws ObjectTooLargeException when the object is larger than {@code maxBytes}
     */
    default Optional<byte[]> get(String key, long maxBytes) {
        Optional<StoredObject> opened = open(key);
        if (opened.isEmpty()) {
            return Optional.empty();
        }
        try (StoredObject object = opened.get()) {
            return Optional.of(object.readAll(key, maxBytes));
        }
    }

    boolean exists(String key);

    /** The keys under {@code prefix}, in the store's (lexicographic) order, at most {@code max}. */
    List<String> list(String prefix, int max);

    /** A URL that lets anyone holding it GET the object for {@code ttl}. */
    URI presignGet(String key, Duration ttl);

    /** Whether the store answers at all (health checks). */
    boolean reachable();
}
