package io.pitiserve.common.storage;

import java.net.URI;
import java.time.Duration;
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

    /** The object's bytes, or empty when there is no such key. */
    Optional<byte[]> get(String key);

    boolean exists(String key);

    /** A URL that lets anyone holding it GET the object for {@code ttl}. */
    URI presignGet(String key, Duration ttl);

    /** Whether the store answers at all (health checks). */
    boolean reachable();
}
