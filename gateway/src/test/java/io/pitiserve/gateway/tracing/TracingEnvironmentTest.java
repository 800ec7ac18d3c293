package io.pitiserve.gateway.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.pitiserve.common.tracing.TracingDefaults;

import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class TracingEnvironmentTest {

    @Test
    void theDefaultsLieUnderEverySourceSoThatAnExplicitPropertyWins() {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", "http://b:4318", TracingDefaults.SAMPLING, "0.25")));

        new TracingEnvironment().postProcessEnvironment(environment, null);
        new TracingEnvironment().postProcessEnvironment(environment, null);

        assertThat(environment.getProperty(TracingDefaults.SAMPLING)).isEqualTo("0.25");
        assertThat(environment.getProperty(TracingDefaults.ENDPOINT)).isEqualTo("http://b:4318/v1/traces");
        assertThat(environment.getProperty(TracingDefaults.OTLP_METRICS)).isEqualTo("false");
        assertThat(environment.getPropertySources().stream().filter(s -> s.getName().equals(TracingDefaults.SOURCE_NAME)))
                .hasSize(1);
    }
}
