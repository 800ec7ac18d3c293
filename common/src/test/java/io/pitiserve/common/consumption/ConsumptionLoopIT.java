package io.pitiserve.common.consumption;

import static io.pitiserve.common.consumption.TestTopics.admin;
import static io.pitiserve.common.consumption.TestTopics.create;
import static io.pitiserve.common.consumption.TestTopics.numbered;
import static io.pitiserve.common.consumption.TestTopics.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

import io.pitiserve.testsupport.kafka.BrokerForTest;
import io.pitiserve.testsupport.kafka.TestBroker;

/** The loop against a real broker: what it commits, how many records it runs at once, records not due yet, and revocation. */
@BrokerForTest
class ConsumptionLoopIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void onlyTheFinishedPrefixIsCommittedWhileAnEarlierRecordStillRuns(TestBroker broker) throws Exception {
        String topic = "consumption-prefix";
        create(broker, topic, 1);
        produce(broker, topic, 0, numbered(5));
        CountDownLatch release = new CountDownLatch(1);
        Set<Long> finished = ConcurrentHashMap.newKeySet();
        ConsumptionLoop loop = loop(broker, topic, "prefix", settings("prefix", 5, 5, 4), (record, abandoned) -> {
            if (record.offset() == 1) {
                hold(release);
            }
            finished.add(record.offset());
            return true;
        });
        loop.start();
        try {
            await().atMost(WAIT).until(() -> finished.containsAll(List.of(0L, 2L, 3L, 4L)));
            await().atMost(WAIT).until(() -> committed(broker, "prefix", new TopicPartition(topic, 0)) == 1L);
            await().during(Duration.ofMillis(500)).atMost(WAIT)
                    .until(() -> committed(broker, "prefix", new TopicPartition(topic, 0)) == 1L);

            release.countDown();

            await().atMost(WAIT).until(() -> committed(broker, "prefix", new TopicPartition(topic, 0)) == 5L);
        } finally {
            release.countDown();
            loop.stop();
        }
    }

    @Test
    void noMoreThanTheBoundRunAtOnceAndTheRestRunOnceTheyFinish(TestBroker broker) throws Exception {
        String topic = "consumption-bound";
        create(broker, topic, 1);
        produce(broker, topic, 0, numbered(6));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Set<Long> finished = ConcurrentHashMap.newKeySet();
        ConsumptionLoop loop = loop(broker, topic, "bound", settings("bound", 2, 2, 1), (record, abandoned) -> {
            most.accumulateAndGet(running.incrementAndGet(), Math::max);
            hold(release);
            running.decrementAndGet();
            finished.add(record.offset());
            return true;
        });
        loop.start();
        try {
            await().atMost(WAIT).until(() -> loop.inFlight() == 2);
            await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> running.get() == 2 && finished.isEmpty());

            release.countDown();

            await().atMost(WAIT).until(() -> finished.size() == 6);
            assertThat(most.get()).isEqualTo(2);
            await().atMost(WAIT).until(() -> committed(broker, "bound", new TopicPartition(topic, 0)) == 6L);
        } finally {
            release.countDown();
            loop.stop();
        }
    }

    @Test
    void aRevokedPartitionsRecordInFlightIsWaitedForAndCommittedSoTheNextOwnerDoesNotRunItAgain(TestBroker broker)
            throws Exception {
        String topic = "consumption-revoke";
        create(broker, topic, 2);
        produce(broker, topic, 0, numbered(1));
        produce(broker, topic, 1, numbered(1));
        CountDownLatch revoking = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        RecordHandler counting = (record, abandoned) -> {
            runs.computeIfAbsent(record.partition() + "@" + record.offset(), k -> new AtomicInteger()).incrementAndGet();
            return true;
        };
        RecordHandler first = (record, abandoned) -> {
            hold(release);
            return counting.handle(record, abandoned);
        };
        Subscription signalling = (consumer, listener) -> consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty()) {
                    revoking.countDown();
                }
                listener.onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                listener.onPartitionsAssigned(partitions);
            }
        });
        ConsumptionLoop a = new ConsumptionLoop(consumers(broker, "revoke"), signalling,
                settings("revoke-a", 2, 2, 1), first, Clock.systemUTC());
        ConsumptionLoop b = loop(broker, topic, "revoke", settings("revoke-b", 2, 2, 1), counting);
        a.start();
        try {
            await().atMost(WAIT).until(() -> a.inFlight() == 2);
            b.start();
            assertThat(revoking.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

            release.countDown();

            await().atMost(WAIT).until(() -> committed(broker, "revoke", new TopicPartition(topic, 0)) == 1L
                    && committed(broker, "revoke", new TopicPartition(topic, 1)) == 1L);
            produce(broker, topic, 0, numbered(1));
            produce(broker, topic, 1, numbered(1));
            await().atMost(WAIT).until(() -> runs.containsKey("0@1") && runs.containsKey("1@1"));
            assertThat(runs).allSatisfy((record, count) -> assertThat(count.get()).as(record).isEqualTo(1));
        } finally {
            release.countDown();
            b.stop();
            a.stop();
        }
    }

    @Test
    void aRecordNotDueYetHoldsItsPartitionUntilItIsDueAndRunsOnce(TestBroker broker) throws Exception {
        String topic = "consumption-due";
        create(broker, topic, 1);
        produce(broker, topic, 0, numbered(2));
        Instant due = Instant.now().plusSeconds(1);
        List<Long> started = Collections.synchronizedList(new ArrayList<>());
        List<Instant> startedAt = Collections.synchronizedList(new ArrayList<>());
        RecordHandler handler = new RecordHandler() {
            @Override
            public boolean handle(ConsumerRecord<byte[], byte[]> record, BooleanSupplier abandoned) {
                started.add(record.offset());
                startedAt.add(Instant.now());
                return true;
            }

            @Override
            public Instant notBefore(ConsumerRecord<byte[], byte[]> record) {
                return record.offset() == 0 ? due : null;
            }
        };
        ConsumptionLoop loop = loop(broker, topic, "due", settings("due", 1, 1, 0), handler);
        loop.start();
        try {
            await().atMost(WAIT).until(() -> committed(broker, "due", new TopicPartition(topic, 0)) == 2L);
            assertThat(started).containsExactly(0L, 1L);
            assertThat(startedAt).allSatisfy(at -> assertThat(at).isAfterOrEqualTo(due));
        } finally {
            loop.stop();
        }
    }

    private static ConsumptionSettings settings(String name, int threads, int maxInFlight, int resumeAt) {
        return new ConsumptionSettings(name, name + "-handler", threads, maxInFlight, resumeAt,
                Duration.ofMillis(100), Duration.ofSeconds(20), true);
    }

    private static ConsumptionLoop loop(TestBroker broker, String topic, String group, ConsumptionSettings settings,
                                        RecordHandler handler) {
        return new ConsumptionLoop(consumers(broker, group), Subscription.topics(List.of(topic)), settings, handler,
                Clock.systemUTC());
    }

    private static Supplier<Consumer<byte[], byte[]>> consumers(TestBroker broker, String group) {
        return () -> new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 3),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static void hold(CountDownLatch latch) {
        try {
            latch.await(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long committed(TestBroker broker, String group, TopicPartition partition) throws Exception {
        try (Admin admin = admin(broker)) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).get(partition);
            return offset == null ? -1 : offset.offset();
        }
    }
}
