package io.pitiserve.common.tracing;

import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The tracing defaults of the gateway and the worker, under every other property source: every job
 * is traced ({@code management.tracing.sampling.probability=1.0}; a job makes a handful of spans),
 * and spans leave over OTLP only when an endpoint is named. The standard OpenTelemetry variables name
 * it too: {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} as the full URL, or
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} as the collector's base URL ({@code /v1/traces} is appended).
 * {@code management.opentelemetry.tracing.export.otlp.endpoint}, when set, wins over both. Without
 * any of them no exporter exists and nothing connects anywhere. Metrics stay with Prometheus: their
 * OTLP push is off unless {@code management.otlp.metrics.export.enabled=true}. Each app's
 * {@code TracingEnvironment} adds them to its Spring environment.
 */
public final class TracingDefaults {

    public static final String SOURCE_NAME = "pitiserveTracingDefaults";
    public static final String ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";
    public static final String SAMPLING = "management.tracing.sampling.probability";
    public static final String OTLP_METRICS = "management.otlp.metrics.export.enabled";

    private TracingDefaults() {
    }

    /**
     * The defaults to add, as property source {@value #SOURCE_NAME}, under every other source.
     *
     * @param property how the app's environment answers a property name (null when it is not set)
     */
    public static Map<String, Object> defaults(UnaryOperator<String> property) {
        Map<String, Object> defaults = new HashMap<>();
        defaults.put(SAMPLING, "1.0");
        String endpoint = otlpTracesEndpoint(property.apply("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
                property.apply("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if (endpoint != null && property.apply(ENDPOINT) == null) {
            defaults.put(ENDPOINT, endpoint);
        }
        // Micrometer's OTLP registry would otherwise push to localhost:4318 and log each failure.
        defaults.put(OTLP_METRICS, "false");
        // The SDK's providers are closed twice at shutdown (with the SDK and on their own): not news.
        defaults.put("logging.level.io.opentelemetry.sdk", "WARN");
        return defaults;
    }

    private static boolean set(String value) {
        return value != null && !value.isBlank();
    }

    /** The OTLP/HTTP traces URL the standard variables name, or null when they name none. */
    static String otlpTracesEndpoint(String tracesEndpoint, String baseEndpoint) {
        if (set(tracesEndpoint)) {
            return tracesEndpoint.trim();
        }
        if (set(baseEndpoint)) {
            String base = baseEndpoint.trim();
            return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/v1/traces";
        }
        return null;
    }
}
