package io.pitiserve.gateway.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.pitiserve.gateway.GatewayApplication;
import io.pitiserve.gateway.support.ApiClient;
import io.pitiserve.gateway.support.ApiClient.Answer;
import io.pitiserve.gateway.support.ItDirectories;
import io.pitiserve.gateway.support.ItSettings;
import io.pitiserve.gateway.support.S3ProxyServer;
import io.pitiserve.gateway.support.TestImages;
import io.pitiserve.testsupport.kafka.BrokerForTest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A gateway whose producer cannot reach Kafka (its bootstrap address is a closed port) while the
 * status view still reads a real broker: a submission must answer 503 with Retry-After, and the
 * job must not exist afterwards.
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@BrokerForTest(partitions = 1)
class KafkaUnavailableIT {

    static final String KEY = "acme-secret-key";
    static final S3ProxyServer S3 = S3ProxyServer.start();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        S3.register(registry);
        ItSettings.tenant(registry, 0, "acme", KEY);
        ItDirectories.registerGatewayDirectories(registry, "gateway-it-state");
        registry.add("pitiserve.gateway.publish-timeout", () -> "2s");
        ItSettings.model(registry, 0, "mask", "tiny-mask");
        registry.add("pitiserve.kafka.request-partitions", () -> "1");
        registry.add("pitiserve.kafka.event-partitions", () -> "1");
        registry.add("spring.kafka.producer.bootstrap-servers", () -> "127.0.0.1:1");
    }

    @AfterAll
    static void stopS3() throws Exception {
        S3.close();
    }

    @LocalServerPort
    int port;

    @Test
    void aSubmissionThatKafkaDoesNotAcknowledgeIsAnswered503AndNotAccepted() {
        ApiClient api = new ApiClient(port);
        api.awaitReady();
        String id = JobIds.derived("acme", "k-1");

        long started = System.nanoTime();
        Answer answer = api.submit(KEY, TestImages.mask(32, 32), "{\"task\": \"mask\"}", "Idempotency-Key", "k-1");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertThat(answer.status()).isEqualTo(503);
        // Bounded by the publish timeout (2 s), not by anything the send's observation waits for
        // first; the margin is for a loaded machine.
        assertThat(took).isLessThan(Duration.ofSeconds(20));
        assertThat(answer.json().get("code").stringValue()).isEqualTo("unavailable");
        assertThat(answer.header("Retry-After")).isEqualTo("5");
        assertThat(answer.json().get("detail").stringValue()).doesNotContain("Exception").contains("retry");
        assertThat(api.get("/v1/translations/" + id, KEY).status()).isEqualTo(404);
    }
}
