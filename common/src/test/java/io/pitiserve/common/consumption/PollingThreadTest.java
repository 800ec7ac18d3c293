package io.pitiserve.common.consumption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.errors.InterruptException;
import org.junit.jupiter.api.Test;

/**
 * The polling thread's lifecycle, apart from any broker: the bodies here never poll, so kafka-clients'
 * own in-memory consumer stands in for the one the thread owns.
 */
class PollingThreadTest {

    private static final Duration RESTART = Duration.ofMillis(20);

    private final AtomicInteger made = new AtomicInteger();

    private PollingThread thread(Duration restartAfter) {
        return new PollingThread("polling-test", true, () -> {
            made.incrementAndGet();
            return new MockConsumer<>("earliest");
        }, restartAfter, "test");
    }

    @Test
    void aStartWhileTheLastThreadIsStillEndingIsRefusedAndWorksOnceItHasEnded() throws Exception {
        PollingThread polling = thread(null);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(2);
        PollingThread.Body stubborn = consumer -> {
            ran.countDown();
            try {
                release.await(); // a body that does not see the stop at once
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        polling.start(stubborn, () -> { });
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.getCount() == 1);

        polling.stop(Duration.ofMillis(50));

        assertThat(polling.running()).isFalse();
        assertThatThrownBy(() -> polling.start(stubborn, () -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("still stopping");

        release.countDown();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            polling.start(stubborn, () -> { });
            assertThat(ran.await(0, TimeUnit.MILLISECONDS)).isTrue();
        });
        polling.stop(Duration.ofSeconds(5));
    }

    @Test
    void aKafkaFailureStartsOverWithANewConsumerButAnInterruptedThreadEnds() throws Exception {
        PollingThread polling = thread(RESTART);
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ended = new CountDownLatch(1);
        polling.start(consumer -> {
            if (runs.incrementAndGet() < 3) {
                throw new org.apache.kafka.common.KafkaException("broker away");
            }
            // Kafka's interrupt exception sets the thread's interrupt flag, as a poll that was interrupted does.
            throw new InterruptException(new InterruptedException());
        }, ended::countDown);

        assertThat(ended.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(runs).hasValue(3);
        assertThat(made).hasValue(3);
        assertThat(polling.running()).isFalse();
    }
}
