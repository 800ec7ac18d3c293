package io.pitiserve.worker.runtime.job;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitiserve.common.storage.ObjectStoreException;
import io.pitiserve.common.storage.ObjectTooLargeException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetrierTest {

    private final Retrier retrier = new Retrier(Duration.ofMillis(1), Duration.ofMillis(4));

    @Test
    void aTransientStoreFailureIsRetriedUntilItPasses() {
        AtomicInteger tries = new AtomicInteger();

        String result = retrier.call("reading", () -> {
            if (tries.incrementAndGet() < 4) {
                throw new ObjectStoreException("503 slow down", true, null);
            }
            return "bytes";
        }, () -> false);

        assertThat(result).isEqualTo("bytes");
        assertThat(tries).hasValue(4);
    }

    @Test
    void aPermanentStoreFailureIsThrownAtTheFirstTry() {
        AtomicInteger tries = new AtomicInteger();

        assertThatThrownBy(() -> retrier.call("reading", () -> {
            tries.incrementAndGet();
            throw new ObjectStoreException("403 forbidden", false, null);
        }, () -> false)).isInstanceOf(ObjectStoreException.class);
        assertThat(tries).hasValue(1);
    }

    @Test
    void anUnacknowledgedSendIsRetriedUntilTheJobIsAbandoned() {
        AtomicInteger tries = new AtomicInteger();

        assertThatThrownBy(() -> retrier.run("publishing", () -> {
            tries.incrementAndGet();
            throw new TransientFailureException("broker down", null);
        }, () -> tries.get() >= 3)).isInstanceOf(JobAbandonedException.class);
        assertThat(tries).hasValue(3);
    }

    @Test
    void everyRetryIsCountedByItsCauseAndATooLargeObjectIsNeverRetried() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Retrier counted = new Retrier(Duration.ofMillis(1), Duration.ofMillis(4), meters);
        AtomicInteger tries = new AtomicInteger();

        counted.call("reading", () -> {
            if (tries.incrementAndGet() < 3) {
                throw new ObjectStoreException("connection refused", true, null);
            }
            return "bytes";
        }, () -> false);
        assertThatThrownBy(() -> counted.call("reading", () -> {
            throw new ObjectTooLargeException("inputs/acme/tr_x", 9_000_000, 8_388_608);
        }, () -> false)).isInstanceOf(ObjectTooLargeException.class);

        assertThat(meters.counter("pitiserve.worker.retries", "cause", "store").count()).isEqualTo(2);
        assertThat(meters.find("pitiserve.worker.retries").tag("cause", "broker").counter()).isNull();
    }
}
