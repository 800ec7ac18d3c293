package io.pitiserve.gateway.support;

import java.net.URI;

import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.common.testing.LocalS3Server;

/** A real S3 HTTP server (s3proxy, in memory) in the test JVM, holding the gateway's bucket. */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = LocalS3Server.ACCESS_KEY;
    public static final String SECRET_KEY = LocalS3Server.SECRET_KEY;
    public static final String BUCKET = "pitiserve-test";

    private final LocalS3Server server;

    private S3ProxyServer(LocalS3Server server) {
        this.server = server;
    }

    public static S3ProxyServer start() {
        return new S3ProxyServer(LocalS3Server.start());
    }

    public URI endpoint() {
        return server.endpoint();
    }

    /** Points the gateway under test at this server's bucket (created at start-up). */
    public void register(org.springframework.test.context.DynamicPropertyRegistry registry) {
        server.properties(BUCKET).forEach((name, value) -> registry.add(name, () -> value));
    }

    /** A client of the same bucket, for arranging and checking objects. */
    public S3ObjectStore client() {
        return server.client(BUCKET);
    }

    /** Stops answering until {@link #startAgain()}: an S3 outage. */
    public void stop() throws Exception {
        server.stop();
    }

    /** Serves again on the same endpoint with the same objects. */
    public void startAgain() {
        server.startAgain();
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
