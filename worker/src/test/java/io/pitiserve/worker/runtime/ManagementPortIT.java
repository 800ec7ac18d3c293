package io.pitiserve.worker.runtime;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.springframework.kafka.test.context.EmbeddedKafka;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker as {@code serve} runs it answers the probes and the metrics scrape of its deployment
 * on its management port: readiness is UP once the model is loaded, Prometheus text is served.
 */
@EmbeddedKafka(partitions = 1)
class ManagementPortIT {

    private static final String ACCESS_KEY = "management-it-access";
    private static final String SECRET_KEY = "management-it-secret-0123456789";

    private static S3Proxy s3proxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void startS3() throws Exception {
        s3proxy = S3Proxy.builder()
                .blobStore(BlobStores.create("transient", new Properties()))
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        s3proxy.start();
    }

    @AfterAll
    static void stopS3() throws Exception {
        s3proxy.stop();
    }

    @Test
    void theServedWorkerReportsReadinessAfterLoadingItsModelAndServesPrometheusMetrics(EmbeddedKafkaBroker broker)
            throws Exception {
        Path model = Path.of(getClass().getClassLoader().getResource("fixtures/models/micro-mask").toURI());
        Map<String, Object> properties = Map.ofEntries(
                Map.entry("server.port", "0"),
                Map.entry("spring.kafka.bootstrap-servers", broker.getBrokersAsString()),
                Map.entry("pitiserve.kafka.request-partitions", "1"),
                Map.entry("pitiserve.kafka.event-partitions", "1"),
                Map.entry("pitiserve.kafka.control-partitions", "1"),
                Map.entry("pitiserve.worker.model-dir", model.toString()),
                Map.entry("pitiserve.s3.endpoint", "http://127.0.0.1:" + s3proxy.getPort()),
                Map.entry("pitiserve.s3.bucket", "pitiserve-management-it"),
                Map.entry("pitiserve.s3.access-key", ACCESS_KEY),
                Map.entry("pitiserve.s3.secret-key", SECRET_KEY),
                Map.entry("pitiserve.s3.path-style", "true"),
                Map.entry("pitiserve.s3.create-bucket", "true"),
                Map.entry("logging.level.org.apache.kafka", "WARN"),
                Map.entry("logging.level.org.gaul", "WARN"));
        try (ConfigurableApplicationContext worker = WorkerApplication.serveBuilder().properties(properties).run()) {
            String base = "http://127.0.0.1:" + worker.getEnvironment().getProperty("local.server.port");

            HttpResponse<String> readiness = get(base + "/actuator/health/readiness");
            assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"status\":\"UP\"");
            assertThat(get(base + "/actuator/health/liveness").statusCode()).isEqualTo(200);

            HttpResponse<String> metrics = get(base + "/actuator/prometheus");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("jvm_memory_used_bytes");
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
