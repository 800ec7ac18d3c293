package io.pitiserve.testsupport.kafka;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/** A single-node KRaft cluster in the test JVM (spring-kafka-test), on a free loopback port. */
final class EmbeddedBroker implements TestBroker {

    private final EmbeddedKafkaKraftBroker broker;

    private EmbeddedBroker(EmbeddedKafkaKraftBroker broker) {
        this.broker = broker;
    }

    static EmbeddedBroker start(BrokerSettings settings) {
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, settings.partitions());
        broker.brokerProperties(settings.brokerProperties());
        // By default it also publishes its address as the system property spring.kafka.bootstrap-servers,
        // which every later Spring context in this JVM would read; the container does nothing of the
        // kind, so neither does this: tests get the address only from bootstrapServers().
        broker.brokerListProperty("spring.embedded.kafka.brokers");
        broker.afterPropertiesSet();
        return new EmbeddedBroker(broker);
    }

    @Override
    public String bootstrapServers() {
        return broker.getBrokersAsString();
    }

    @Override
    public BrokerKind kind() {
        return BrokerKind.EMBEDDED;
    }

    @Override
    public void close() {
        broker.destroy();
    }
}
