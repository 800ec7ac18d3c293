package io.pitiserve.gateway.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;

import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.gateway.GatewayApplication;
import io.pitiserve.gateway.support.ApiClient;
import io.pitiserve.gateway.support.ApiClient.Answer;
import io.pitiserve.gateway.support.ItDirectories;
import io.pitiserve.gateway.support.ItSettings;
import io.pitiserve.gateway.support.KafkaTopics;
import io.pitiserve.gateway.support.S3ProxyServer;
import io.pitiserve.testsupport.kafka.BrokerForTest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Evaluations over real HTTP, with a real Kafka broker and a real S3 server (s3proxy). No worker
 * runs: where a job must move on, the test publishes the worker's events.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@BrokerForTest(partitions = 2)
class EvaluationsApiIT {

    static final String ACME_KEY = "acme-secret-key";
    static final S3ProxyServer S3 = S3ProxyServer.start();
    static final Topics TOPICS = Topics.defaults();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        S3.register(registry);
        ItSettings.tenant(registry, 0, "acme", ACME_KEY);
        ItSettings.model(registry, 0, "mask", "tiny-mask");
        registry.add("pitiserve.gateway.models[0].default-model", () -> "true");
        ItSettings.model(registry, 1, "sketch", "tiny-sketch");
        ItDirectories.registerGatewayDirectories(registry, "gateway-evaluations-it-state");
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

    @BeforeEach
    void connect() {
        api = new ApiClient(port);
        kafka = new KafkaTopics(bootstrap);
        api.awaitReady();
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    @Test
    void anEvaluationShowsItsModelFromSubmissionOnWhileQueuedRunningAndFailed() {
        Answer accepted = submit("{\"model\": \"tiny-sketch\", \"dataset\": \"bundled:world-heldout\", \"limit\": 2,"
                + " \"settings\": [{}]}");

        assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
        assertThat(accepted.json().get("status").stringValue()).isEqualTo("queued");
        assertThat(accepted.json().get("model").stringValue()).isEqualTo("tiny-sketch");
        String id = accepted.json().get("id").stringValue();
        assertThat(kafka.eventsOf(TOPICS.lane("tiny-sketch"), id)).singleElement()
                .isInstanceOfSatisfying(TranslationRequested.class, r -> assertThat(r.evaluation()).isTrue());

        JsonNode queued = awaitStatus(id, "queued");
        assertThat(queued.get("model").stringValue()).isEqualTo("tiny-sketch");

        kafka.publish(TOPICS.events(), new TranslationStarted(id, "acme", Instant.now(), "worker-1", 1));
        kafka.publish(TOPICS.events(), new TranslationProgress(id, "acme", Instant.now(), "evaluation", 1, 2));
        JsonNode running = await().atMost(Duration.ofSeconds(20)).until(() -> get(id),
                job -> "running".equals(job.get("status").stringValue()) && job.has("progress"));
        assertThat(running.get("model").stringValue()).isEqualTo("tiny-sketch");
        assertThat(running.get("progress").get("images_done").intValue()).isEqualTo(1);
        assertThat(running.get("progress").get("images_total").intValue()).isEqualTo(2);

        kafka.publish(TOPICS.events(), new TranslationFailed(id, "acme", Instant.now(), "internal_error", "boom"));
        JsonNode failed = awaitStatus(id, "failed");
        assertThat(failed.get("model").stringValue()).isEqualTo("tiny-sketch");
        assertThat(failed.get("error").get("code").stringValue()).isEqualTo("internal_error");
    }

    private Answer submit(String json) {
        return api.send(api.request("/v1/evaluations", ACME_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private JsonNode get(String id) {
        return api.get("/v1/evaluations/" + id, ACME_KEY).json();
    }

    private JsonNode awaitStatus(String id, String status) {
        return await().atMost(Duration.ofSeconds(20)).until(() -> get(id),
                job -> job != null && status.equals(job.get("status").stringValue()));
    }
}
