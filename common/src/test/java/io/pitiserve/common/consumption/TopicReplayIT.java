package io.pitiserve.common.consumption;

import static io.pitiserve.common.consumption.TestTopics.create;
import static io.pitiserve.common.consumption.TestTopics.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidGroupIdException;
import org.junit.jupiter.api.Test;

import io.pitiserve.testsupport.kafka.BrokerForTest;
import io.pitiserve.testsupport.kafka.TestBroker;

/**
 * The replay mode against a real broker: every instance reads every partition from the beginning, in
 * order, without a group; catching up; a topic that appears late; failures.
 */
@BrokerForTest
class TopicReplayIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void everyReplayReadsEveryPartitionFromTheBeginningInOrderAndCommitsNothing(TestBroker broker) throws Exception {
        String topic = "replay-whole";
        create(broker, topic, 2);
        produce(broker, topic, 0, "a", "b", "c");
        produce(broker, topic, 1, "x", null, "z");
        Recording first = new Recording();
        Recording second = new Recording();
        TopicReplay one = replay(broker, topic, first);
        TopicReplay two = replay(broker, topic, second);
        one.start();
        two.start();
        try {
            await().atMost(WAIT).until(() -> first.size() == 6 && second.size() == 6);

            for (Recording recording : List.of(first, second)) {
                assertThat(recording.of(0)).containsExactly("a", "b", "c");
                assertThat(recording.of(1)).containsExactly("x", null, "z");
            }
            try (Consumer<byte[], byte[]> made = TopicReplay.consumers(base(broker), topic + "-").get()) {
                // The application's group id is dropped: a replay's consumer belongs to no group.
                assertThatThrownBy(made::groupMetadata).isInstanceOf(InvalidGroupIdException.class);
            }
        } finally {
            one.stop();
            two.stop();
        }
    }

    @Test
    void aCatchUpReturnsOnceEveryRecordPublishedBeforeItsInstantWasHandled(TestBroker broker) throws Exception {
        String topic = "replay-catch-up";
        create(broker, topic, 3);
        Recording recording = new Recording();
        TopicReplay replay = replay(broker, topic, recording);
        replay.start();
        try {
            assertThat(replay.awaitCaughtUp(System.nanoTime(), WAIT)).isTrue();

            for (int round = 0; round < 5; round++) {
                produce(broker, topic, round % 3, "r" + round);
                long published = System.nanoTime();

                assertThat(replay.awaitCaughtUp(published, WAIT)).isTrue();
                assertThat(recording.values()).contains("r" + round);
                assertThat(replay.caughtUp(published)).isTrue();
            }
        } finally {
            replay.stop();
        }
    }

    @Test
    void aCatchUpWithNothingNewDoesNotWaitOutTheReadersParkedFetch(TestBroker broker) throws Exception {
        String topic = "replay-parked";
        create(broker, topic, 1);
        produce(broker, topic, 0, "only");
        Duration parked = Duration.ofSeconds(8);
        Map<String, Object> slow = new HashMap<>(base(broker));
        slow.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, (int) parked.toMillis());
        Recording recording = new Recording();
        TopicReplay replay = new TopicReplay(TopicReplay.consumers(slow, "replay-parked-"), topic,
                new ReplaySettings("replay-parked", parked.multipliedBy(2), true), recording);
        replay.start();
        try {
            assertThat(replay.awaitCaughtUp(System.nanoTime(), WAIT)).isTrue();
            // The reader's poll now waits at the broker, up to the parked time, for records that do not come.
            await().pollDelay(Duration.ofMillis(300)).atMost(WAIT).until(() -> recording.size() == 1);

            for (int round = 0; round < 3; round++) {
                long asked = System.nanoTime();
                assertThat(replay.awaitCaughtUp(asked, WAIT)).isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(parked.dividedBy(2));
            }
        } finally {
            replay.stop();
        }
    }

    @Test
    void aTopicThatDoesNotExistYetIsReadOnceItIsCreated(TestBroker broker) throws Exception {
        String topic = "replay-late";
        Recording recording = new Recording();
        TopicReplay replay = replay(broker, topic, recording);
        replay.start();
        try {
            assertThat(replay.awaitCaughtUp(System.nanoTime(), Duration.ofMillis(700))).isFalse();
            assertThat(replay.isRunning()).isTrue();

            create(broker, topic, 1);
            produce(broker, topic, 0, "late");

            assertThat(replay.awaitCaughtUp(System.nanoTime(), WAIT)).isTrue();
            assertThat(recording.values()).containsExactly("late");
        } finally {
            replay.stop();
        }
    }

    @Test
    void aRecordItsHandlerFailsOnIsSkippedAndTheReplayGoesOn(TestBroker broker) throws Exception {
        String topic = "replay-broken";
        create(broker, topic, 1);
        produce(broker, topic, 0, "fine", "broken", "fine too");
        Recording recording = new Recording();
        TopicReplay replay = replay(broker, topic, record -> {
            if ("broken".equals(text(record.value()))) {
                throw new IllegalArgumentException("cannot read it");
            }
            recording.apply(record);
        });
        replay.start();
        try {
            assertThat(replay.awaitCaughtUp(System.nanoTime(), WAIT)).isTrue();
            assertThat(recording.values()).containsExactly("fine", "fine too");
        } finally {
            replay.stop();
        }
    }

    @Test
    void aReplayThatFailsOnKafkaStartsOverWithANewConsumer(TestBroker broker) throws Exception {
        String topic = "replay-restart";
        create(broker, topic, 1);
        produce(broker, topic, 0, "a");
        Supplier<Consumer<byte[], byte[]>> real = TopicReplay.consumers(base(broker), "replay-restart-");
        AtomicInteger made = new AtomicInteger();
        Supplier<Consumer<byte[], byte[]>> failingFirst = () -> {
            if (made.incrementAndGet() == 1) {
                throw new KafkaException("no broker for now");
            }
            return real.get();
        };
        Recording recording = new Recording();
        TopicReplay replay = new TopicReplay(failingFirst, topic, new ReplaySettings("replay-restart",
                Duration.ofMillis(100), true), recording);
        replay.start();
        try {
            assertThat(replay.awaitCaughtUp(System.nanoTime(), WAIT)).isTrue();
            assertThat(recording.values()).containsExactly("a");
            assertThat(made.get()).isEqualTo(3); // the failed one, then the reader and the end-offsets consumer
        } finally {
            replay.stop();
        }
    }

    @Test
    void aStoppedReplayEndsItsThreadAndAnswersACatchUpAtOnce(TestBroker broker) throws Exception {
        String topic = "replay-stop";
        create(broker, topic, 1);
        TopicReplay replay = replay(broker, topic, new Recording());
        replay.start();
        assertThat(replay.awaitCaughtUp(System.nanoTime(), WAIT)).isTrue();

        replay.stop();

        assertThat(replay.isRunning()).isFalse();
        long asked = System.nanoTime();
        assertThat(replay.awaitCaughtUp(asked, WAIT)).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(1));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("replay-stop"));
    }

    /** Every record's value (as text; null for a tombstone) by partition, in the order handled. */
    private static final class Recording implements ReplayHandler {

        private final List<ConsumerRecord<byte[], byte[]>> records = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void apply(ConsumerRecord<byte[], byte[]> record) {
            records.add(record);
        }

        int size() {
            return records.size();
        }

        List<String> of(int partition) {
            synchronized (records) {
                return records.stream().filter(r -> r.partition() == partition).map(r -> text(r.value())).toList();
            }
        }

        List<String> values() {
            synchronized (records) {
                return records.stream().map(r -> text(r.value())).toList();
            }
        }
    }

    private static String text(byte[] value) {
        return value == null ? null : new String(value, StandardCharsets.UTF_8);
    }

    private static TopicReplay replay(TestBroker broker, String topic, ReplayHandler handler) {
        return new TopicReplay(TopicReplay.consumers(base(broker), topic + "-"), topic,
                new ReplaySettings(topic, Duration.ofMillis(100), true), handler);
    }

    private static Map<String, Object> base(TestBroker broker) {
        // A group id the replay must drop: it reads without a group. The test broker creates topics on
        // demand, so a replay that asked it to would hide a topic that does not exist yet (the late
        // topic case checks that it does not).
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "replay-must-not-join",
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
    }
}
