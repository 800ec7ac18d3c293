package io.pitiserve.standalone.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real S3 HTTP API (s3proxy on its filesystem back end) inside this JVM: SigV2/SigV4
 * authentication, presigned URLs, one bucket created at start. Objects live as files under
 * {@code <dataDir>/s3/<bucket>/} and survive restarts.
 */
public final class LocalS3 implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalS3.class);
    private static final long START_TIMEOUT_MILLIS = 30_000;

    /** Where objects live, where the API listens ({@code port} 0: any free port) and who may call it. */
    public record Settings(Path dataDir, String host, int port, String bucket, String accessKey, String secretKey) {
        public Settings {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("S3 port out of range: " + port);
            }
            if (bucket == null || !bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                throw new IllegalArgumentException("not a valid S3 bucket name: " + bucket);
            }
            if (accessKey == null || accessKey.isBlank() || secretKey == null || secretKey.isBlank()) {
                throw new IllegalArgumentException("S3 access key and secret key must be set");
            }
        }
    }

    private final Settings settings;
    private final BlobStore blobStore;
    private final S3Proxy proxy;

    private LocalS3(Settings settings, BlobStore blobStore, S3Proxy proxy) {
        this.settings = settings;
        this.blobStore = blobStore;
        this.proxy = proxy;
    }

    /** Starts the server and creates the bucket when it does not exist yet. */
    public static LocalS3 start(Settings settings) {
        long started = System.nanoTime();
        Path root = root(settings);
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create S3 data directory " + root, e);
        }
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", root.toAbsolutePath().toString());
        BlobStore blobStore = BlobStores.create("filesystem", props);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(blobStore)
                .endpoint(URI.create("http://" + settings.host() + ":" + settings.port()))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, settings.accessKey(), settings.secretKey())
                .build();
        LocalS3 s3 = new LocalS3(settings, blobStore, proxy);
        try {
            proxy.start();
            s3.awaitStarted();
            if (!blobStore.containerExists(settings.bucket())) {
                blobStore.createContainer(settings.bucket());
            }
        } catch (Exception e) {
            s3.close();
            throw new IllegalStateException("cannot start the S3 server on " + settings.host() + ":"
                    + settings.port() + ": " + e.getMessage(), e);
        }
        log.info("S3 server ready at {} in {} ms (bucket {}, objects in {})", s3.endpoint(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), settings.bucket(), root);
        return s3;
    }

    /** The base URL of the S3 API, e.g. {@code http://127.0.0.1:9000}. */
    public URI endpoint() {
        return URI.create("http://" + settings.host() + ":" + proxy.getPort());
    }

    public int port() {
        return proxy.getPort();
    }

    public Settings settings() {
        return settings;
    }

    /** The directory holding the buckets. */
    public Path root() {
        return root(settings);
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            log.warn("S3 server did not stop cleanly: {}", e.toString());
        }
        blobStore.close();
    }

    private static Path root(Settings settings) {
        return settings.dataDir().resolve("s3");
    }

    private void awaitStarted() throws InterruptedException {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
        // Jetty starts asynchronously; STARTED means the port is bound.
        while (!"STARTED".equals(proxy.getState())) {
            if ("FAILED".equals(proxy.getState()) || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("s3proxy state " + proxy.getState());
            }
            Thread.sleep(5);
        }
    }
}
