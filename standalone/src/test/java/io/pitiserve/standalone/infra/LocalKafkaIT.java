package io.pitiserve.standalone.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.awaitility.Awaitility.await;

class LocalKafkaIT {

    private static final String HOST = "127.0.0.1";

    @TempDir
    Path dataDir;

    @Test
    void aRecordProducedToTheBrokerIsConsumedBack() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(settings())) {
            produce(kafka, "greetings", "job-1", "hello");

            assertThat(consumeAll(kafka, "greetings", 1)).containsExactly("job-1=hello");
        }
    }

    @Test
    void topicsAndRecordsSurviveARestartOnTheSameDataDirectory() throws Exception {
        LocalKafka.Settings settings = settings();
        try (LocalKafka kafka = LocalKafka.start(settings)) {
            try (Admin admin = admin(kafka)) {
                admin.createTopics(List.of(new NewTopic("durable", 3, (short) 1))).all().get();
            }
            produce(kafka, "durable", "job-1", "before restart");
        }

        try (LocalKafka kafka = LocalKafka.start(settings)) {
            try (Admin admin = admin(kafka)) {
                assertThat(admin.describeTopics(Set.of("durable")).allTopicNames().get().get("durable").partitions())
                        .hasSize(3);
            }
            produce(kafka, "durable", "job-2", "after restart");

            assertThat(consumeAll(kafka, "durable", 2))
                    .containsExactlyInAnyOrder("job-1=before restart", "job-2=after restart");
        }
    }

    @Test
    void aRestartOnOtherPortsStillServesTheTopicsOfTheDataDirectory() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(settings())) {
            produce(kafka, "moved", "job-1", "first ports");
        }

        try (LocalKafka kafka = LocalKafka.start(settings())) {
            assertThat(consumeAll(kafka, "moved", 1)).containsExactly("job-1=first ports");
        }
    }

    private LocalKafka.Settings settings() {
        int broker = FreePorts.pick(HOST);
        int controller = FreePorts.pick(HOST);
        while (controller == broker) {
            controller = FreePorts.pick(HOST);
        }
        return new LocalKafka.Settings(dataDir, HOST, broker, controller);
    }

    private static Admin admin(LocalKafka kafka) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private static void produce(LocalKafka kafka, String topic, String key, String value) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }

    private static List<String> consumeAll(LocalKafka kafka, String topic, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(record.key() + "=" + record.value());
                }
                return seen.size() >= expected;
            });
        }
        return seen;
    }
}
