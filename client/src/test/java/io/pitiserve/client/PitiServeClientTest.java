package io.pitiserve.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PitiServeClientTest {

    private static final String KEY = "pk_test_key";
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 1, 2, (byte) 0xff};
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final CountDownLatch quietUntilTheEnd = new CountDownLatch(1);
    private TestServer server;
    private PitiServeClient client;

    @BeforeEach
    void start() throws Exception {
        server = new TestServer();
        client = PitiServeClient.builder(server.uri()).apiKey(KEY).reconnectDelay(Duration.ofMillis(20)).build();
    }

    @AfterEach
    void stop() throws Exception {
        quietUntilTheEnd.countDown();
        server.close();
    }

    static String job(String id, String status, String extra) {
        return "{\"id\":\"" + id + "\",\"status\":\"" + status + "\",\"created\":\"2026-12-07T10:00:00Z\","
                + "\"links\":{\"self\":\"/v1/translations/" + id + "\",\"events\":\"/v1/translations/" + id
                + "/events\",\"cancel\":\"/v1/translations/" + id + "/cancel\"}" + extra + "}";
    }

    @Test
    void aMultipartSubmissionCarriesTheParamsTheInputTheKeyAndTheHeaders() throws Exception {
        server.on("/v1/translations", (exchange, request) -> TestServer.answer(exchange, 202, "application/json",
                job("tr_1", "queued", ",\"a_member_added_later\":{\"x\":1}"),
                Map.of("Location", "/v1/translations/tr_1", "Idempotent-Replayed", "true")));

        Accepted accepted = client.submit(TranslationRequest.builder("mask").input(PNG, "image/png")
                .numSamples(2).seed(42).sampler("dpmpp_2m").baseSteps("12").srSteps("8").guidanceScale(1.5)
                .metadata(Map.of("order", "o-7")).idempotencyKey("order-o-7")
                .traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build());

        TestServer.Request request = server.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + KEY);
        assertThat(request.header("Idempotency-Key")).isEqualTo("order-o-7");
        assertThat(request.header("Prefer")).isNull();
        assertThat(request.header("traceparent")).isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        String contentType = request.header("Content-Type");
        assertThat(contentType).startsWith("multipart/form-data; boundary=");
        String boundary = contentType.substring(contentType.indexOf('=') + 1);
        String body = new String(request.body(), StandardCharsets.ISO_8859_1);
        assertThat(body).startsWith("--" + boundary + "\r\n").endsWith("\r\n--" + boundary + "--\r\n");
        assertThat(body).contains("Content-Disposition: form-data; name=\"input\"; filename=\"input.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n" + new String(PNG, StandardCharsets.ISO_8859_1) + "\r\n--" + boundary);
        String params = body.substring(body.indexOf("application/json\r\n\r\n") + 20, body.indexOf("\r\n--" + boundary, 10));
        assertThat(JSON.readTree(params)).isEqualTo(JSON.readTree("{\"task\":\"mask\",\"num_samples\":2,\"seed\":42,"
                + "\"sampler\":\"dpmpp_2m\",\"base_steps\":\"12\",\"sr_steps\":\"8\",\"guidance_scale\":1.5,"
                + "\"metadata\":{\"order\":\"o-7\"}}"));

        assertThat(accepted.id()).isEqualTo("tr_1");
        assertThat(accepted.translation().status()).isEqualTo(TranslationStatus.QUEUED);
        assertThat(accepted.translation().created()).isEqualTo(Instant.parse("2026-12-07T10:00:00Z"));
        assertThat(accepted.translation().links().events()).isEqualTo("/v1/translations/tr_1/events");
        assertThat(accepted.location()).isEqualTo(server.uri().resolve("/v1/translations/tr_1"));
        assertThat(accepted.replayed()).isTrue();
        assertThat(accepted.translation().other()).containsExactly(Map.entry("a_member_added_later", Map.of("x", 1)));
    }

    @Test
    void aJsonSubmissionCarriesTheInputAsBase64AndAWaitAsPrefer() throws Exception {
        server.on("/v1/translations", (exchange, request) -> TestServer.json(exchange, 200,
                job("tr_2", "succeeded", "")));

        Accepted accepted = client.submit(TranslationRequest.builder("sketch").input(PNG, "image/png")
                .encoding(TranslationRequest.Encoding.JSON).waitFor(Duration.ofSeconds(30))
                .webhook(java.net.URI.create("https://api.example.com/piti"), "succeeded", "progress")
                .deadline(Duration.ofMinutes(2)).param("priority", 7).build());

        TestServer.Request request = server.requests().get(0);
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header("Prefer")).isEqualTo("wait=30");
        JsonNode body = JSON.readTree(request.body());
        assertThat(Base64.getDecoder().decode(body.at("/input/base64").asString())).isEqualTo(PNG);
        assertThat(body.at("/input/content_type").asString()).isEqualTo("image/png");
        assertThat(body.get("params")).isEqualTo(JSON.readTree("{\"task\":\"sketch\",\"webhook\":{\"url\":"
                + "\"https://api.example.com/piti\",\"events\":[\"succeeded\",\"progress\"]},\"deadline_ms\":120000,"
                + "\"priority\":7}"));
        assertThat(accepted.translation().terminal()).isTrue();
        assertThat(accepted.replayed()).isFalse();
    }

    @Test
    void anS3InputTravelsAsJson() throws Exception {
        server.on("/v1/translations", (exchange, request) -> TestServer.json(exchange, 202, job("tr_3", "queued", "")));

        client.submit(TranslationRequest.builder("mask").s3Input("s3://pitiserve/uploads/local/a.png").build());

        JsonNode body = JSON.readTree(server.requests().get(0).body());
        assertThat(body.at("/input/s3").asString()).isEqualTo("s3://pitiserve/uploads/local/a.png");
        assertThat(body.at("/input/base64").isMissingNode()).isTrue();
    }

    @Test
    void aRefusalBecomesAProblemExceptionWithItsCodeDetailAndMembers() {
        server.on("/v1/translations", (exchange, request) -> TestServer.answer(exchange, 400,
                "application/problem+json", "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,"
                        + "\"detail\":\"num_samples must be 1 to 4\",\"instance\":\"/v1/translations\","
                        + "\"code\":\"invalid_parameter\",\"parameter\":\"num_samples\",\"limits\":[1,4]}", Map.of()));

        assertThatThrownBy(() -> client.submit(TranslationRequest.builder("mask").input(PNG, "image/png")
                .numSamples(9).build()))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("invalid_parameter");
                    assertThat(e.detail()).isEqualTo("num_samples must be 1 to 4");
                    assertThat(e.problem().parameter()).isEqualTo("num_samples");
                    assertThat(e.problem().properties()).containsEntry("limits", List.of(1, 4));
                    assertThat(e.problem().instance()).isEqualTo("/v1/translations");
                    assertThat(e.retryAfter()).isNull();
                    assertThat(e.getMessage()).isEqualTo("HTTP 400 invalid_parameter: num_samples must be 1 to 4");
                });
    }

    @Test
    void retryAfterIsReadAndABodyThatIsNoProblemBecomesTheDetail() {
        server.on("/v1/models", (exchange, request) -> TestServer.answer(exchange, 429, "application/problem+json",
                "{\"status\":429,\"code\":\"rate_limited\",\"detail\":\"slow down\"}", Map.of("Retry-After", "7")));
        server.on("/v1/translations/tr_9", (exchange, request) -> TestServer.answer(exchange, 502, "text/html",
                "<html>bad gateway</html>", Map.of()));

        assertThatThrownBy(client::models).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.code()).isEqualTo("rate_limited");
            assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(7));
        });
        assertThatThrownBy(() -> client.get("tr_9")).isInstanceOfSatisfying(ProblemException.class, e -> {
            assertThat(e.status()).isEqualTo(502);
            assertThat(e.code()).isNull();
            assertThat(e.detail()).isEqualTo("<html>bad gateway</html>");
        });
    }

    @Test
    void aJobIsReadWithItsResultsTimingsAndWebhookAndAnUnknownStatusIsUnknown() {
        server.on("/v1/translations/tr_4", (exchange, request) -> TestServer.json(exchange, 200, job("tr_4",
                "succeeded", ",\"timings\":{\"total\":1234.5},\"model\":\"demo-mask\",\"seed\":7,"
                        + "\"spans\":[{\"name\":\"encode\",\"start_ms\":10.5,\"duration_ms\":2.25}],"
                        + "\"results\":[{\"kind\":\"sample\",\"index\":0,\"url\":\"http://s3/x\",\"expires_at\":"
                        + "\"2026-12-07T11:00:00Z\",\"width\":256,\"height\":256,\"sha256\":\"ab\",\"bytes\":12,"
                        + "\"new_member\":true},{\"kind\":\"base\",\"index\":0,\"url\":\"http://s3/y\",\"width\":64,"
                        + "\"height\":64,\"sha256\":\"cd\",\"bytes\":3}],"
                        + "\"webhook\":{\"url\":\"https://h/p\",\"events\":[\"succeeded\"],\"deliveries\":[{"
                        + "\"webhook_id\":\"wh_1\",\"event\":\"succeeded\",\"attempt\":1,\"status_code\":204,"
                        + "\"latency_ms\":12,\"outcome\":\"delivered\"}]}")));
        server.on("/v1/translations/tr_5", (exchange, request) -> TestServer.json(exchange, 200,
                job("tr_5", "paused", "")));

        Translation job = client.get("tr_4");

        assertThat(job.timings()).containsEntry("total", 1234.5);
        assertThat(job.spans()).containsExactly(new Translation.Span("encode", 10.5, 2.25));
        assertThat(job.other()).isEmpty();
        assertThat(job.seed()).isEqualTo(7L);
        assertThat(job.results("sample")).singleElement().satisfies(r -> {
            assertThat(r.expiresAt()).isEqualTo(Instant.parse("2026-12-07T11:00:00Z"));
            assertThat(r.bytes()).isEqualTo(12);
        });
        assertThat(job.results("base")).hasSize(1);
        assertThat(job.webhook().deliveries()).singleElement()
                .satisfies(d -> assertThat(d.statusCode()).isEqualTo(204));
        assertThat(job.metadata()).isEmpty();
        assertThat(job.notes()).isEmpty();
        assertThat(client.get("tr_5").status()).isEqualTo(TranslationStatus.UNKNOWN);
    }

    @Test
    void aJobWrittenAsJsonIsTheJsonItWasReadFromNewerMembersIncluded() {
        String text = job("tr_14", "cancelled", ",\"cancel_reason\":\"client\",\"seed\":9,"
                + "\"phases_added_later\":[{\"name\":\"encode\",\"ms\":3.5}],\"timings\":{\"queued\":12.0},"
                + "\"spans\":[{\"name\":\"queued\",\"start_ms\":0.0,\"duration_ms\":12.0}]");
        JsonMapper nonEmpty = JsonMapper.builder()
                .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_EMPTY))
                .build();

        Translation job = nonEmpty.readValue(text, Translation.class);

        assertThat(job.cancelReason()).isEqualTo("client");
        assertThat(nonEmpty.readTree(nonEmpty.writeValueAsString(job))).isEqualTo(nonEmpty.readTree(text));
    }

    @Test
    void awaitLongPollsWithPreferWaitUntilTheJobFinishes() {
        AtomicInteger calls = new AtomicInteger();
        server.on("/v1/translations/tr_6", (exchange, request) -> TestServer.json(exchange,
                calls.incrementAndGet() < 3 ? 202 : 200, job("tr_6", calls.get() < 3 ? "running" : "succeeded", "")));

        Translation done = client.await("tr_6", Duration.ofMinutes(5));

        assertThat(done.status()).isEqualTo(TranslationStatus.SUCCEEDED);
        assertThat(server.requests("/v1/translations/tr_6")).extracting(r -> r.header("Prefer"))
                .containsExactly(null, "wait=60", "wait=60");
    }

    @Test
    void awaitGivesUpAtItsTimeoutWithTheLastStateSeenAndAWaitOverAMinuteIsRefused() {
        server.on("/v1/translations/tr_13", (exchange, request) -> TestServer.json(exchange, 202,
                job("tr_13", "running", "")));

        assertThatThrownBy(() -> client.await("tr_13", Duration.ofMillis(300)))
                .isInstanceOfSatisfying(NotFinishedException.class,
                        e -> assertThat(e.last().status()).isEqualTo(TranslationStatus.RUNNING));
        assertThatThrownBy(() -> client.get("tr_13", Duration.ofSeconds(61)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void followReconnectsWithLastEventIdHonoursRetryAndSkipsStatesAlreadySeen() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        server.on("/v1/translations/tr_7/events", (exchange, request) -> {
            OutputStream out = TestServer.eventStream(exchange);
            if (connections.incrementAndGet() == 1) {
                // A retry shorter than the client's own delay, then the stream breaks off mid-job.
                TestServer.send(out, "retry: 10\n\n");
                TestServer.send(out, "id: 1\nevent: queued\ndata: " + job("tr_7", "queued", "") + "\n\n");
                TestServer.send(out, "id: 2\r\nevent: running\r\ndata: " + job("tr_7", "running", "") + "\r\n\r\n");
                TestServer.send(out, "id: 3\nevent: progress\ndata: " + job("tr_7", "running", ",\"progress\":"
                        + "{\"stage\":\"base\",\"step\":1,\"of\":5}") + "\n"); // no empty line: cut short, discarded
                return;
            }
            // The gateway sends the current state first, then what follows.
            TestServer.send(out, ": hello\n\nid: 2\nevent: running\ndata: " + job("tr_7", "running", "") + "\n\n");
            TestServer.send(out, "id: 4\nevent: progress\ndata: " + job("tr_7", "running", ",\"progress\":"
                    + "{\"stage\":\"upsampler\",\"step\":2,\"of\":3}") + "\n\n");
            TestServer.send(out, "id: 5\nevent: succeeded\ndata: " + job("tr_7", "succeeded", "") + "\n\n");
        });
        PitiServeClient slowToReconnect = PitiServeClient.builder(server.uri()).apiKey(KEY)
                .reconnectDelay(Duration.ofMinutes(5)).build();
        List<TranslationEvent> events = new ArrayList<>();

        Translation done = slowToReconnect.follow("tr_7", Duration.ofSeconds(30), events::add);

        assertThat(done.status()).isEqualTo(TranslationStatus.SUCCEEDED);
        assertThat(events).extracting(TranslationEvent::id).containsExactly("1", "2", "4", "5");
        assertThat(events).extracting(TranslationEvent::name).containsExactly("queued", "running", "progress",
                "succeeded");
        assertThat(events.get(2).translation().progress()).isEqualTo(new Translation.Progress("upsampler", 2, 3));
        List<TestServer.Request> requests = server.requests("/v1/translations/tr_7/events");
        assertThat(requests).extracting(r -> r.header("Last-Event-ID")).containsExactly(null, "2");
        assertThat(requests).allSatisfy(r -> {
            assertThat(r.header("Accept")).isEqualTo("text/event-stream");
            assertThat(r.header("Authorization")).isEqualTo("Bearer " + KEY);
        });
    }

    @Test
    void followWaitsOutAnUnavailableGatewayButStopsAtARefusal() {
        AtomicInteger connections = new AtomicInteger();
        server.on("/v1/translations/tr_8/events", (exchange, request) -> {
            if (connections.incrementAndGet() == 1) {
                TestServer.answer(exchange, 503, "application/problem+json",
                        "{\"status\":503,\"code\":\"unavailable\"}", Map.of("Retry-After", "0"));
                return;
            }
            TestServer.send(TestServer.eventStream(exchange), "id: 1\nevent: failed\ndata: " + job("tr_8", "failed",
                    ",\"error\":{\"code\":\"deadline_exceeded\",\"message\":\"too late\"}") + "\n\n");
        });
        server.on("/v1/translations/tr_404/events", (exchange, request) -> TestServer.answer(exchange, 404,
                "application/problem+json", "{\"status\":404,\"code\":\"not_found\",\"detail\":\"no such job\"}",
                Map.of()));

        Translation failed = client.follow("tr_8", Duration.ofSeconds(30), event -> { });

        assertThat(failed.error()).isEqualTo(new Translation.Error("deadline_exceeded", "too late"));
        assertThat(connections).hasValue(2);
        assertThatThrownBy(() -> client.follow("tr_404", Duration.ofSeconds(30), event -> { }))
                .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.code()).isEqualTo("not_found"));
        assertThat(server.requests("/v1/translations/tr_404/events")).hasSize(1);
    }

    @Test
    void followGivesUpAtItsTimeoutWithTheLastStateSeen() {
        server.on("/v1/translations/tr_10/events", (exchange, request) -> {
            OutputStream out = TestServer.eventStream(exchange);
            TestServer.send(out, "id: 1\nevent: running\ndata: " + job("tr_10", "running", "") + "\n\n");
            try {
                quietUntilTheEnd.await(30, TimeUnit.SECONDS); // a stream that goes quiet; the client's deadline ends it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        assertThatThrownBy(() -> client.follow("tr_10", Duration.ofMillis(500), event -> { }))
                .isInstanceOfSatisfying(NotFinishedException.class,
                        e -> assertThat(e.last().status()).isEqualTo(TranslationStatus.RUNNING));
    }

    @Test
    void cancelAndRedeliverAnswerTheirResourcesAndAFinishedJobIsAConflict() {
        server.on("/v1/translations/tr_11/cancel", (exchange, request) -> TestServer.json(exchange, 202,
                job("tr_11", "running", "")));
        server.on("/v1/translations/tr_12/cancel", (exchange, request) -> TestServer.answer(exchange, 409,
                "application/problem+json", "{\"status\":409,\"code\":\"already_terminal\"}", Map.of()));
        server.on("/v1/translations/tr_12/webhook/redeliver", (exchange, request) -> TestServer.json(exchange, 202,
                "{\"webhook_id\":\"wh_9\",\"event\":\"succeeded\",\"url\":\"https://h/p\"}"));

        assertThat(client.cancel("tr_11").status()).isEqualTo(TranslationStatus.RUNNING);
        assertThat(server.requests("/v1/translations/tr_11/cancel").get(0).method()).isEqualTo("POST");
        assertThatThrownBy(() -> client.cancel("tr_12")).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo("already_terminal"));
        assertThat(client.redeliverWebhook("tr_12")).isEqualTo(new Redelivery("wh_9", "succeeded", "https://h/p"));
    }

    @Test
    void aDownloadIsCheckedAgainstItsSizeAndSha256AndCarriesNoApiKey(@TempDir Path dir) throws Exception {
        server.on("/bucket/result.png", (exchange, request) -> {
            exchange.sendResponseHeaders(200, PNG.length);
            exchange.getResponseBody().write(PNG);
        });
        String url = server.uri() + "/bucket/result.png?X-Amz-Signature=abc";
        Translation.Result good = new Translation.Result("sample", 0, url, null, 256, 256,
                PitiServeClient.sha256(PNG), PNG.length);
        Translation.Result altered = new Translation.Result("sample", 1, url, null, 256, 256,
                PitiServeClient.sha256(new byte[] {1}), PNG.length);
        Files.writeString(dir.resolve("out.png"), "an earlier run's file");

        Path file = client.download(good, dir.resolve("out.png"));

        assertThat(Files.readAllBytes(file)).isEqualTo(PNG);
        assertThat(server.requests("/bucket/result.png").get(0).header("Authorization")).isNull();
        assertThatThrownBy(() -> client.download(altered)).isInstanceOf(PitiServeException.class)
                .hasMessageContaining("does not match");
        assertThat(dir.resolve("out.png.part")).doesNotExist();
    }

    @Test
    void aFailedDownloadKeepsTheFileThatWasThereAndSaysWhenItsUrlExpired(@TempDir Path dir) throws Exception {
        server.on("/bucket/gone.png", (exchange, request) -> TestServer.answer(exchange, 403, "application/xml",
                "<Error><Code>AccessDenied</Code></Error>", Map.of()));
        Translation.Result expired = new Translation.Result("sample", 0, server.uri() + "/bucket/gone.png",
                Instant.now().minusSeconds(60), 256, 256, "ab", 3);
        Path target = dir.resolve("sample-0.png");
        Files.write(target, new byte[] {1, 2, 3});

        assertThatThrownBy(() -> client.download(expired, target)).isInstanceOf(PitiServeException.class)
                .hasMessageContaining("HTTP 403").hasMessageContaining("read the job again");

        assertThat(Files.readAllBytes(target)).containsExactly(1, 2, 3);
        assertThat(dir.resolve("sample-0.png.part")).doesNotExist();
    }

    @Test
    void anEvaluationIsSubmittedAsJsonAwaitedAndItsTableRead() throws Exception {
        String queued = "{\"id\":\"tr_e1\",\"status\":\"queued\",\"model\":\"demo-mask@1\","
                + "\"links\":{\"self\":\"/v1/evaluations/tr_e1\",\"cancel\":\"/v1/evaluations/tr_e1/cancel\"}}";
        String done = "{\"id\":\"tr_e1\",\"status\":\"succeeded\",\"model\":\"demo-mask@1\","
                + "\"progress\":{\"images_done\":4,\"images_total\":4},\"result_url\":\"http://s3/e.json\","
                + "\"result\":{\"settings\":[{\"sampler\":\"ddim\",\"miou\":0.5}]}}";
        AtomicInteger reads = new AtomicInteger();
        server.on("/v1/evaluations", (exchange, request) -> TestServer.json(exchange, 202, queued));
        server.on("/v1/evaluations/tr_e1", (exchange, request) -> TestServer.json(exchange,
                reads.incrementAndGet() < 2 ? 202 : 200, reads.get() < 2 ? queued : done));
        server.on("/v1/evaluations/tr_e1/cancel", (exchange, request) -> TestServer.answer(exchange, 409,
                "application/problem+json", "{\"status\":409,\"code\":\"already_terminal\"}", Map.of()));

        Evaluation accepted = client.submitEvaluation(EvaluationRequest.builder("demo-mask").limit(4).seed(3)
                .setting(Map.of("sampler", "ddim", "base_steps", "ddim10")).setting(Map.of())
                .idempotencyKey("eval-1").build());
        Evaluation finished = client.awaitEvaluation(accepted.id(), Duration.ofMinutes(5));

        TestServer.Request submission = server.requests("/v1/evaluations").get(0);
        assertThat(submission.header("Idempotency-Key")).isEqualTo("eval-1");
        assertThat(JSON.readTree(submission.body())).isEqualTo(JSON.readTree("{\"model\":\"demo-mask\",\"limit\":4,"
                + "\"seed\":3,\"settings\":[{\"sampler\":\"ddim\",\"base_steps\":\"ddim10\"},{}]}"));
        assertThat(accepted.status()).isEqualTo(TranslationStatus.QUEUED);
        assertThat(accepted.links().cancel()).isEqualTo("/v1/evaluations/tr_e1/cancel");
        assertThat(finished.progress()).isEqualTo(new Evaluation.Progress(4, 4));
        assertThat(finished.resultUrl()).isEqualTo("http://s3/e.json");
        assertThat(finished.result()).containsKey("settings");
        assertThat(server.requests("/v1/evaluations/tr_e1")).extracting(r -> r.header("Prefer"))
                .containsExactly(null, "wait=60");
        assertThatThrownBy(() -> client.cancelEvaluation("tr_e1")).isInstanceOfSatisfying(ProblemException.class,
                e -> assertThat(e.code()).isEqualTo("already_terminal"));
    }

    @Test
    void anEvaluationAwaitedWithShortWaitsHandsEveryStateReadToItsListenerInOrder() {
        AtomicInteger reads = new AtomicInteger();
        server.on("/v1/evaluations/tr_e2", (exchange, request) -> {
            int done = Math.min(reads.getAndIncrement(), 2);
            TestServer.json(exchange, done < 2 ? 202 : 200, "{\"id\":\"tr_e2\",\"status\":\""
                    + (done < 2 ? "running" : "succeeded") + "\",\"progress\":{\"images_done\":" + done
                    + ",\"images_total\":2}}");
        });
        List<Evaluation> seen = new ArrayList<>();

        Evaluation finished = client.awaitEvaluation("tr_e2", Duration.ofMinutes(5), Duration.ofSeconds(5), seen::add);

        assertThat(finished.status()).isEqualTo(TranslationStatus.SUCCEEDED);
        assertThat(seen).extracting(e -> e.progress().imagesDone()).containsExactly(0, 1, 2);
        assertThat(seen.get(2)).isSameAs(finished);
        assertThat(server.requests("/v1/evaluations/tr_e2")).extracting(r -> r.header("Prefer"))
                .containsExactly(null, "wait=5", "wait=5");
        assertThatThrownBy(() -> client.awaitEvaluation("tr_e2", Duration.ofMinutes(1), Duration.ofMillis(500),
                seen::add)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.awaitEvaluation("tr_e2", Duration.ofMinutes(1), Duration.ofSeconds(61),
                seen::add)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theModelListIsRead() {
        server.on("/v1/models", (exchange, request) -> TestServer.json(exchange, 200, "{\"tasks\":[\"mask\","
                + "\"sketch\",\"depth\"],\"models\":[{\"name\":\"demo-mask\",\"task\":\"mask\",\"version\":\"1\","
                + "\"default\":true,\"declared\":false,\"input_size\":256,\"resolution\":{\"base\":64,"
                + "\"upsampler\":256},\"defaults\":{\"sampler\":\"ddpm\",\"base_steps\":\"15\",\"sr_steps\":\"10\","
                + "\"guidance\":\"cfg\",\"guidance_scale\":1.3},\"precision\":\"fp32\",\"live_workers\":1,"
                + "\"queue_depth\":0,\"typical_job_ms\":900.5,\"scaled_to_zero\":false,\"kind\":\"diffusion\","
                + "\"gpu\":\"none\"}]}"));

        Models models = client.models();

        assertThat(models.tasks()).containsExactly("mask", "sketch", "depth");
        assertThat(models.find("demo-mask")).hasValueSatisfying(m -> {
            assertThat(m.defaultModel()).isTrue();
            assertThat(m.defaults().baseSteps()).isEqualTo("15");
            assertThat(m.defaults().guidanceScale()).isEqualTo(1.3, org.assertj.core.data.Offset.offset(1e-9));
            assertThat(m.resolution()).isEqualTo(new Models.Resolution(64, 256));
            assertThat(m.liveWorkers()).isEqualTo(1);
            assertThat(m.kind()).isEqualTo("diffusion");
            assertThat(m.typicalJobMs()).isEqualTo(900.5, org.assertj.core.data.Offset.offset(1e-9));
        });
    }
}
