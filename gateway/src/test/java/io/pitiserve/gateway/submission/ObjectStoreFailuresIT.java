package io.pitiserve.gateway.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.storage.ObjectKeys;
import io.pitiserve.gateway.GatewayApplication;
import io.pitiserve.gateway.auth.TenantDirectory;
import io.pitiserve.gateway.support.ApiClient;
import io.pitiserve.gateway.support.ApiClient.Answer;
import io.pitiserve.gateway.support.ItDirectories;
import io.pitiserve.gateway.support.KafkaTopics;
import io.pitiserve.gateway.support.S3ProxyServer;
import io.pitiserve.gateway.support.TestImages;
import io.pitiserve.testsupport.kafka.BrokerForTest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A gateway whose S3 server (a real s3proxy) stops answering mid-run and comes back: while it is
 * away, readiness reports the object store down and a submission answers 503 Problem Details with
 * Retry-After, publishing nothing; once it is back, the same submission is accepted exactly once.
 * And an {@code s3://} input larger than the input limit is refused from its size, never read whole.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "pitiserve.kafka.request-partitions=1",
                "pitiserve.kafka.event-partitions=1",
                "pitiserve.gateway.max-input-size=4KB",
                "pitiserve.gateway.models[0].task=mask",
                "pitiserve.gateway.models[0].name=tiny-mask"})
@BrokerForTest(partitions = 1)
class ObjectStoreFailuresIT {

    static final String KEY = "acme-outage-key";
    static final S3ProxyServer S3 = S3ProxyServer.start();
    static final Topics TOPICS = Topics.defaults();

    @LocalServerPort
    int port;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrap;

    /** The S3 server's endpoint, the tenant and a fresh state directory are known only now. */
    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        S3.register(registry);
        String keyHash = TenantDirectory.hashOf(KEY);
        // One source for the whole tenants list: lists do not merge across property sources.
        registry.add("pitiserve.gateway.tenants[0].name", () -> "acme");
        registry.add("pitiserve.gateway.tenants[0].api-key-sha256", () -> keyHash);
        ItDirectories.registerGatewayDirectories(registry, "gateway-outage-state");
    }

    @AfterAll
    static void closeS3() throws Exception {
        S3.close();
    }

    @Test
    void whileS3IsAwaySubmissionsAnswer503AndPublishNothingAndOnceItIsBackTheSameSubmissionIsAcceptedOnce()
            throws Exception {
        ApiClient api = new ApiClient(port);
        api.awaitReady();
        String id = JobIds.derived("acme", "s3-away-1");
        byte[] input = TestImages.mask(32, 32);

        S3.stop();
        try {
            Answer refused = api.submit(KEY, input, "{\"task\": \"mask\"}", "Idempotency-Key", "s3-away-1");

            assertThat(refused.status()).as(refused.body()).isEqualTo(503);
            assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
            assertThat(refused.json().get("code").stringValue()).isEqualTo("unavailable");
            assertThat(refused.header("Retry-After")).isEqualTo("5");
            assertThat(refused.json().get("detail").stringValue()).contains("object store").contains("retry")
                    .contains("Idempotency-Key").doesNotContain("Exception");
            assertThat(api.get("/v1/translations/" + id, KEY).status()).isEqualTo(404);

            Answer readiness = api.get("/actuator/health/readiness", null);
            assertThat(readiness.status()).isEqualTo(503);
            assertThat(readiness.json().at("/components/objectStore/status").stringValue()).isEqualTo("DOWN");
            assertThat(readiness.json().at("/components/objectStore/details/reason").stringValue())
                    .contains("S3 unreachable");
            assertThat(readiness.json().at("/components/kafka/status").stringValue()).isEqualTo("UP");
        } finally {
            S3.startAgain();
        }

        try (KafkaTopics kafka = new KafkaTopics(bootstrap)) {
            assertThat(kafka.eventsOf(TOPICS.lane("tiny-mask"), id)).isEmpty();

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> api.get("/actuator/health/readiness", null).status() == 200);
            Answer accepted = api.submit(KEY, input, "{\"task\": \"mask\"}", "Idempotency-Key", "s3-away-1");

            assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
            assertThat(accepted.json().get("id").stringValue()).isEqualTo(id);
            assertThat(kafka.eventsOf(TOPICS.lane("tiny-mask"), id)).singleElement()
                    .isInstanceOfSatisfying(TranslationRequested.class,
                            request -> assertThat(request.inputKey()).isEqualTo(ObjectKeys.input("acme", id)));
            try (var store = S3.client()) {
                assertThat(store.get(ObjectKeys.input("acme", id))).hasValue(input);
            }
        }
        // Both answers are counted by outcome and tenant (recorded as the asynchronous answer completes).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(api.get("/actuator/prometheus", null)
                .body()).contains(
                        "pitiserve_gateway_submissions_total{outcome=\"unavailable\",tenant=\"acme\"}",
                        "pitiserve_gateway_submissions_total{outcome=\"accepted\",tenant=\"acme\"}",
                        "pitiserve_gateway_submission_duration_seconds_count{outcome=\"unavailable\"}")
                .doesNotContain(id));
    }

    @Test
    void anS3InputLargerThanTheInputLimitIsRefusedWithItsSizeAndTheLimitAndNothingIsQueued() throws Exception {
        ApiClient api = new ApiClient(port);
        api.awaitReady();
        try (var store = S3.client()) {
            store.put("uploads/acme/huge.png", new byte[5000], "image/png");
        }
        String uri = "s3://" + S3ProxyServer.BUCKET + "/uploads/acme/huge.png";

        Answer answer = api.submitJson(KEY, "{\"input\": {\"s3\": \"" + uri + "\"}, \"params\": {\"task\": \"mask\"}}",
                "Idempotency-Key", "s3-huge-1");

        assertThat(answer.status()).as(answer.body()).isEqualTo(413);
        assertThat(answer.json().get("code").stringValue()).isEqualTo("input_too_large");
        assertThat(answer.json().get("detail").stringValue()).contains(uri).contains("5000 bytes")
                .contains("the limit is 4096 bytes");
        try (KafkaTopics kafka = new KafkaTopics(bootstrap)) {
            assertThat(kafka.eventsOf(TOPICS.lane("tiny-mask"), JobIds.derived("acme", "s3-huge-1"))).isEmpty();
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(api.get("/actuator/prometheus", null)
                .body()).contains("pitiserve_gateway_submissions_total{outcome=\"rejected\",tenant=\"acme\"}"));
    }
}
