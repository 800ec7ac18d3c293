package io.pitiserve.common.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class TracingDefaultsTest {

    @Test
    void withoutAnEndpointEveryJobIsSampledAndNothingIsExported() {
        StandardEnvironment environment = environment(Map.of());

        new TracingDefaults().postProcessEnvironment(environment, null);

        assertThat(environment.getProperty(TracingDefaults.SAMPLING)).isEqualTo("1.0");
        assertThat(environment.containsProperty(TracingDefaults.ENDPOINT)).isFalse();
        assertThat(environment.getProperty(TracingDefaults.OTLP_METRICS)).isEqualTo("false");
    }

    @Test
    void theStandardBaseEndpointVariableNamesTheTracesPathOfTheCollector() {
        StandardEnvironment environment = environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"));

        new TracingDefaults().postProcessEnvironment(environment, null);

        assertThat(environment.getProperty(TracingDefaults.ENDPOINT)).isEqualTo("http://collector:4318/v1/traces");
    }

    @Test
    void theTracesEndpointVariableIsTakenAsItIsAndAnExplicitPropertyWinsOverBoth() {
        assertThat(TracingDefaults.otlpTracesEndpoint("http://a:4318/traces", "http://b:4318"))
                .isEqualTo("http://a:4318/traces");
        StandardEnvironment environment = environment(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4318",
                TracingDefaults.ENDPOINT, "http://c:4318/v1/traces", TracingDefaults.SAMPLING, "0.25"));

        new TracingDefaults().postProcessEnvironment(environment, null);

        assertThat(environment.getProperty(TracingDefaults.ENDPOINT)).isEqualTo("http://c:4318/v1/traces");
        assertThat(environment.getProperty(TracingDefaults.SAMPLING)).isEqualTo("0.25");
    }

    private static StandardEnvironment environment(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return environment;
    }
}
