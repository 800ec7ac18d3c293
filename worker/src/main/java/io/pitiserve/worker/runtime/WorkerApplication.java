package io.pitiserve.worker.runtime;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.util.Map;

/**
 * The worker service as a Spring Boot application: consumes the requests topic, runs jobs on the
 * engine, writes results to the object store and publishes lifecycle events. Embedded (the
 * standalone mode, tests) it runs without a web server; {@link #serve} adds the management port
 * (8081 unless {@code server.port} says otherwise) with the health probes
 * ({@code /actuator/health/liveness}, {@code /actuator/health/readiness}: UP once the model is
 * loaded) and {@code /actuator/prometheus}.
 *
 * <p>Start it with {@link #builder()} (also from another process's code, e.g. the standalone mode:
 * {@code WorkerApplication.builder().properties(Map.of(...)).run()}), which sets the defaults the
 * worker relies on; with a plain {@code SpringApplicationBuilder(WorkerApplication.class)} set
 * {@code .web(WebApplicationType.NONE)} yourself.
 */
@SpringBootApplication
public class WorkerApplication {

    /** Defaults under every other property source; any of them may be overridden. */
    public static final Map<String, Object> DEFAULTS = Map.of(
            // One line per failed metadata fetch while the broker is away is noise, not news.
            "logging.level.org.apache.kafka.clients.admin.internals.AdminMetadataManager", "WARN",
            "spring.application.name", "pitiserve-worker",
            "spring.main.web-application-type", "none",
            "spring.main.banner-mode", "off",
            "logging.pattern.level", "%5p [%X{jobId:-}]",
            "management.endpoint.health.probes.enabled", "true",
            "management.endpoint.health.group.readiness.include", "readinessState,workerModel,workerScheduler");

    /** What {@link #serve} adds to {@link #DEFAULTS}: the management port on a web server. */
    public static final Map<String, Object> SERVE_DEFAULTS = Map.of(
            "spring.main.web-application-type", "servlet",
            "server.port", "8081",
            "management.endpoints.web.exposure.include", "health,prometheus");

    /** A builder for the worker context with {@link #DEFAULTS}; add properties and call {@code run()}. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(WorkerApplication.class)
                .web(WebApplicationType.NONE)
                .properties(DEFAULTS);
    }

    /** {@link #builder()} with the web server and {@link #SERVE_DEFAULTS}: the worker as {@code serve} runs it. */
    public static SpringApplicationBuilder serveBuilder() {
        return builder().web(WebApplicationType.SERVLET).properties(SERVE_DEFAULTS);
    }

    /** {@code serve}: runs the worker until the process is stopped; a failed start exits with 1. */
    public static ConfigurableApplicationContext serve(String[] args) {
        try {
            return serveBuilder().run(args);
        } catch (RuntimeException | Error e) {
            // Kafka's non-daemon threads would keep a half-started JVM alive.
            System.err.println("error: the worker did not start: " + e);
            System.exit(1);
            return null;
        }
    }

    public static void main(String[] args) {
        serve(args);
    }
}
