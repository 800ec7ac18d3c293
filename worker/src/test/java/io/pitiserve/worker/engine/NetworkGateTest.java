package io.pitiserve.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

class NetworkGateTest {

    @Test
    void closingWaitsForTheForwardInsideAndRefusesLaterOnes() throws Exception {
        NetworkGate gate = NetworkGate.open("test model");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> forward = CompletableFuture.runAsync(() -> {
            gate.enter();
            try {
                inside.countDown();
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                gate.exit();
            }
        });
        assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(gate::close);

        await().atMost(Duration.ofSeconds(5)).until(gate::isClosed);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !closing.isDone());
        assertThatThrownBy(gate::enter).isInstanceOf(WorkerStoppingException.class)
                .hasMessageContaining("test model");
        release.countDown();
        closing.get(10, TimeUnit.SECONDS);
        forward.get(10, TimeUnit.SECONDS);
        assertThat(gate.inside()).isZero();
    }

    @Test
    void anInterruptDoesNotCutTheWaitShort() throws Exception {
        NetworkGate gate = NetworkGate.open("test model");
        gate.enter();
        Thread closer = new Thread(gate::close);
        closer.start();
        await().atMost(Duration.ofSeconds(5)).until(gate::isClosed);

        closer.interrupt();

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(closer::isAlive);
        gate.exit();
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
    }
}
