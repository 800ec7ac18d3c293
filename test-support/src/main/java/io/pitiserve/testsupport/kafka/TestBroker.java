package io.pitiserve.testsupport.kafka;

/**
 * A running Kafka broker that one test class owns: in this JVM (embedded KRaft) or in a container.
 * Tests only ever see its bootstrap address, so a test written against one kind runs unchanged
 * against the other.
 */
public interface TestBroker extends AutoCloseable {

    /** {@code host:port} list for {@code bootstrap.servers}. */
    String bootstrapServers();

    /** Which kind of broker this is, for log lines and failure messages. */
    BrokerKind kind();

    /** Stops the broker and releases what it holds (threads, log directory, container). */
    @Override
    void close();

    /** Starts a broker of the given kind with the given settings and waits until it accepts clients. */
    static TestBroker start(BrokerKind kind, BrokerSettings settings) {
        return switch (kind) {
            case EMBEDDED -> EmbeddedBroker.start(settings);
            case CONTAINER -> ContainerBroker.start(settings);
        };
    }
}
