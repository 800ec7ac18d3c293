package io.pitiserve.common.testing;

import java.net.URI;
import java.util.Map;
import java.util.Properties;

import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.common.storage.S3Settings;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/**
 * A real S3 HTTP server (s3proxy, objects in memory) in the test JVM, for every module's
 * integration tests (common's test-jar). It can be stopped mid-test and started again on the same
 * endpoint with its objects intact, to play an S3 outage.
 */
public final class LocalS3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "test-access";
    public static final String SECRET_KEY = "test-secret-0123456789";

    private final BlobStore blobs;
    private final URI endpoint;
    private S3Proxy proxy;

    private LocalS3Server(BlobStore blobs, S3Proxy proxy) {
        this.blobs = blobs;
        this.proxy = proxy;
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    /** Starts a server on a free port of 127.0.0.1. */
    public static LocalS3Server start() {
        BlobStore blobs = BlobStores.create("transient", new Properties());
        return new LocalS3Server(blobs, serve(blobs, URI.create("http://127.0.0.1:0")));
    }

    public URI endpoint() {
        return endpoint;
    }

    /** The {@code pitiserve.s3.*} properties that point an app at {@code bucket} here (created at start-up). */
    public Map<String, String> properties(String bucket) {
        return Map.of(
                "pitiserve.s3.endpoint", endpoint.toString(),
                "pitiserve.s3.bucket", bucket,
                "pitiserve.s3.access-key", ACCESS_KEY,
                "pitiserve.s3.secret-key", SECRET_KEY,
                "pitiserve.s3.path-style", "true",
                "pitiserve.s3.create-bucket", "true");
    }

    /** A client of {@code bucket} here, created when missing; close it after use. */
    public S3ObjectStore client(String bucket) {
        S3ObjectStore store = new S3ObjectStore(new S3Settings(endpoint, "us-east-1", bucket, ACCESS_KEY, SECRET_KEY,
                true));
        store.ensureBucket();
        return store;
    }

    /** Stops answering: connections to the endpoint are refused until {@link #startAgain()}. */
    public synchronized void stop() throws Exception {
        proxy.stop();
    }

    /** Serves again on the same endpoint, with every object stored before {@link #stop()}. */
    public synchronized void startAgain() {
        proxy = serve(blobs, endpoint);
    }

    @Override
    public synchronized void close() throws Exception {
        proxy.stop();
    }

    private static S3Proxy serve(BlobStore blobs, URI endpoint) {
        try {
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(blobs)
                    .endpoint(endpoint)
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .build();
            proxy.start();
            return proxy;
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not start on " + endpoint, e);
        }
    }
}
