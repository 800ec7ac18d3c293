package io.pitiserve.common.storage;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link ObjectStore} on the AWS SDK v2 S3 client (AWS, MinIO, s3proxy).
 * TODO(contracts): implement; classify errors (403/404 permanent, throttling/5xx/IO retryable).
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {

    private final S3Settings settings;

    public S3ObjectStore(S3Settings settings) {
        this.settings = settings;
    }

    /** Creates the bucket when it does not exist (local mode and tests). */
    public void ensureBucket() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    @Override
    public Optional<byte[]> get(String key) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    @Override
    public boolean exists(String key) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    @Override
    public URI presignGet(String key, Duration ttl) {
        throw new UnsupportedOperationException("not yet implemented");
    }

    @Override
    public boolean reachable() {
        throw new UnsupportedOperationException("not yet implemented");
    }

    @Override
    public void close() {
    }
}
