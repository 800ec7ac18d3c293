package io.pitiserve.worker.runtime.job;

import io.pitiserve.worker.engine.StageKind;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressThrottleTest {

    private final AtomicLong nanos = new AtomicLong();
    private final List<String> emitted = new ArrayList<>();
    private final ProgressThrottle throttle = new ProgressThrottle(Duration.ofMillis(250), nanos::get,
            (stage, step, of) -> emitted.add(stage.label() + " " + step + "/" + of));

    @Test
    void stepsFasterThanTheIntervalAreDroppedButTheFirstAndTheBaseStagesLastStepPass() {
        for (int step = 1; step <= 10; step++) {
            nanos.addAndGet(Duration.ofMillis(10).toNanos());
            throttle.onStep(StageKind.BASE, step, 10);
        }
        for (int step = 1; step <= 3; step++) {
            nanos.addAndGet(Duration.ofMillis(300).toNanos());
            throttle.onStep(StageKind.UPSAMPLER, step, 3);
        }

        // the upsampler's steps pass once per interval, except its last: the terminal event follows it
        assertThat(emitted).containsExactly("base 1/10", "base 10/10", "upsampler 1/3", "upsampler 2/3");
    }

    @Test
    void aStepIsEmittedOncePerIntervalWhenStepsAreSlow() {
        for (int step = 1; step <= 4; step++) {
            nanos.addAndGet(Duration.ofMillis(100).toNanos());
            throttle.onStep(StageKind.BASE, step, 100);
        }

        // 100 ms (first), 200 ms (dropped), 300 ms (dropped: 200 ms since the first), 400 ms (300 ms since)
        assertThat(emitted).containsExactly("base 1/100", "base 4/100");
    }
}
