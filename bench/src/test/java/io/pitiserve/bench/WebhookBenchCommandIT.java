package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.webhook.WebhookPayload;
import io.pitiserve.client.webhook.WebhookVerification;
import io.pitiserve.client.webhook.WebhookVerifier;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.worker.models.BundledModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class WebhookBenchCommandIT {

    static final Path MICRO_MODEL = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");
    static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void theWebhooksBenchVerifiesEveryDeliveryAndEndsWithItsFiguresAsJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = BenchCommand.run(List.of("webhooks", "--deliveries", "40", "--latency-samples", "5",
                "--model", MICRO_MODEL.toString()), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        String stdout = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as("stdout: %s%nstderr: %s", stdout, err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> lines = stdout.lines().toList();
        JsonNode result = json.readTree(lines.get(lines.size() - 1));
        assertThat(result.propertyNames()).contains("deliveries_per_s", "delivery_p50_ms", "delivery_p99_ms",
                "burst_p50_ms", "burst_p99_ms");
        assertThat(result.path("deliveries").asInt()).isEqualTo(40);
        assertThat(result.path("latency_samples").asInt()).isEqualTo(5);
        assertThat(result.path("unverified").asInt()).isZero();
        assertThat(result.path("duplicates").asInt()).isZero();
        assertThat(result.path("deliveries_per_s").asDouble()).isPositive();
        assertThat(result.path("delivery_p99_ms").asDouble()).isGreaterThanOrEqualTo(result.path("delivery_p50_ms").asDouble());
    }

    @Test
    void inLocalModeTheSecretFromTheEnvironmentSignsARealJobsWebhookToALoopbackReceiver(@TempDir Path dataDir)
            throws IOException {
        List<Map<String, String>> headers = new CopyOnWriteArrayList<>();
        List<byte[]> bodies = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                Map<String, String> received = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                exchange.getRequestHeaders().forEach((name, values) -> received.put(name, values.get(0)));
                bodies.add(in.readAllBytes());
                headers.add(received);
                exchange.sendResponseHeaders(204, -1);
            }
        });
        receiver.start();
        LocalSettings settings = LocalSettings.onFreePorts(dataDir).withModelDir(MICRO_MODEL);
        try (LocalStack stack = LocalStack.start(settings, Map.of("PITISERVE_WEBHOOK_SECRET", SECRET))) {
            PitiServeClient client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
            URI webhook = URI.create("http://127.0.0.1:" + receiver.getAddress().getPort() + "/done");

            String id = client.submit(TranslationRequest.builder("mask")
                    .input(BundledModels.example("mask.png"), "image/png").baseSteps("3").srSteps("2")
                    .webhook(webhook).build()).id();

            await().atMost(Duration.ofMinutes(3)).until(() -> !bodies.isEmpty());
            WebhookVerification verification = new WebhookVerifier(SECRET).verify(headers.get(0), bodies.get(0));
            assertThat(verification).isInstanceOfSatisfying(WebhookVerification.Verified.class, verified -> {
                WebhookPayload payload = verified.payload();
                assertThat(payload.type()).isEqualTo("translation.succeeded");
                assertThat(payload.data().id()).isEqualTo(id);
                assertThat(payload.data().results()).isNotEmpty().allSatisfy(r -> assertThat(r.url()).isNotBlank());
            });
            assertThat(new WebhookVerifier("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[24]))
                    .verify(headers.get(0), bodies.get(0)).verified()).as("a generated secret would not verify").isFalse();
        } finally {
            receiver.stop(0);
        }
    }
}
