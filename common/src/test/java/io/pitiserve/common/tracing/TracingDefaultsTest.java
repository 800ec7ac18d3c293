package io.pitiserve.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

class TracingDefaultsTest {

    @Test
    void withoutAnEndpointEveryJobIsSampledAndNothingIsExported() {
        Map<String, Object> defaults = TracingDefaults.defaults(Map.<String, String>of()::get);

        assertThat(defaults).containsEntry(TracingDefaults.SAMPLING, "1.0")
                .containsEntry(TracingDefaults.OTLP_METRICS, "false")
                .doesNotContainKey(TracingDefaults.ENDPOINT);
    }

    @Test
    void theStandardBaseEndpointVariableNamesTheTracesPathOfTheCollector() {
        Map<String, Object> defaults = TracingDefaults.defaults(
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")::get);

        assertThat(defaults).containsEntry(TracingDefaults.ENDPOINT, "http://collector:4318/v1/traces");
    }

    @Test
    void theTracesEndpointVariableIsTakenAsItIsAndAnExplicitPropertyWinsOverBoth() {
        assertThat(TracingDefaults.otlpTracesEndpoint("http://a:4318/traces", "http://b:4318"))
                .isEqualTo("http://a:4318/traces");
        Map<String, Object> defaults = TracingDefaults.defaults(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT",
                "http://b:4318", TracingDefaults.ENDPOINT, "http://c:4318/v1/traces")::get);

        assertThat(defaults).doesNotContainKey(TracingDefaults.ENDPOINT);
    }
}
