package io.pitiserve.common.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import io.pitiserve.common.testing.LocalS3Server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The S3 adapter against a real S3 HTTP server (s3proxy, in memory) in this JVM. */
class S3ObjectStoreIT {

    private static final String SECRET_KEY = LocalS3Server.SECRET_KEY;
    private static final String BUCKET = "pitiserve-test";

    private static LocalS3Server s3;
    private static URI endpoint;

    private S3ObjectStore store;

    @BeforeAll
    static void startS3() {
        s3 = LocalS3Server.start();
        endpoint = s3.endpoint();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3.close();
    }

    @BeforeEach
    void openStore() {
        store = new S3ObjectStore(settings(endpoint, BUCKET, SECRET_KEY));
        store.ensureBucket();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void storedBytesReadBackUnchanged() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, (byte) 0xff};

        store.put("results/tr_a/sample-0.png", png, "image/png");

        assertThat(store.get("results/tr_a/sample-0.png")).hasValue(png);
        assertThat(store.exists("results/tr_a/sample-0.png")).isTrue();
    }

    @Test
    void aSecondPutReplacesTheObject() {
        store.put("inputs/acme/tr_b", "one".getBytes(StandardCharsets.UTF_8), "text/plain");
        store.put("inputs/acme/tr_b", "two".getBytes(StandardCharsets.UTF_8), "text/plain");

        assertThat(store.get("inputs/acme/tr_b")).hasValueSatisfying(
                bytes -> assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo("two"));
    }

    @Test
    void aMissingKeyReadsAsEmptyAndDoesNotExist() {
        assertThat(store.get("results/tr_none/manifest.json")).isEmpty();
        assertThat(store.exists("results/tr_none/manifest.json")).isFalse();
    }

    @Test
    void aPresignedUrlLetsAPlainHttpClientFetchTheBytes() throws Exception {
        byte[] bytes = "a 256 px sample".getBytes(StandardCharsets.UTF_8);
        store.put("results/tr_c/sample-0.png", bytes, "image/png");

        URI url = store.presignGet("results/tr_c/sample-0.png", Duration.ofMinutes(5));
        HttpResponse<byte[]> response = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(bytes);
        assertThat(response.headers().firstValue("content-type")).hasValue("image/png");
        assertThat(url.getQuery()).contains("X-Amz-Signature").doesNotContain(SECRET_KEY);
    }

    @Test
    void anOpenedObjectStreamsItsBytesWithTheSizeAndTypeTheStoreReported() throws IOException {
        byte[] bytes = new byte[300_000];
        new java.util.Random(7).nextBytes(bytes);
        store.put("models/mask/v1/base.pt", bytes, "application/octet-stream");

        try (StoredObject object = store.open("models/mask/v1/base.pt").orElseThrow()) {
            assertThat(object.size()).isEqualTo(bytes.length);
            assertThat(object.contentType()).isEqualTo("application/octet-stream");
            assertThat(object.body().readAllBytes()).isEqualTo(bytes);
        }
        assertThat(store.open("models/mask/v1/missing.pt")).isEmpty();
    }

    @Test
    void aBoundedReadRefusesAnObjectOverTheLimitNamingItsSizeAndTheLimitAndReadsOneWithinIt() {
        byte[] bytes = new byte[10_000];
        store.put("inputs/acme/tr_big", bytes, "image/png");

        assertThatThrownBy(() -> store.get("inputs/acme/tr_big", 9_999))
                .isInstanceOfSatisfying(ObjectTooLargeException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.size()).isEqualTo(10_000);
                    assertThat(e.limit()).isEqualTo(9_999);
                })
                .hasMessageContaining("inputs/acme/tr_big").hasMessageContaining("10000 bytes")
                .hasMessageContaining("at most 9999 bytes");
        assertThat(store.get("inputs/acme/tr_big", 10_000)).hasValue(bytes);
        assertThat(store.get("inputs/acme/tr_none", 10_000)).isEmpty();
        // The refused read dropped its connection cleanly: the store still answers.
        assertThat(store.get("inputs/acme/tr_big")).hasValue(bytes);
    }

    @Test
    void keysUnderAPrefixAreListedInOrderUpToTheMaximum() {
        for (String name : List.of("b", "a", "c")) {
            store.put("uploads/acme/set/inputs/" + name + ".png", new byte[] {1}, "image/png");
        }
        store.put("uploads/acme/other/x.png", new byte[] {1}, "image/png");

        assertThat(store.list("uploads/acme/set/inputs/", 10)).containsExactly("uploads/acme/set/inputs/a.png",
                "uploads/acme/set/inputs/b.png", "uploads/acme/set/inputs/c.png");
        assertThat(store.list("uploads/acme/set/inputs/", 2)).hasSize(2);
        assertThat(store.list("uploads/acme/none/", 10)).isEmpty();
    }

    @Test
    void ensureBucketTwiceIsFine() {
        store.ensureBucket();

        assertThat(store.reachable()).isTrue();
    }

    @Test
    void aStoreWithTheWrongSecretGetsAPermanentError() {
        try (S3ObjectStore wrong = new S3ObjectStore(settings(endpoint, BUCKET, "not-the-secret"))) {
            assertThatThrownBy(() -> wrong.put("inputs/acme/tr_d", new byte[] {1}, "image/png"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("403")
                    .hasMessageNotContaining("not-the-secret");
            assertThatThrownBy(() -> wrong.get("inputs/acme/tr_d"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse());
            assertThat(wrong.reachable()).isFalse();
        }
    }

    @Test
    void aMissingBucketIsAPermanentErrorNotAMissingKey() {
        try (S3ObjectStore nowhere = new S3ObjectStore(settings(endpoint, "no-such-bucket", SECRET_KEY))) {
            assertThatThrownBy(() -> nowhere.get("inputs/acme/tr_e"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("404");
            assertThat(nowhere.reachable()).isFalse();
        }
    }

    @Test
    void aStoreThatCannotConnectGetsARetryableError() throws IOException {
        URI closed = URI.create("http://127.0.0.1:" + freePort());
        try (S3ObjectStore unreachable = new S3ObjectStore(settings(closed, BUCKET, SECRET_KEY))) {
            assertThatThrownBy(() -> unreachable.put("inputs/acme/tr_f", new byte[] {1}, "image/png"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(() -> unreachable.get("inputs/acme/tr_f"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(() -> unreachable.open("inputs/acme/tr_f"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(() -> unreachable.exists("inputs/acme/tr_f"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThat(unreachable.reachable()).isFalse();
        }
    }

    @Test
    void aServerThatGoesAwayGivesRetryableErrorsAndTheSameStoreWorksAgainOnceItIsBack() throws Exception {
        store.put("inputs/acme/tr_g", new byte[] {7}, "image/png");

        s3.stop();
        try {
            assertThatThrownBy(() -> store.get("inputs/acme/tr_g"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThatThrownBy(() -> store.put("inputs/acme/tr_h", new byte[] {8}, "image/png"))
                    .isInstanceOfSatisfying(ObjectStoreException.class, e -> assertThat(e.retryable()).isTrue());
            assertThat(store.reachable()).isFalse();
        } finally {
            s3.startAgain();
        }

        assertThat(store.reachable()).isTrue();
        assertThat(store.get("inputs/acme/tr_g")).hasValue(new byte[] {7});
    }

    private static S3Settings settings(URI endpoint, String bucket, String secret) {
        return new S3Settings(endpoint, "us-east-1", bucket, LocalS3Server.ACCESS_KEY, secret, true);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
