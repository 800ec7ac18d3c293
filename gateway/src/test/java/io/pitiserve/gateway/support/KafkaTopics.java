package io.pitiserve.gateway.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import io.pitiserve.common.events.EncodedEvent;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.UnreadableEventException;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Reads and writes piti-serve events on the test broker, the way workers do. */
public final class KafkaTopics implements AutoCloseable {

    private final String bootstrap;
    private final EventCodec codec = new EventCodec("/pitiserve/test-worker");
    private final KafkaProducer<byte[], byte[]> producer;

    public KafkaTopics(String bootstrap) {
        this.bootstrap = bootstrap;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Publishes {@code event} as a worker would. */
    public void publish(String topic, JobEvent event) {
        EncodedEvent encoded = codec.encode(event, null);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, encoded.key(), encoded.value());
        encoded.headers().forEach((name, value) -> record.headers().add(name, value));
        try {
            producer.send(record).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not publish " + event.type(), e);
        }
    }

    /** Writes {@code announcement} to the catalogue topic as a worker would; null withdraws {@code key}. */
    public void announce(String topic, String key, io.pitiserve.common.catalogue.ModelAnnouncement announcement) {
        byte[] value = announcement == null ? null
                : io.pitiserve.common.catalogue.CatalogueCodec.toJson(announcement);
        try {
            producer.send(new ProducerRecord<>(topic, key.getBytes(java.nio.charset.StandardCharsets.UTF_8), value))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not write catalogue record " + key, e);
        }
    }

    /** Every event on {@code topic} so far for {@code jobId}, read from the beginning up to the end offsets. */
    public List<JobEvent> eventsOf(String topic, String jobId) {
        List<JobEvent> events = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : recordsOf(topic)) {
            Map<String, byte[]> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value());
            }
            try {
                JobEvent event = codec.decode(record.value(), headers);
                if (event.jobId().equals(jobId)) {
                    events.add(event);
                }
            } catch (UnreadableEventException e) {
                throw new IllegalStateException("an unreadable record on " + topic, e);
            }
        }
        return events;
    }

    /** The keys (UTF-8) of every record on {@code topic} so far. */
    public List<String> keysOf(String topic) {
        return recordsOf(topic).stream()
                .map(r -> r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))
                .toList();
    }

    /** Every record on {@code topic} so far, read from the beginning up to the end offsets. */
    public List<ConsumerRecord<byte[], byte[]>> recordsOf(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end");
                }
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
