package io.pitiserve.testsupport.kafka;

import java.util.Locale;
import java.util.Optional;
import java.util.ServiceConfigurationError;

import org.testcontainers.DockerClientFactory;

/**
 * The two kinds of broker a test can get, and which one this run asked for.
 *
 * <p>The choice comes from the system property {@value #PROPERTY} (or the environment variable
 * {@code PITISERVE_TEST_BROKER}): {@code embedded}, {@code container}, or {@code auto} (the
 * default), which takes the container when a Docker engine answers and the embedded broker
 * otherwise.
 */
public enum BrokerKind {

    /** spring-kafka-test's KRaft cluster inside the test JVM. */
    EMBEDDED,
    /** Testcontainers' {@code KafkaContainer} running the apache/kafka image. */
    CONTAINER;

    public static final String PROPERTY = "pitiserve.test.broker";

    /** What this run asked for: a kind, or empty for automatic detection. */
    public static Optional<BrokerKind> requested() {
        String value = System.getProperty(PROPERTY, System.getenv("PITISERVE_TEST_BROKER"));
        if (value == null || value.isBlank() || value.strip().equalsIgnoreCase("auto")) {
            return Optional.empty();
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "embedded" -> Optional.of(EMBEDDED);
            case "container" -> Optional.of(CONTAINER);
            default -> throw new IllegalArgumentException(PROPERTY + " must be embedded, container or auto, got '"
                    + value + "'");
        };
    }

    /** The kind this run uses: the one asked for, or the container only when Docker answers. */
    public static BrokerKind selected() {
        return requested().orElseGet(() -> DockerProbe.AVAILABLE ? CONTAINER : EMBEDDED);
    }

    /** Whether a Docker engine answers; asked once per JVM. */
    public static boolean dockerAvailable() {
        return DockerProbe.AVAILABLE;
    }

    /** Holder so that runs that ask for the embedded broker never touch Docker at all. */
    private static final class DockerProbe {
        static final boolean AVAILABLE = probe();

        private static boolean probe() {
            try {
                return DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError | ServiceConfigurationError e) {
                // Whatever keeps Testcontainers from reaching Docker means no container here.
                return false;
            }
        }
    }
}
