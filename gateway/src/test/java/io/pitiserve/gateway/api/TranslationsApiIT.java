package io.pitiserve.gateway.api;

import io.pitiserve.common.digest.Sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

import io.pitiserve.common.events.CancellationRequested;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.storage.ObjectKeys;
import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.gateway.GatewayApplication;
import io.pitiserve.gateway.submission.JobIds;
import io.pitiserve.gateway.support.ApiClient;
import io.pitiserve.gateway.support.ApiClient.Answer;
import io.pitiserve.gateway.support.ItDirectories;
import io.pitiserve.gateway.support.ItSettings;
import io.pitiserve.common.catalogue.ModelAnnouncement;
import io.pitiserve.gateway.support.KafkaTopics;
import io.pitiserve.gateway.support.S3ProxyServer;
import io.pitiserve.gateway.support.TestImages;
import io.pitiserve.testsupport.kafka.BrokerForTest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The gateway over real HTTP, with a real Kafka broker (@BrokerForTest) and a real S3 server
 * (s3proxy). No worker runs: where a job must move on, the test publishes the worker's events.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@BrokerForTest(partitions = 2)
class TranslationsApiIT {

    static final String ACME_KEY = "acme-secret-key";
    static final String GLOBEX_KEY = "globex-secret-key";
    static final String MASK_PARAMS = "{\"task\": \"mask\", \"num_samples\": 2, \"metadata\": {\"order\": \"42\"}}";
    static final S3ProxyServer S3 = S3ProxyServer.start();
    static final Topics TOPICS = Topics.defaults();
    /** The request lane of the declared mask model, the default of its task. */
    static final String MASK_LANE = TOPICS.lane("tiny-mask");

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        S3.register(registry);
        ItSettings.tenant(registry, 0, "acme", ACME_KEY);
        ItSettings.tenant(registry, 1, "globex", GLOBEX_KEY);
        registry.add("pitiserve.gateway.tenants[1].readable-prefixes[0]", () -> "shared/globex/");
        ItSettings.model(registry, 0, "mask", "tiny-mask");
        registry.add("pitiserve.gateway.models[0].version", () -> "1");
        registry.add("pitiserve.gateway.models[0].default-model", () -> "true");
        ItSettings.model(registry, 1, "sketch", "tiny-sketch");
        ItDirectories.registerGatewayDirectories(registry, "gateway-it-state");
        registry.add("pitiserve.gateway.max-input-size", () -> "64KB");
        // Unequal partition counts: the status view must still bring a job's request and events together.
        registry.add("pitiserve.kafka.request-partitions", () -> "3");
        registry.add("pitiserve.kafka.event-partitions", () -> "2");
    }

    @AfterAll
    static void stopS3() throws Exception {
        S3.close();
    }

    @LocalServerPort
    int port;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrap;

    ApiClient api;
    KafkaTopics kafka;
    S3ObjectStore objects;

    @BeforeEach
    void connect() {
        api = new ApiClient(port);
        kafka = new KafkaTopics(bootstrap);
        objects = S3.client();
        api.awaitReady();
    }

    @org.junit.jupiter.api.AfterEach
    void disconnect() {
        kafka.close();
        objects.close();
    }

    @Test
    void aValidMaskIsStoredAndQueuedBeforeTheGatewayAnswers202() {
        byte[] mask = TestImages.mask(64, 48);

        Answer answer = api.submit(ACME_KEY, mask, MASK_PARAMS);

        assertThat(answer.status()).isEqualTo(202);
        String id = answer.json().get("id").stringValue();
        assertThat(id).matches("tr_[a-z2-7]{26}");
        assertThat(answer.header("Location")).isEqualTo("/v1/translations/" + id);
        assertThat(answer.json().get("status").stringValue()).isEqualTo("queued");
        assertThat(answer.json().get("links").get("events").stringValue()).isEqualTo("/v1/translations/" + id + "/events");
        assertThat(objects.get(ObjectKeys.input("acme", id))).hasValue(mask);
        List<JobEvent> requests = kafka.eventsOf(MASK_LANE, id);
        assertThat(requests).singleElement().isInstanceOfSatisfying(TranslationRequested.class, request -> {
            assertThat(request.tenant()).isEqualTo("acme");
            assertThat(request.inputKey()).isEqualTo("inputs/acme/" + id);
            assertThat(request.inputSha256()).isEqualTo(Sha256.hex(mask));
            assertThat(request.inputContentType()).isEqualTo("image/png");
            assertThat(request.params().task()).isEqualTo("mask");
            assertThat(request.params().numSamples()).isEqualTo(2);
            assertThat(request.params().guidanceScale()).isEqualTo(1.3);
            assertThat(request.params().metadata()).containsEntry("order", "42");
        });
        Answer status = api.get("/v1/translations/" + id, ACME_KEY);
        assertThat(status.status()).isEqualTo(200);
        assertThat(status.json().get("status").stringValue()).isEqualTo("queued");
        assertThat(status.json().get("metadata").get("order").stringValue()).isEqualTo("42");
    }

    @Test
    void aJsonSubmissionWithABase64InputIsAcceptedLikeAnUpload() {
        byte[] mask = TestImages.mask(32, 32);
        String body = "{\"input\": {\"base64\": \"" + Base64.getEncoder().encodeToString(mask) + "\"},"
                + " \"params\": {\"task\": \"mask\", \"seed\": 7}}";

        Answer answer = api.submitJson(ACME_KEY, body);

        assertThat(answer.status()).isEqualTo(202);
        String id = answer.json().get("id").stringValue();
        assertThat(objects.get(ObjectKeys.input("acme", id))).hasValue(mask);
        assertThat(kafka.eventsOf(MASK_LANE, id)).singleElement()
                .isInstanceOfSatisfying(TranslationRequested.class, r -> assertThat(r.params().seed()).isEqualTo(7));
    }

    @Test
    void anS3InputUnderTheTenantsDefaultPrefixIsReadValidatedStoredAndQueued() {
        byte[] mask = TestImages.mask(48, 32);
        objects.put("uploads/acme/orders/42.png", mask, "image/png");

        Answer answer = api.submitJson(ACME_KEY, s3Body("s3://" + S3ProxyServer.BUCKET + "/uploads/acme/orders/42.png"));

        assertThat(answer.status()).isEqualTo(202);
        String id = answer.json().get("id").stringValue();
        assertThat(objects.get(ObjectKeys.input("acme", id))).hasValue(mask);
        assertThat(kafka.eventsOf(MASK_LANE, id)).singleElement()
                .isInstanceOfSatisfying(TranslationRequested.class, request -> {
                    assertThat(request.inputKey()).isEqualTo("inputs/acme/" + id);
                    assertThat(request.inputSha256()).isEqualTo(Sha256.hex(mask));
                    assertThat(request.inputContentType()).isEqualTo("image/png");
                });
    }

    @Test
    void anS3InputUnderAConfiguredReadablePrefixIsAccepted() {
        byte[] mask = TestImages.mask(32, 32);
        objects.put("shared/globex/in.png", mask, "image/png");

        Answer answer = api.submitJson(GLOBEX_KEY, s3Body("s3://" + S3ProxyServer.BUCKET + "/shared/globex/in.png"));

        assertThat(answer.status()).isEqualTo(202);
        assertThat(objects.get(ObjectKeys.input("globex", answer.json().get("id").stringValue()))).hasValue(mask);
    }

    @Test
    void anS3InputUnderAnotherTenantsPrefixIsAnsweredAsNotFoundAndNothingIsQueued() {
        objects.put("uploads/globex/secret.png", TestImages.mask(32, 32), "image/png");
        String id = JobIds.derived("acme", "peek-at-globex");

        Answer answer = api.submitJson(ACME_KEY, s3Body("s3://" + S3ProxyServer.BUCKET + "/uploads/globex/secret.png"),
                "Idempotency-Key", "peek-at-globex");
        Answer sneaky = api.submitJson(ACME_KEY,
                s3Body("s3://" + S3ProxyServer.BUCKET + "/uploads/acme/../globex/secret.png"));

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.header("Content-Type")).startsWith("application/problem+json");
        assertThat(answer.json().get("code").stringValue()).isEqualTo("not_found");
        assertThat(answer.json().get("detail").stringValue()).contains("uploads/acme/");
        assertThat(sneaky.status()).isEqualTo(400);
        assertThat(sneaky.json().get("code").stringValue()).isEqualTo("invalid_parameter");
        assertThat(objects.exists(ObjectKeys.input("acme", id))).isFalse();
        assertThat(kafka.eventsOf(MASK_LANE, id)).isEmpty();
    }

    @Test
    void aMissingS3InputIsNotFoundWithAMessageNamingTheObject() {
        String uri = "s3://" + S3ProxyServer.BUCKET + "/uploads/acme/never-uploaded.png";

        Answer answer = api.submitJson(ACME_KEY, s3Body(uri));

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.json().get("code").stringValue()).isEqualTo("not_found");
        assertThat(answer.json().get("detail").stringValue()).contains(uri).contains("exists");
    }

    @Test
    void anS3InputInAnotherBucketOrMalformedIsAnInvalidParameter() {
        Answer otherBucket = api.submitJson(ACME_KEY, s3Body("s3://someone-elses-bucket/uploads/acme/in.png"));
        Answer noKey = api.submitJson(ACME_KEY, s3Body("s3://" + S3ProxyServer.BUCKET));
        Answer notS3 = api.submitJson(ACME_KEY, s3Body("https://example.com/in.png"));

        assertThat(List.of(otherBucket, noKey, notS3)).allSatisfy(a -> {
            assertThat(a.status()).isEqualTo(400);
            assertThat(a.json().get("code").stringValue()).isEqualTo("invalid_parameter");
            assertThat(a.json().get("parameter").stringValue()).isEqualTo("input.s3");
        });
        assertThat(otherBucket.json().get("detail").stringValue())
                .contains("someone-elses-bucket").contains(S3ProxyServer.BUCKET);
        assertThat(noKey.json().get("detail").stringValue()).contains("s3://<bucket>/<key>");
    }

    @Test
    void anS3InputOverTheSizeLimitIsRefusedLikeAnUpload() {
        byte[] large = TestImages.noise(200, 200);
        objects.put("uploads/acme/large.png", large, "image/png");

        Answer answer = api.submitJson(ACME_KEY,
                "{\"input\": {\"s3\": \"s3://" + S3ProxyServer.BUCKET + "/uploads/acme/large.png\"},"
                        + " \"params\": {\"task\": \"sketch\"}}");

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.json().get("code").stringValue()).isEqualTo("input_too_large");
    }

    @Test
    void aSucceededJobShowsItsResultsWithPresignedUrlsThatFetchTheStoredBytes() throws Exception {
        String id = submitMask();
        byte[] sample = TestImages.mask(256, 256);
        String key = ObjectKeys.sample(id, 0);
        objects.put(key, sample, "image/png");

        kafka.publish(TOPICS.events(), new TranslationStarted(id, "acme", Instant.now(), "worker-1", 1));
        kafka.publish(TOPICS.events(), new TranslationProgress(id, "acme", Instant.now(), "base", 10, 100));
        kafka.publish(TOPICS.events(), succeeded(id, key, sample));

        JsonNode job = awaitStatus(id, "succeeded");
        assertThat(job.get("started")).isNotNull();
        assertThat(job.get("finished")).isNotNull();
        assertThat(job.get("timings").get("total").doubleValue()).isEqualTo(1234.0);
        JsonNode result = job.get("results").get(0);
        assertThat(result.get("kind").stringValue()).isEqualTo("sample");
        assertThat(result.get("width").intValue()).isEqualTo(256);
        assertThat(result.get("sha256").stringValue()).isEqualTo(Sha256.hex(sample));
        assertThat(Instant.parse(result.get("expires_at").stringValue())).isAfter(Instant.now().plusSeconds(3500));
        HttpResponse<byte[]> fetched = api.http().send(HttpRequest.newBuilder(URI.create(result.get("url").stringValue()))
                .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(fetched.statusCode()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(sample);
    }

    @Test
    void aFailedJobShowsTheWorkersErrorCodeAndMessage() {
        String id = submitMask();

        kafka.publish(TOPICS.events(), new TranslationFailed(id, "acme", Instant.now(), "unknown_model",
                "model 'x' is not installed"));

        JsonNode job = awaitStatus(id, "failed");
        assertThat(job.get("error").get("code").stringValue()).isEqualTo("unknown_model");
        assertThat(job.get("error").get("message").stringValue()).isEqualTo("model 'x' is not installed");
    }

    @Test
    void theSameIdempotencyKeyAndRequestGiveTheSameJobAndADifferentRequestAConflict() {
        byte[] mask = TestImages.mask(64, 64);

        Answer first = api.submit(ACME_KEY, mask, MASK_PARAMS, "Idempotency-Key", "order-1001");
        Answer again = api.submit(ACME_KEY, mask, MASK_PARAMS, "Idempotency-Key", "order-1001");

        assertThat(first.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(202);
        String id = first.json().get("id").stringValue();
        assertThat(again.json().get("id").stringValue()).isEqualTo(id);
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        // Once the status view has read the job back, a repeat is still the same job.
        await().atMost(Duration.ofSeconds(20)).until(() -> kafka.eventsOf(MASK_LANE, id).size() == 1);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Answer later = api.submit(ACME_KEY, mask, MASK_PARAMS, "Idempotency-Key", "order-1001");
            assertThat(later.json().get("id").stringValue()).isEqualTo(id);
        });
        assertThat(kafka.eventsOf(MASK_LANE, id)).hasSize(1);

        Answer conflict = api.submit(ACME_KEY, mask, "{\"task\": \"mask\", \"num_samples\": 3}",
                "Idempotency-Key", "order-1001");

        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.header("Content-Type")).startsWith("application/problem+json");
        assertThat(conflict.json().get("code").stringValue()).isEqualTo("idempotency_conflict");
        assertThat(kafka.eventsOf(MASK_LANE, id)).hasSize(1);
    }

    @Test
    void aTenantNeverSeesAnotherTenantsJob() {
        String id = submitMask();

        Answer read = api.get("/v1/translations/" + id, GLOBEX_KEY);
        Answer cancel = api.post("/v1/translations/" + id + "/cancel", GLOBEX_KEY);
        Answer events = api.get("/v1/translations/" + id + "/events", GLOBEX_KEY);

        assertThat(read.status()).isEqualTo(404);
        assertThat(read.json().get("code").stringValue()).isEqualTo("not_found");
        assertThat(cancel.status()).isEqualTo(404);
        assertThat(events.status()).isEqualTo(404);
        assertThat(api.get("/v1/translations/" + id, ACME_KEY).status()).isEqualTo(200);
    }

    @Test
    void aMaskWithAColourOutsideThePaletteIsRefusedNamingThePixelAndNothingIsStored() {
        byte[] mask = TestImages.maskWithStrayPixel(16, 16, 3, 2, 0x123457);
        String id = JobIds.derived("acme", "stray-pixel");

        Answer answer = api.submit(ACME_KEY, mask, "{\"task\": \"mask\"}", "Idempotency-Key", "stray-pixel");

        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().get("code").stringValue()).isEqualTo("unknown_palette_colour");
        assertThat(answer.json().get("detail").stringValue()).contains("(3, 2)");
        assertThat(objects.exists(ObjectKeys.input("acme", id))).isFalse();
        assertThat(kafka.eventsOf(MASK_LANE, id)).isEmpty();
    }

    @Test
    void anInputOverTheSizeLimitIsRefused() {
        byte[] large = TestImages.noise(200, 200);
        assertThat(large.length).isGreaterThan(64 * 1024);

        Answer answer = api.submit(ACME_KEY, large, "{\"task\": \"sketch\"}");

        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.json().get("code").stringValue()).isEqualTo("input_too_large");
        assertThat(answer.json().get("detail").stringValue()).contains("65536");
    }

    @Test
    void parametersOutOfRangeAreRefusedNamingTheParameter() {
        byte[] mask = TestImages.mask(16, 16);

        Answer samples = api.submit(ACME_KEY, mask, "{\"task\": \"mask\", \"num_samples\": 7}");
        Answer steps = api.submit(ACME_KEY, mask, "{\"task\": \"mask\", \"base_steps\": \"fast\"}");
        Answer typo = api.submit(ACME_KEY, mask, "{\"task\": \"mask\", \"num_sample\": 2}");
        Answer task = api.submit(ACME_KEY, mask, "{\"task\": \"colour\"}");
        Answer model = api.submit(ACME_KEY, mask, "{\"task\": \"mask\", \"model\": \"huge-mask\"}");
        Answer webhook = api.submit(ACME_KEY, mask, "{\"task\": \"mask\", \"webhook\": {\"url\": \"ftp://x\"}}");

        assertThat(List.of(samples, steps, typo, task, webhook)).allSatisfy(a -> {
            assertThat(a.status()).isEqualTo(400);
            assertThat(a.json().get("code").stringValue()).isEqualTo("invalid_parameter");
        });
        assertThat(samples.json().get("detail").stringValue()).contains("num_samples").contains("1..4").contains("7");
        assertThat(steps.json().get("parameter").stringValue()).isEqualTo("base_steps");
        assertThat(typo.json().get("detail").stringValue()).contains("num_sample");
        assertThat(webhook.json().get("parameter").stringValue()).isEqualTo("webhook.url");
        assertThat(model.status()).isEqualTo(400);
        assertThat(model.json().get("code").stringValue()).isEqualTo("unknown_model");
        assertThat(model.json().get("detail").stringValue()).contains("tiny-mask");
    }

    @Test
    void requestsWithoutAValidApiKeyAreRefused() {
        Answer none = api.get("/v1/models", null);
        Answer wrong = api.get("/v1/models", "not-a-key");

        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("code").stringValue()).isEqualTo("unauthorized");
        assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.json().get("code").stringValue()).isEqualTo("unauthorized");
    }

    @Test
    void theModelsListShowsEveryTaskAndTheConfiguredModels() {
        Answer models = api.get("/v1/models", ACME_KEY);

        assertThat(models.status()).isEqualTo(200);
        assertThat(models.json().get("tasks").toString()).isEqualTo("[\"mask\",\"sketch\",\"depth\"]");
        JsonNode model = models.json().get("models").get(0);
        assertThat(model.get("name").stringValue()).isEqualTo("tiny-mask");
        assertThat(model.get("default").booleanValue()).isTrue();
    }

    @Test
    void aDeclaredModelWithNoWorkerIsListedAsScaledToZeroAndItsJobsWaitInItsLane() {
        Answer models = api.get("/v1/models", ACME_KEY);
        JsonNode sketch = modelNamed(models.json(), "tiny-sketch");
        assertThat(sketch.get("declared").booleanValue()).isTrue();
        assertThat(sketch.get("live_workers").intValue()).isZero();
        assertThat(sketch.get("scaled_to_zero").booleanValue()).isTrue();

        Answer answer = api.submit(ACME_KEY, TestImages.sketch(64, 64), "{\"task\": \"sketch\"}");

        assertThat(answer.status()).isEqualTo(202);
        String id = answer.json().get("id").stringValue();
        assertThat(kafka.eventsOf(TOPICS.lane("tiny-sketch"), id)).singleElement()
                .isInstanceOf(TranslationRequested.class);
        assertThat(kafka.eventsOf(MASK_LANE, id)).isEmpty();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                modelNamed(api.get("/v1/models", ACME_KEY).json(), "tiny-sketch").get("queue_depth").longValue())
                .isGreaterThanOrEqualTo(1));
    }

    @Test
    void aModelAnnouncedByAWorkerIsListedLiveAndRoutedToUntilItIsWithdrawn() {
        Instant now = Instant.now();
        ModelAnnouncement announcement = new ModelAnnouncement("worker-7", "depth-net", "2026-12", "depth", 256,
                new ModelAnnouncement.Resolution(64, 256),
                new ModelAnnouncement.Defaults("ddpm", "50", "10", "cfg", 1.3), "fp32", "cpu", now,
                now.plus(Duration.ofMinutes(5)), 812.5);
        kafka.announce(TOPICS.models(), announcement.key(), announcement);

        await().atMost(Duration.ofSeconds(10)).until(() -> hasModel(api.get("/v1/models", ACME_KEY).json(), "depth-net"));
        JsonNode listed = modelNamed(api.get("/v1/models", ACME_KEY).json(), "depth-net");
        assertThat(listed.get("task").stringValue()).isEqualTo("depth");
        assertThat(listed.get("version").stringValue()).isEqualTo("2026-12");
        assertThat(listed.get("live_workers").intValue()).isEqualTo(1);
        assertThat(listed.get("typical_job_ms").doubleValue()).isEqualTo(812.5);
        assertThat(listed.get("resolution").get("upsampler").intValue()).isEqualTo(256);
        assertThat(listed.get("defaults").get("base_steps").stringValue()).isEqualTo("50");
        assertThat(listed.get("default").booleanValue()).isTrue();
        assertThat(listed.get("scaled_to_zero").booleanValue()).isFalse();

        kafka.announce(TOPICS.models(), announcement.key(), null);

        await().atMost(Duration.ofSeconds(10)).until(() -> !hasModel(api.get("/v1/models", ACME_KEY).json(), "depth-net"));
        Answer refused = api.submit(ACME_KEY, TestImages.mask(32, 32), "{\"task\": \"depth\"}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("code").stringValue()).isEqualTo("unknown_model");
        assertThat(refused.json().get("detail").stringValue()).contains("no model serves task depth")
                .contains("tiny-mask (mask)").contains("tiny-sketch (sketch)");
    }

    @Test
    void aModelWhoseLeaseLapsedIsNoLongerLive() {
        Instant past = Instant.now().minus(Duration.ofMinutes(10));
        ModelAnnouncement lapsed = new ModelAnnouncement("worker-gone", "tiny-mask", "1", "mask", 256,
                new ModelAnnouncement.Resolution(64, 256),
                new ModelAnnouncement.Defaults("ddpm", "50", "10", "cfg", 1.3), "fp32", "cpu", past,
                past.plus(Duration.ofSeconds(30)), null);
        kafka.announce(TOPICS.models(), lapsed.key(), lapsed);
        ModelAnnouncement live = new ModelAnnouncement("worker-here", "tiny-mask", "1", "mask", 256,
                new ModelAnnouncement.Resolution(64, 256),
                new ModelAnnouncement.Defaults("ddpm", "50", "10", "cfg", 1.3), "fp32", "cpu", Instant.now(),
                Instant.now().plus(Duration.ofMinutes(5)), null);
        kafka.announce(TOPICS.models(), live.key(), live);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(
                modelNamed(api.get("/v1/models", ACME_KEY).json(), "tiny-mask").get("live_workers").intValue())
                .isEqualTo(1));
        kafka.announce(TOPICS.models(), live.key(), null);
        kafka.announce(TOPICS.models(), lapsed.key(), null);
    }

    private static boolean hasModel(JsonNode models, String name) {
        for (JsonNode model : models.get("models")) {
            if (model.get("name").stringValue().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode modelNamed(JsonNode models, String name) {
        for (JsonNode model : models.get("models")) {
            if (model.get("name").stringValue().equals(name)) {
                return model;
            }
        }
        throw new AssertionError("no model " + name + " in " + models);
    }

    @Test
    void cancellingPublishesACancellationRequestAndAFinishedJobCannotBeCancelled() {
        String id = submitMask();

        Answer cancel = api.post("/v1/translations/" + id + "/cancel", ACME_KEY);

        assertThat(cancel.status()).isEqualTo(202);
        assertThat(cancel.json().get("id").stringValue()).isEqualTo(id);
        assertThat(kafka.eventsOf(TOPICS.control(), id)).singleElement()
                .isInstanceOfSatisfying(CancellationRequested.class, c -> assertThat(c.tenant()).isEqualTo("acme"));

        kafka.publish(TOPICS.events(), new TranslationCancelled(id, "acme", Instant.now(), "cancelled by the client"));
        awaitStatus(id, "cancelled");
        Answer again = api.post("/v1/translations/" + id + "/cancel", ACME_KEY);

        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("code").stringValue()).isEqualTo("already_terminal");
    }

    @Test
    void serverSentEventsDeliverTheCurrentStateThenProgressThenTheTerminalState() {
        String id = submitMask();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<HttpResponse<Stream<String>>> stream = api.http().sendAsync(
                api.request("/v1/translations/" + id + "/events", ACME_KEY).header("Accept", "text/event-stream").GET().build(),
                HttpResponse.BodyHandlers.ofLines());
        CompletableFuture<Void> reading = stream.thenAccept(response -> response.body().forEach(lines::add));

        await().atMost(Duration.ofSeconds(10)).until(() -> eventNames(lines).equals(List.of("queued")));
        kafka.publish(TOPICS.events(), new TranslationStarted(id, "acme", Instant.now(), "worker-1", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> eventNames(lines).size() == 2);
        kafka.publish(TOPICS.events(), new TranslationProgress(id, "acme", Instant.now(), "base", 50, 100));
        await().atMost(Duration.ofSeconds(10)).until(() -> eventNames(lines).size() == 3);
        byte[] sample = TestImages.mask(256, 256);
        objects.put(ObjectKeys.sample(id, 0), sample, "image/png");
        kafka.publish(TOPICS.events(), succeeded(id, ObjectKeys.sample(id, 0), sample));

        await().atMost(Duration.ofSeconds(10)).until(reading::isDone);
        assertThat(eventNames(lines)).containsExactly("queued", "running", "progress", "succeeded");
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("data:").contains("\"step\":50"));
    }

    @Test
    void preferWaitHoldsTheAnswerUntilTheJobFinishes() {
        String id = submitMask();
        CompletableFuture<Answer> waiting = CompletableFuture.supplyAsync(
                () -> api.get("/v1/translations/" + id, ACME_KEY, "Prefer", "wait=20"));
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone());

        kafka.publish(TOPICS.events(), new TranslationFailed(id, "acme", Instant.now(), "internal_error", "boom"));

        Answer answer = waiting.join();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.json().get("status").stringValue()).isEqualTo("failed");
        assertThat(answer.header("Preference-Applied")).isEqualTo("wait=20");
    }

    @Test
    void preferWaitOnASubmissionAnswers202WithTheCurrentStateWhenTheJobIsStillRunning() {
        long start = System.nanoTime();

        Answer answer = api.submit(ACME_KEY, TestImages.mask(32, 32), "{\"task\": \"mask\"}", "Prefer", "wait=1");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(answer.status()).isEqualTo(202);
        assertThat(answer.json().get("status").stringValue()).isEqualTo("queued");
    }

    @Test
    void readinessCoversKafkaTheObjectStoreAndTheStatusViewAndMetricsAreExposed() {
        Answer readiness = api.get("/actuator/health/readiness", null);
        Answer liveness = api.get("/actuator/health/liveness", null);
        Answer prometheus = api.get("/actuator/prometheus", null);

        assertThat(readiness.status()).isEqualTo(200);
        assertThat(readiness.json().get("components").propertyNames())
                .contains("kafka", "objectStore", "statusView");
        assertThat(liveness.status()).isEqualTo(200);
        assertThat(prometheus.status()).isEqualTo(200);
        assertThat(prometheus.body()).contains("jvm_memory_used_bytes");
    }

    @Test
    void theServedOpenApiDocumentHasEveryPathOfTheCheckedInOne() throws Exception {
        Answer served = api.get("/v3/api-docs", null);
        assertThat(served.status()).isEqualTo(200);
        Path checkedIn = Path.of("..", "docs", "openapi.json");
        if (Boolean.getBoolean("openapi.write")) {
            Files.writeString(checkedIn, served.json().toPrettyString() + "\n", StandardCharsets.UTF_8);
        }

        JsonNode document = new ApiClient.Answer(200, served.headers(), Files.readString(checkedIn)).json();

        List<String> servedPaths = new ArrayList<>(served.json().get("paths").propertyNames());
        assertThat(servedPaths).containsExactlyInAnyOrderElementsOf(document.get("paths").propertyNames());
        for (String path : document.get("paths").propertyNames()) {
            assertThat(served.json().get("paths").get(path).propertyNames())
                    .as("operations of %s", path)
                    .containsExactlyInAnyOrderElementsOf(document.get("paths").get(path).propertyNames());
        }
    }

    private static String s3Body(String uri) {
        return "{\"input\": {\"s3\": \"" + uri + "\"}, \"params\": {\"task\": \"mask\"}}";
    }

    @Test
    void anEvaluationShowsItsModelFromSubmissionOnWhileQueuedRunningAndFailed() {
        // Another tenant than the translations': its jobs in flight do not count against this one.
        Answer accepted = api.send(api.request("/v1/evaluations", GLOBEX_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"tiny-sketch\", \"dataset\":"
                        + " \"bundled:world-heldout\", \"limit\": 2, \"settings\": [{}]}")).build());

        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        assertThat(accepted.json().get("status").stringValue()).isEqualTo("queued");
        assertThat(accepted.json().get("model").stringValue()).isEqualTo("tiny-sketch");
        String id = accepted.json().get("id").stringValue();
        assertThat(kafka.eventsOf(TOPICS.lane("tiny-sketch"), id)).singleElement()
                .isInstanceOfSatisfying(TranslationRequested.class, r -> assertThat(r.evaluation()).isTrue());
        assertThat(awaitEvaluation(id, "queued").get("model").stringValue()).isEqualTo("tiny-sketch");

        kafka.publish(TOPICS.events(), new TranslationStarted(id, "globex", Instant.now(), "worker-1", 1));
        kafka.publish(TOPICS.events(), new TranslationProgress(id, "globex", Instant.now(), "evaluation", 1, 2));
        JsonNode running = await().atMost(Duration.ofSeconds(20))
                .until(() -> api.get("/v1/evaluations/" + id, GLOBEX_KEY).json(),
                        job -> "running".equals(job.get("status").stringValue()) && job.has("progress"));
        assertThat(running.get("model").stringValue()).isEqualTo("tiny-sketch");
        assertThat(running.get("progress").get("images_done").intValue()).isEqualTo(1);
        assertThat(running.get("progress").get("images_total").intValue()).isEqualTo(2);

        kafka.publish(TOPICS.events(), new TranslationFailed(id, "globex", Instant.now(), "internal_error", "boom"));
        JsonNode failed = awaitEvaluation(id, "failed");
        assertThat(failed.get("model").stringValue()).isEqualTo("tiny-sketch");
        assertThat(failed.get("error").get("code").stringValue()).isEqualTo("internal_error");
    }

    private JsonNode awaitEvaluation(String id, String status) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> api.get("/v1/evaluations/" + id, GLOBEX_KEY).json(),
                job -> job != null && status.equals(job.get("status").stringValue()));
    }

    private String submitMask() {
        Answer answer = api.submit(ACME_KEY, TestImages.mask(64, 64), "{\"task\": \"mask\"}");
        assertThat(answer.status()).isEqualTo(202);
        return answer.json().get("id").stringValue();
    }

    private JsonNode awaitStatus(String id, String status) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> api.get("/v1/translations/" + id, ACME_KEY).json(),
                job -> job != null && status.equals(job.get("status").stringValue()));
    }

    private static TranslationSucceeded succeeded(String id, String key, byte[] sample) {
        return new TranslationSucceeded(id, "acme", Instant.now(),
                List.of(new TranslationSucceeded.ResultImage("sample", 0, key, sample.length, Sha256.hex(sample),
                        256, 256)),
                ObjectKeys.manifest(id), "tiny-mask@1", 7L, Map.of("total", 1234.0), List.of(), Map.of());
    }

    private static List<String> eventNames(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("event:")).map(l -> l.substring(6).trim()).toList();
    }
}
