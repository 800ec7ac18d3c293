package io.pitiserve.gateway.support;

import java.net.URI;
import java.util.Properties;

import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.common.storage.S3Settings;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;

/** A real S3 HTTP server (s3proxy, in memory) in the test JVM. */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "test-access";
    public static final String SECRET_KEY = "test-secret";
    public static final String BUCKET = "pitiserve-test";

    private final S3Proxy proxy;
    private final URI endpoint;

    private S3ProxyServer(S3Proxy proxy) {
        this.proxy = proxy;
        this.endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public static S3ProxyServer start() {
        try {
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(BlobStores.create("transient", new Properties()))
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .build();
            proxy.start();
            return new S3ProxyServer(proxy);
        } catch (Exception e) {
            throw new IllegalStateException("s3proxy did not start", e);
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Points the gateway under test at this server's bucket (created at start-up). */
    public void register(org.springframework.test.context.DynamicPropertyRegistry registry) {
        registry.add("pitiserve.s3.endpoint", () -> endpoint.toString());
        registry.add("pitiserve.s3.bucket", () -> BUCKET);
        registry.add("pitiserve.s3.access-key", () -> ACCESS_KEY);
        registry.add("pitiserve.s3.secret-key", () -> SECRET_KEY);
        registry.add("pitiserve.s3.path-style", () -> "true");
        registry.add("pitiserve.s3.create-bucket", () -> "true");
    }

    /** A client of the same bucket, for arranging and checking objects. */
    public S3ObjectStore client() {
        S3ObjectStore store = new S3ObjectStore(new S3Settings(endpoint, "us-east-1", BUCKET, ACCESS_KEY, SECRET_KEY, true));
        store.ensureBucket();
        return store;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
