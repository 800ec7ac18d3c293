package io.pitiserve.worker.runtime;

import io.pitiserve.common.testing.LocalS3ForClass;
import io.pitiserve.common.testing.TestDirectories;
import io.pitiserve.testsupport.kafka.BrokerForTest;
import io.pitiserve.testsupport.kafka.TestBroker;
import io.pitiserve.worker.TestResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.ConfigurableApplicationContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker as {@code serve} runs it answers the probes and the metrics scrape of its deployment
 * on its management port: readiness is UP once the model is loaded, Prometheus text is served.
 */
@BrokerForTest(partitions = 1)
class ManagementPortIT {

    @RegisterExtension
    static final LocalS3ForClass s3 = new LocalS3ForClass();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theServedWorkerReportsReadinessAfterLoadingItsModelAndServesPrometheusMetrics(TestBroker broker)
            throws Exception {
        Path model = TestResources.microMask();
        Map<String, Object> properties = new HashMap<>(s3.server().properties("pitiserve-management-it"));
        properties.putAll(Map.ofEntries(
                Map.entry("server.port", "0"),
                Map.entry("server.tomcat.basedir", TestDirectories.fresh("management-tomcat").toString()),
                Map.entry("spring.kafka.bootstrap-servers", broker.bootstrapServers()),
                Map.entry("pitiserve.kafka.request-partitions", "1"),
                Map.entry("pitiserve.kafka.event-partitions", "1"),
                Map.entry("pitiserve.kafka.control-partitions", "1"),
                Map.entry("pitiserve.worker.model-dir", model.toString()),
                Map.entry("logging.level.org.gaul", "WARN")));
        try (ConfigurableApplicationContext worker = WorkerApplication.serveBuilder().properties(properties).run()) {
            String base = "http://127.0.0.1:" + worker.getEnvironment().getProperty("local.server.port");

            HttpResponse<String> readiness = get(base + "/actuator/health/readiness");
            assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
            assertThat(readiness.body()).contains("\"status\":\"UP\"");
            assertThat(get(base + "/actuator/health/liveness").statusCode()).isEqualTo(200);

            HttpResponse<String> metrics = get(base + "/actuator/prometheus");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("jvm_memory_used_bytes",
                    // The worker's own gauges and counters exist before its first job.
                    "pitiserve_worker_queue_lag_records{model=\"micro-mask@",
                    "pitiserve_worker_steps_total{model=\"micro-mask@",
                    "pitiserve_worker_scheduler_jobs{model=\"micro-mask@");
        }
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
