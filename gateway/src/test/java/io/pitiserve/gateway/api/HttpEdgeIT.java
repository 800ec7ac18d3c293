package io.pitiserve.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.pitiserve.gateway.GatewayApplication;
import io.pitiserve.gateway.support.ApiClient;
import io.pitiserve.gateway.support.ApiClient.Answer;
import io.pitiserve.gateway.support.ItDirectories;
import io.pitiserve.gateway.support.ItSettings;
import io.pitiserve.gateway.support.RawHttp;
import io.pitiserve.gateway.support.S3ProxyServer;
import io.pitiserve.gateway.support.TestImages;
import io.pitiserve.testsupport.kafka.BrokerForTest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The gateway's HTTP edge against hostile and careless clients, over real sockets to the real
 * gateway (a real broker, s3proxy): every refusal is Problem Details, bodies are not read before
 * the key is checked, quotas answer 429, and hundreds of slow connections do not stop a valid
 * client from being answered.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@BrokerForTest(partitions = 1)
class HttpEdgeIT {

    static final String ACME_KEY = "acme-edge-key";
    static final String LIMITED_KEY = "limited-edge-key";
    static final String SINGLE_KEY = "single-edge-key";
    static final String PROBLEM_JSON = "application/problem+json";
    static final S3ProxyServer S3 = S3ProxyServer.start();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        S3.register(registry);
        ItSettings.tenant(registry, 0, "acme", ACME_KEY);
        ItSettings.tenant(registry, 1, "limited", LIMITED_KEY);
        ItSettings.tenant(registry, 2, "single", SINGLE_KEY);
        ItSettings.model(registry, 0, "mask", "tiny-mask");
        registry.add("pitiserve.gateway.models[0].default-model", () -> "true");
        registry.add("pitiserve.gateway.quotas.requests", () -> "100000");
        registry.add("pitiserve.gateway.quotas.tenants.limited.requests", () -> "3");
        registry.add("pitiserve.gateway.quotas.tenants.limited.period", () -> "1h");
        registry.add("pitiserve.gateway.quotas.tenants.single.max-jobs-in-flight", () -> "1");
        registry.add("pitiserve.gateway.edge.max-concurrent-bodies", () -> "8");
        registry.add("pitiserve.gateway.edge.body-rate-grace", () -> "2s");
        // Longer than any bound below: what the test sees is the edge's doing, not a timeout's.
        registry.add("server.tomcat.connection-timeout", () -> "30s");
        registry.add("pitiserve.gateway.edge.max-body-size", () -> "300KB");
        registry.add("spring.servlet.multipart.max-file-size", () -> "256KB");
        registry.add("spring.servlet.multipart.max-request-size", () -> "300KB");
        registry.add("pitiserve.gateway.max-input-size", () -> "64KB");
        ItDirectories.registerGatewayDirectories(registry, "gateway-edge-it-state");
    }

    @AfterAll
    static void stopS3() throws Exception {
        S3.close();
    }

    @LocalServerPort
    int port;

    ApiClient api;

    @BeforeEach
    void connect() {
        api = new ApiClient(port);
        api.awaitReady();
    }

    @Test
    void anUnauthenticatedUploadGets401FromItsHeadersWithoutItsBodyBeingRead() {
        try (RawHttp raw = RawHttp.connect(port)) {
            raw.send("POST /v1/translations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer wrong\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 31457280\r\n\r\n"
                    + "--b\r\nContent-Disposition: form-data; name=\"input\"; filename=\"a.png\"\r\n\r\n");
            raw.send(new byte[4096]);

            // Only 4 KB of the announced 30 MB were ever sent: the answer cannot have waited for the body.
            RawHttp.Response response = raw.read(Duration.ofSeconds(10));

            assertProblem(response, 401, "unauthorized");
            assertThat(response.header("connection")).isEqualTo("close");
            assertThat(raw.closedWithin(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void anUnauthenticatedClientExpectingContinueIsRefusedBeforeItSendsItsBody() {
        try (RawHttp raw = RawHttp.connect(port)) {
            raw.send("POST /v1/translations HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data;"
                    + " boundary=b\r\nContent-Length: 31457280\r\nExpect: 100-continue\r\n\r\n");

            RawHttp.Response response = raw.read(Duration.ofSeconds(10));

            assertThat(response.status()).isEqualTo(401);
            assertThat(response.json().get("code").stringValue()).isEqualTo("unauthorized");
        }
    }

    @Test
    void badHeaderBytesGetA400ProblemFromTheContainer() {
        RawHttp.Response response = exchange("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Bad\u0001: \u0007\r\n\r\n");

        assertProblem(response, 400, "malformed_request");
    }

    @Test
    void aHundredKilobyteHeaderGets431() {
        RawHttp.Response response = exchange("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Big: "
                + "a".repeat(100 * 1024) + "\r\n\r\n");

        assertProblem(response, 431, "headers_too_large");
    }

    @Test
    void absurdPathsGetAProblemAndNeverAnHtmlPage() {
        for (String path : List.of("/v1/translations/%2e%2e/%2e%2e/etc/passwd", "/v1/translations/a%00b",
                "/v1/translations/" + "x".repeat(10_000), "/v1/translations/..%2f..%2fx")) {
            RawHttp.Response response = exchange("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                    + ACME_KEY + "\r\n\r\n");

            assertThat(response.status()).as(path.substring(0, Math.min(60, path.length())))
                    .isIn(400, 404, 414, 431);
            assertThat(response.header("content-type")).as(response.body()).startsWith(PROBLEM_JSON);
            assertThat(response.json().has("code")).as(response.body()).isTrue();
        }
    }

    @Test
    void aPathFarLongerThanAnyRouteGets414BeforeTheKeyIsLookedAt() {
        RawHttp.Response response = exchange("GET /v1/translations/" + "x".repeat(10_000)
                + " HTTP/1.1\r\nHost: localhost\r\n\r\n");

        assertProblem(response, 414, "uri_too_long");
    }

    @Test
    void aBrokenChunkedBodyGetsA400Problem() {
        RawHttp.Response response = exchange("POST /v1/translations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + ACME_KEY + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\n{\"input\"\r\n0\r\n\r\n");

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.header("content-type")).startsWith(PROBLEM_JSON);
    }

    @Test
    void malformedMultipartBodiesGet400NotA500() {
        for (String body : List.of("--x\r\n", "--b\r\nContent-Disposition: form-data; name=\"input\"\r\n\r\nabc",
                "--other\r\nContent-Disposition: form-data; name=\"input\"\r\n\r\nabc\r\n--other--\r\n")) {
            RawHttp.Response response = exchange("POST /v1/translations HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + ACME_KEY + "\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);

            assertThat(response.status()).as(response.body()).isEqualTo(400);
            assertThat(response.header("content-type")).startsWith(PROBLEM_JSON);
            assertThat(response.json().has("code")).as(response.body()).isTrue();
            assertThat(response.json().get("code").stringValue()).isIn("malformed_multipart", "invalid_request");
        }
    }

    @Test
    void anUploadAnnouncingMoreThanTheBodyLimitGets413BeforeItIsRead() {
        try (RawHttp raw = RawHttp.connect(port)) {
            raw.send("POST /v1/translations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ACME_KEY
                    + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 524288\r\n\r\n--b\r\n");

            RawHttp.Response response = raw.read(Duration.ofSeconds(10));

            assertProblem(response, 413, "request_too_large");
        }
    }

    @Test
    void anInputFileAboveTheInputLimitGets413() {
        Answer answer = api.submit(ACME_KEY, new byte[128 * 1024], "{\"task\": \"mask\"}");

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("Content-Type")).startsWith(PROBLEM_JSON);
        assertThat(answer.json().get("code").stringValue()).isEqualTo("input_too_large");
    }

    @Test
    void duplicateJsonKeysAreRefusedInABodyAndInTheParamsPart() {
        Answer json = api.submitJson(ACME_KEY, "{\"input\": {\"base64\": \"AA==\"}, \"params\": {\"task\": \"mask\","
                + " \"task\": \"sketch\"}}");
        Answer multipart = api.submit(ACME_KEY, TestImages.mask(64, 64), "{\"task\": \"mask\", \"task\": \"sketch\"}");

        assertThat(json.status()).isEqualTo(400);
        assertThat(json.json().get("code").stringValue()).isEqualTo("duplicate_key");
        assertThat(multipart.status()).isEqualTo(400);
        assertThat(multipart.json().get("code").stringValue()).isEqualTo("invalid_parameter");
        assertThat(multipart.json().get("detail").stringValue()).contains("Duplicate");
    }

    @Test
    void aRespacingBeyondTheStepLimitIsRefusedNamingTheLimit() {
        Answer answer = api.submit(ACME_KEY, TestImages.mask(64, 64), "{\"task\": \"mask\", \"sr_steps\": \"1000\"}");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().get("parameter").stringValue()).isEqualTo("sr_steps");
        assertThat(answer.json().get("limit").intValue()).isEqualTo(100);
        assertThat(answer.json().get("detail").stringValue()).contains("max-sr-steps");
    }

    @Test
    void aJobAboveTheCostCeilingIsRefused() {
        Answer answer = api.submit(ACME_KEY, TestImages.mask(64, 64),
                "{\"task\": \"mask\", \"num_samples\": 4, \"base_steps\": \"250\", \"sr_steps\": \"100\"}");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().get("code").stringValue()).isEqualTo("job_too_costly");
        assertThat(answer.json().get("cost").longValue()).isEqualTo(4 * (2 * 250 + 100));
    }

    @Test
    void aTenantOverItsRequestRateGets429WithRetryAfterAndRateLimitHeaders() {
        List<Answer> answers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            answers.add(api.get("/v1/models", LIMITED_KEY));
        }

        assertThat(answers).extracting(Answer::status).containsExactly(200, 200, 200, 429);
        Answer refused = answers.get(3);
        assertThat(refused.header("Content-Type")).startsWith(PROBLEM_JSON);
        assertThat(refused.json().get("code").stringValue()).isEqualTo("rate_limited");
        assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 3600L);
        assertThat(refused.header("RateLimit-Policy")).isEqualTo("\"tenant\";q=3;w=3600");
        assertThat(refused.header("RateLimit")).startsWith("\"tenant\";r=0;t=");
        assertThat(answers.get(0).header("RateLimit")).startsWith("\"tenant\";r=2;");
    }

    @Test
    void aTenantWithItsJobsInFlightGets429UntilOneFinishes() {
        Answer first = api.submit(SINGLE_KEY, TestImages.mask(64, 64), "{\"task\": \"mask\"}");
        Answer second = api.submit(SINGLE_KEY, TestImages.mask(64, 64), "{\"task\": \"mask\"}");

        assertThat(first.status()).isEqualTo(202);
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.json().get("code").stringValue()).isEqualTo("too_many_jobs_in_flight");
        assertThat(second.header("Retry-After")).isEqualTo("5");

        String id = first.json().get("id").stringValue();
        assertThat(api.send(api.request("/v1/translations/" + id + "/cancel", SINGLE_KEY)
                .POST(HttpRequest.BodyPublishers.noBody()).build()).status()).isEqualTo(202);
    }

    @Test
    void aBodyTricklingInBelowTheMinimumRateIsCutOff() throws Exception {
        ScheduledExecutorService dribble = Executors.newSingleThreadScheduledExecutor();
        try (RawHttp raw = RawHttp.connect(port)) {
            raw.send("POST /v1/translations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ACME_KEY
                    + "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n");
            dribble.scheduleAtFixedRate(() -> raw.send("-"), 0, 500, TimeUnit.MILLISECONDS);

            long started = System.nanoTime();
            boolean answeredOrClosed;
            try {
                RawHttp.Response response = raw.read(Duration.ofSeconds(20));
                answeredOrClosed = true;
                assertThat(response.status()).isEqualTo(408);
                assertThat(response.json().get("code").stringValue()).isEqualTo("body_too_slow");
            } catch (IllegalStateException closedWithoutAnswer) {
                answeredOrClosed = !closedWithoutAnswer.getMessage().contains("Read timed out");
            }

            assertThat(answeredOrClosed).isTrue();
            // Well before the 30 s connection timeout: the rate, not a timeout, ended it.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        } finally {
            dribble.shutdownNow();
        }
    }

    @Test
    void aValidClientIsAnsweredWhileFiveHundredSlowAndHostileConnectionsAreOpen() {
        List<RawHttp> hostile = new ArrayList<>();
        try {
            for (int i = 0; i < 500; i++) {
                RawHttp raw = RawHttp.connect(port);
                hostile.add(raw);
                switch (i % 3) {
                    // A valid key and a body that never comes: at most max-concurrent-bodies are read.
                    case 0 -> raw.send("POST /v1/translations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                            + ACME_KEY + "\r\nContent-Type: multipart/form-data; boundary=b\r\n"
                            + "Content-Length: 200000\r\n\r\n--b\r\n");
                    // A wrong key and a body that never comes.
                    case 1 -> raw.send("POST /v1/translations HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer"
                            + " wrong\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 200000\r\n\r\n");
                    // Headers that never end.
                    default -> raw.send("GET /v1/models HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
                }
            }

            long started = System.nanoTime();
            Answer probe = api.get("/v1/models", ACME_KEY);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertThat(probe.status()).isEqualTo(200);
            // Generous: the point is that it is answered at all while every hostile connection is open
            // (the server's own timeouts are 30 s); docs/BENCHMARKS.md has the measured latency.
            assertThat(took).isLessThan(Duration.ofSeconds(10));
            RawHttp.Response refusedUpload = hostile.get(3 * 100).read(Duration.ofSeconds(10));
            assertThat(refusedUpload.status()).isEqualTo(503);
            assertThat(refusedUpload.json().get("code").stringValue()).isEqualTo("too_many_uploads");
            assertThat(hostile.get(1).read(Duration.ofSeconds(10)).status()).isEqualTo(401);
            System.out.printf("edge probe with 500 hostile connections open: %d ms%n", took.toMillis());
        } finally {
            hostile.forEach(RawHttp::close);
        }
    }

    private RawHttp.Response exchange(String request) {
        try (RawHttp raw = RawHttp.connect(port)) {
            raw.send(request.getBytes(StandardCharsets.ISO_8859_1));
            return raw.read(Duration.ofSeconds(10));
        }
    }

    /** {@code response} is an {@code application/problem+json} answer of {@code status} with {@code code}. */
    private static void assertProblem(RawHttp.Response response, int status, String code) {
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("content-type")).startsWith(PROBLEM_JSON);
        assertThat(response.json().get("code").stringValue()).isEqualTo(code);
    }
}
