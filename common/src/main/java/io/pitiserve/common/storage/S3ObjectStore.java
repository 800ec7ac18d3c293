package io.pitiserve.common.storage;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;

/**
 * {@link ObjectStore} on the AWS SDK v2 S3 client (AWS, MinIO, s3proxy). AWS types stay inside
 * this class; callers see {@link ObjectStoreException} only.
 *
 * <p>Errors are classified once, here: throttling (429, 503 SlowDown), request timeouts (408),
 * other 5xx answers and client-side failures (connection refused, reset, timeouts) are
 * {@linkplain ObjectStoreException#retryable() retryable}; 403, 404 and every other 4xx are
 * permanent. The SDK's own retry policy (a few quick attempts with back-off) has already run when
 * a retryable error surfaces; callers retry on a longer scale (Kafka redelivery) or give up.
 *
 * <p>With an {@link S3Settings#endpoint() endpoint} (MinIO, s3proxy) the client sends checksums
 * only where S3 requires them, since S3-compatible servers do not all accept the SDK's newer
 * default checksum headers. Thread-safe; close it to release its HTTP connections.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {

    /** The region when none is configured; S3-compatible servers accept any. */
    public static final String DEFAULT_REGION = "us-east-1";

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration API_CALL_TIMEOUT = Duration.ofMinutes(2);

    private final S3Settings settings;
    private final String bucket;
    private final S3Client s3;
    private final S3Presigner presigner;

    /**
     * @throws IllegalArgumentException when the bucket is missing, or only one of access key and
     *                                  secret key is set
     */
    public S3ObjectStore(S3Settings settings) {
        this.settings = validated(settings);
        this.bucket = settings.bucket();
        Region region = Region.of(blank(settings.region()) ? DEFAULT_REGION : settings.region());
        AwsCredentialsProvider credentials = credentials(settings);
        // To an S3-compatible endpoint (plain HTTP in local mode) a PUT goes with its payload signed
        // whole, not as aws-chunked signed chunks: fewer bytes and HMACs on both sides.
        S3Configuration serviceConfiguration = S3Configuration.builder()
                .pathStyleAccessEnabled(settings.pathStyle())
                .chunkedEncodingEnabled(settings.endpoint() == null)
                .build();

        SdkHttpClient http = UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT_TIMEOUT)
                .socketTimeout(SOCKET_TIMEOUT)
                .build();
        S3ClientBuilder client = S3Client.builder()
                .httpClient(http)
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(serviceConfiguration)
                .overrideConfiguration(o -> o.apiCallTimeout(API_CALL_TIMEOUT));
        S3Presigner.Builder presign = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(serviceConfiguration);
        if (settings.endpoint() != null) {
            client.endpointOverride(settings.endpoint())
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
            presign.endpointOverride(settings.endpoint());
        }
        this.s3 = client.build();
        this.presigner = presign.build();
    }

    /** The settings this store was built from. */
    public S3Settings settings() {
        return settings;
    }

    /**
     * Creates the bucket when it does not exist (local mode and tests); a bucket that already
     * exists, or that another caller creates at the same moment, is fine.
     */
    public void ensureBucket() {
        try {
            s3.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
            return;
        } catch (NoSuchBucketException e) {
            // create it below
        } catch (AwsServiceException e) {
            if (e.statusCode() != 404) {
                throw classify("head bucket " + bucket, e);
            }
        } catch (SdkException | UncheckedIOException e) {
            throw classify("head bucket " + bucket, e);
        }
        try {
            s3.createBucket(b -> b.bucket(bucket));
        } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException e) {
            // someone else created it in the meantime
        } catch (SdkException | UncheckedIOException e) {
            throw classify("create bucket " + bucket, e);
        }
    }

    @Override
    public void put(String key, byte[] bytes, String contentType) {
        requireKey(key);
        PutObjectRequest request = PutObjectRequest.builder()
                .bucket(bucket)
                .key(key)
                .contentType(contentType == null ? "application/octet-stream" : contentType)
                .build();
        call("put " + key, () -> s3.putObject(request, RequestBody.fromBytes(bytes)));
    }

    @Override
    public Optional<byte[]> get(String key) {
        return get(key, Integer.MAX_VALUE - 8L);
    }

    /**
     * Streams the object: the answer's headers are read (size, content type), its body is not.
     * The returned stream holds an HTTP connection until it is closed.
     */
    @Override
    public Optional<StoredObject> open(String key) {
        requireKey(key);
        GetObjectRequest request = GetObjectRequest.builder().bucket(bucket).key(key).build();
        try {
            ResponseInputStream<GetObjectResponse> body = s3.getObject(request);
            GetObjectResponse response = body.response();
            long size = response.contentLength() == null ? -1 : response.contentLength();
            return Optional.of(new StoredObject(size, response.contentType(), new ClosingBody(body)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (AwsServiceException e) {
            // Some servers answer a missing key with a bare 404 the SDK does not map to NoSuchKey;
            // a missing bucket (NoSuchBucket) stays an error.
            if (e.statusCode() == 404 && "NoSuchKey".equals(errorCode(e))) {
                return Optional.empty();
            }
            throw classify("get " + key, e);
        } catch (SdkException | UncheckedIOException e) {
            throw classify("get " + key, e);
        }
    }

    /**
     * Whether the key exists. A HEAD answer carries no error code, so a missing bucket also reads
     * as {@code false} here; {@link #reachable()} tells the two apart.
     */
    @Override
    public boolean exists(String key) {
        requireKey(key);
        try {
            s3.headObject(b -> b.bucket(bucket).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (AwsServiceException e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw classify("head " + key, e);
        } catch (SdkException | UncheckedIOException e) {
            throw classify("head " + key, e);
        }
    }

    @Override
    public List<String> list(String prefix, int max) {
        requireKey(prefix);
        List<String> keys = new ArrayList<>();
        try {
            for (ListObjectsV2Response page : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)
                    .maxKeys(Math.min(1000, Math.max(1, max))))) {
                for (S3Object object : page.contents()) {
                    if (keys.size() == max) {
                        return keys;
                    }
                    keys.add(object.key());
                }
            }
            return keys;
        } catch (SdkException | UncheckedIOException e) {
            throw classify("list " + prefix, e);
        }
    }

    /** Signs locally (no request is made); the URL is valid for {@code ttl}, at most 7 days for SigV4. */
    @Override
    public URI presignGet(String key, Duration ttl) {
        requireKey(key);
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive, was " + ttl);
        }
        GetObjectPresignRequest request = GetObjectPresignRequest.builder()
                .signatureDuration(ttl)
                .getObjectRequest(b -> b.bucket(bucket).key(key))
                .build();
        try {
            return presigner.presignGetObject(request).url().toURI();
        } catch (URISyntaxException e) {
            throw new ObjectStoreException("presigned URL for " + key + " is not a URI", false, e);
        } catch (SdkException e) {
            throw classify("presign " + key, e);
        }
    }

    /** Whether the bucket answers a HEAD with success: reachable, credentials accepted, bucket there. */
    @Override
    public boolean reachable() {
        try {
            s3.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
            return true;
        } catch (SdkException | UncheckedIOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
    }

    /**
     * An object's body that, closed before its end, drops the connection rather than reading the
     * rest of an object nobody wants (a refused, oversized input, say).
     */
    private static final class ClosingBody extends FilterInputStream {

        private final ResponseInputStream<GetObjectResponse> response;
        private boolean ended;

        ClosingBody(ResponseInputStream<GetObjectResponse> response) {
            super(response);
            this.response = response;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            ended |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            ended |= n < 0;
            return n;
        }

        @Override
        public void close() throws IOException {
            if (!ended) {
                response.abort();
            }
            super.close();
        }
    }

    private <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (SdkException | UncheckedIOException e) {
            throw classify(what, e);
        }
    }

    /** The single place that decides whether trying an S3 call again can help. */
    static ObjectStoreException classify(String what, RuntimeException e) {
        if (e instanceof AwsServiceException service) {
            int status = service.statusCode();
            String code = errorCode(service);
            boolean retryable = service.isThrottlingException()
                    || status == 408 || status == 429 || status >= 500
                    || "SlowDown".equals(code) || "RequestTimeout".equals(code);
            String message = "S3 " + what + " failed: HTTP " + status + (code == null ? "" : " " + code);
            return new ObjectStoreException(message, retryable, e);
        }
        if (e instanceof SdkClientException || e instanceof UncheckedIOException) {
            return new ObjectStoreException("S3 " + what + " failed: " + rootMessage(e), true, e);
        }
        // Other SDK failures: timeouts of a whole call and interrupted calls end up here.
        return new ObjectStoreException("S3 " + what + " failed: " + rootMessage(e), e instanceof SdkException, e);
    }

    private static String errorCode(AwsServiceException e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static S3Settings validated(S3Settings settings) {
        if (settings == null) {
            throw new IllegalArgumentException("S3 settings are required (pitiserve.s3.*)");
        }
        if (blank(settings.bucket())) {
            throw new IllegalArgumentException("pitiserve.s3.bucket is required");
        }
        if (blank(settings.accessKey()) != blank(settings.secretKey())) {
            throw new IllegalArgumentException(
                    "pitiserve.s3.access-key and pitiserve.s3.secret-key must be set together (or neither, for the AWS default chain)");
        }
        return settings;
    }

    private static AwsCredentialsProvider credentials(S3Settings settings) {
        if (blank(settings.accessKey())) {
            return DefaultCredentialsProvider.builder().build();
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(settings.accessKey(), settings.secretKey()));
    }

    private static void requireKey(String key) {
        if (blank(key)) {
            throw new IllegalArgumentException("object key is required");
        }
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
