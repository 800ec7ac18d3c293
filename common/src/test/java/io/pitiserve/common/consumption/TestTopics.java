package io.pitiserve.common.consumption;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import io.pitiserve.testsupport.kafka.TestBroker;

/** Topics and records on the test broker, for the consumption core's integration tests. */
final class TestTopics {

    private TestTopics() {
    }

    static Admin admin(TestBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    static void create(TestBroker broker, String topic, int partitions) throws Exception {
        try (Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Writes {@code values} (null: a tombstone) to one partition in order, each acknowledged before the next. */
    static void produce(TestBroker broker, String topic, int partition, String... values) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (String value : values) {
                byte[] bytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(topic, partition, "k".getBytes(StandardCharsets.UTF_8), bytes))
                        .get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** {@code count} values: r0, r1, ... */
    static String[] numbered(int count) {
        return IntStream.range(0, count).mapToObj(i -> "r" + i).toArray(String[]::new);
    }
}
