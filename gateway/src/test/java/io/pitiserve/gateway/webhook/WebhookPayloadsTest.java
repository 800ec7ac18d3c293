package io.pitiserve.gateway.webhook;

import io.pitiserve.common.json.WireJson;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import io.pitiserve.client.webhook.WebhookPayload;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.gateway.config.GatewayProperties;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WebhookPayloadsTest {

    /** Presigns like S3 does, with a URL as long as the caller wants; stores nothing. */
    record Presigner(int urlLength) implements ObjectStore {
        @Override
        public void put(String key, byte[] bytes, String contentType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.empty();
        }

        @Override
        public boolean exists(String key) {
            return false;
        }

        @Override
        public java.util.List<String> list(String prefix, int max) {
            throw new UnsupportedOperationException();
        }

        @Override
        public URI presignGet(String key, Duration ttl) {
            String base = "https://s3.example.com/bucket/" + key + "?X-Amz-Expires=" + ttl.toSeconds() + "&sig=";
            return URI.create(base + "a".repeat(Math.max(0, urlLength - base.length())));
        }

        @Override
        public boolean reachable() {
            return true;
        }
    }

    @Test
    void aSucceededPayloadCarriesFreshlyPresignedLinksWithTheirExpiry() {
        WebhookPayloads payloads = new WebhookPayloads(new Presigner(300), gateway(), Clock.systemUTC());

        WebhookPayload payload = WebhookPayload.fromJson(payloads.body(succeeded(2),
                new WebhookPayloads.Submission(Map.of("order", "9"), false)));

        assertThat(payload.data().results()).hasSize(2).allSatisfy(r -> {
            assertThat(r.url()).startsWith("https://s3.example.com/bucket/results/").contains("X-Amz-Expires=3600");
            assertThat(r.expiresAt()).isAfter(Instant.now().plusSeconds(3500));
        });
        assertThat(payload.data().metadata()).containsEntry("order", "42");
        assertThat(payload.data().truncated()).isNull();
    }

    @Test
    void aBodyThatWouldExceed20KbLosesItsResultLinksInstead() {
        WebhookPayloads payloads = new WebhookPayloads(new Presigner(4000), gateway(), Clock.systemUTC());

        byte[] body = payloads.body(succeeded(8), WebhookPayloads.Submission.UNKNOWN);

        assertThat(body.length).isLessThan(WebhookPayload.MAX_BYTES);
        WebhookPayload payload = WebhookPayload.fromJson(body);
        assertThat(payload.data().truncated()).isTrue();
        assertThat(payload.data().results()).hasSize(8).allSatisfy(r -> assertThat(r.url()).isNull());
    }

    @Test
    void aFailureCarriesItsCodeAShortenedMessageAndTheSubmissionsMetadata() {
        WebhookPayloads payloads = new WebhookPayloads(new Presigner(100), gateway(), Clock.systemUTC());

        WebhookPayload payload = WebhookPayload.fromJson(payloads.body(new TranslationFailed("tr_x", "acme",
                Instant.now(), "invalid_input", "x".repeat(5000)), new WebhookPayloads.Submission(Map.of("order", "7"), false)));

        assertThat(payload.type()).isEqualTo("translation.failed");
        assertThat(payload.data().error().code()).isEqualTo("invalid_input");
        assertThat(payload.data().error().message()).hasSize(WebhookPayloads.MAX_MESSAGE);
        assertThat(payload.data().metadata()).containsEntry("order", "7");
    }

    @Test
    void aJobLinksToTheRouteOfItsKind() {
        WebhookPayloads payloads = new WebhookPayloads(new Presigner(100), gateway(), Clock.systemUTC());
        TranslationFailed failed = new TranslationFailed("tr_x", "acme", Instant.now(), "invalid_input", "bad");

        WebhookPayload evaluation = WebhookPayload.fromJson(payloads.body(failed,
                new WebhookPayloads.Submission(Map.of(), true)));
        WebhookPayload translation = WebhookPayload.fromJson(payloads.body(failed, WebhookPayloads.Submission.UNKNOWN));

        assertThat(evaluation.data().links().self()).isEqualTo("/v1/evaluations/tr_x");
        assertThat(translation.data().links().self()).isEqualTo("/v1/translations/tr_x");
    }

    @Test
    void theRecordsOnKafkaHaveOnlyPropertiesTheirPublishedSchemasDeclare() throws IOException {
        Instant now = Instant.now();
        assertDescribed(new PendingDelivery("msg_1", "tr_x", "acme", "https://h/x", "succeeded", "t", "{}", "00-1-2-01",
                "piti=1", 2, now, "retry", now), "pending-delivery.v1.json");
        assertDescribed(new DeliveryAttempt("msg_1", "succeeded", 1, now, 500, 12L, "retrying", "HTTP 500", now, true),
                "delivery-attempt.v1.json");
        assertDescribed(new DisabledUrl("acme", "https://h/x", now, "msg_1"), "disabled-url.v1.json");
    }

    private static void assertDescribed(Object record, String schemaFile) throws IOException {
        JsonMapper mapper = JsonMapper.builder().build();
        JsonNode written = mapper.readTree(WireJson.write(record));
        JsonNode schema;
        try (InputStream in = WebhookPayloadsTest.class.getClassLoader()
                .getResourceAsStream("pitiserve/schemas/webhooks/" + schemaFile)) {
            schema = mapper.readTree(in);
        }
        Set<String> declared = new TreeSet<>(schema.get("properties").propertyNames());
        List<String> required = new ArrayList<>();
        schema.get("required").values().forEach(n -> required.add(n.stringValue()));

        assertThat(declared).as(schemaFile).containsAll(written.propertyNames());
        assertThat(written.propertyNames()).as(schemaFile).containsAll(required);
    }

    private static TranslationSucceeded succeeded(int images) {
        List<TranslationSucceeded.ResultImage> results = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            results.add(new TranslationSucceeded.ResultImage("sample", i, "results/acme/tr_x/sample-" + i + ".png", 100,
                    "ab".repeat(32), 256, 256));
        }
        return new TranslationSucceeded("tr_x", "acme", Instant.now(), results, "results/acme/tr_x/manifest.json",
                "tiny-mask", 7, Map.of("total", 10.0), List.of(), Map.of("order", "42"));
    }

    static GatewayProperties gateway() {
        return new GatewayProperties(List.of(), List.of(), org.springframework.util.unit.DataSize.ofMegabytes(8), 4096,
                4096, Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(30),
                Duration.ofSeconds(5), java.nio.file.Path.of("/tmp"), "x", Duration.ofSeconds(2), "pitiserve-worker");
    }
}
