package io.pitiserve.testsupport.kafka;

import java.util.Locale;

import org.apache.kafka.common.utils.AppInfoParser;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The apache/kafka image in a container (Testcontainers), single-node KRaft, its listener mapped
 * to a free host port.
 *
 * <p>The image's version is the version of the Kafka client on the test class path unless the
 * system property {@value #IMAGE_PROPERTY} names another image.
 */
final class ContainerBroker implements TestBroker {

    static final String IMAGE_PROPERTY = "pitiserve.test.kafka-image";

    private final KafkaContainer container;

    private ContainerBroker(KafkaContainer container) {
        this.container = container;
    }

    static ContainerBroker start(BrokerSettings settings) {
        KafkaContainer container = new KafkaContainer(image());
        settings.brokerProperties().forEach((key, value) -> container.withEnv(environmentName(key), value));
        container.start();
        return new ContainerBroker(container);
    }

    static DockerImageName image() {
        return DockerImageName.parse(System.getProperty(IMAGE_PROPERTY, "apache/kafka:" + AppInfoParser.getVersion()));
    }

    /**
     * The environment variable through which the apache/kafka image sets a server property:
     * {@code KAFKA_} and the key upper-cased, with '.' as '_', '_' as '__' and '-' as '___'.
     */
    static String environmentName(String key) {
        StringBuilder name = new StringBuilder("KAFKA_");
        for (char c : key.toCharArray()) {
            switch (c) {
                case '.' -> name.append('_');
                case '_' -> name.append("__");
                case '-' -> name.append("___");
                default -> name.append(c);
            }
        }
        return name.toString().toUpperCase(Locale.ROOT);
    }

    @Override
    public String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public BrokerKind kind() {
        return BrokerKind.CONTAINER;
    }

    @Override
    public void close() {
        container.stop();
    }
}
