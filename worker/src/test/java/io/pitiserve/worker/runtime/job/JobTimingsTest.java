package io.pitiserve.worker.runtime.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.runtime.tracing.JobTracing;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

class JobTimingsTest {

    private static final long MS = 1_000_000L;
    /** begun, fetched (+2.04 ms), prepared (+1 ms), ran (+500 ms), stored (+3.36 ms) */
    private static final long[] MARKS = {
        100 * MS, 102 * MS + 40_000, 103 * MS + 40_000, 603 * MS + 40_000, 606 * MS + 400_000};
    private static final TranslationResult.Timings ENGINE = new TranslationResult.Timings(12.34, 300.06, 180, 10, 4,
            450);

    @Test
    void theTimingsOfATranslationAreItsPhasesInMillisecondsRoundedToATenthInOrder() {
        Map<String, Double> timings = JobTimings.translation(42.0, MARKS, ENGINE);

        assertThat(timings).containsExactly(
                Map.entry("queued", 42.0),
                Map.entry("fetch", 2.0),
                Map.entry("prepare", 1.0),
                Map.entry("encode", 12.3),
                Map.entry("base", 300.1),
                Map.entry("upsampler", 180.0),
                Map.entry("store", 3.4),
                Map.entry("total", 506.4));
    }

    @Test
    void aJobQueuedFromItsRequestTimeToItsStartAndNeverLessThanNothing() {
        Instant requested = Instant.parse("2026-12-07T10:00:00Z");

        assertThat(JobTimings.queuedMs(requested, requested.plusMillis(1500))).isEqualTo(1500.0);
        assertThat(JobTimings.queuedMs(requested, requested.minusMillis(20))).isZero();
        assertThat(JobTimings.queuedMs(null, requested)).isZero();
    }

    @Test
    void eachPhaseIsAStageTimerAndEachStageWithStepsAStepTimerOfItsMeanStep() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();

        new JobTimings(meters, JobTracing.NOOP).record(null, Instant.EPOCH, MARKS, 42.0, ENGINE);

        assertThat(stage(meters, "fetch")).isCloseTo(2.04, within(1e-6));
        assertThat(stage(meters, "prepare")).isCloseTo(1.0, within(1e-6));
        assertThat(stage(meters, "encode")).isCloseTo(12.34, within(1e-6));
        assertThat(stage(meters, "base")).isCloseTo(300.06, within(1e-6));
        assertThat(stage(meters, "upsampler")).isCloseTo(180.0, within(1e-6));
        assertThat(stage(meters, "store")).isCloseTo(3.36, within(1e-6));
        assertThat(stage(meters, "queued")).isCloseTo(42.0, within(1e-6));
        assertThat(meters.get("pitiserve.worker.step.duration").tag("stage", "base").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isCloseTo(30.006, within(1e-6));
        assertThat(meters.get("pitiserve.worker.step.duration").tag("stage", "upsampler").timer()
                .totalTime(TimeUnit.MILLISECONDS)).isCloseTo(45.0, within(1e-6));
    }

    @Test
    void aStageThatRanNoStepsRecordsNoStepTime() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TranslationResult.Timings singlePass = new TranslationResult.Timings(0, 25, 0, 0, 0, 25);

        new JobTimings(meters, JobTracing.NOOP).record(null, Instant.EPOCH, MARKS, 0, singlePass);

        assertThat(meters.find("pitiserve.worker.step.duration").timers()).isEmpty();
        assertThat(stage(meters, "base")).isCloseTo(25.0, within(1e-6));
    }

    private static double stage(SimpleMeterRegistry meters, String stage) {
        return meters.get("pitiserve.worker.stage.duration").tag("stage", stage).timer()
                .totalTime(TimeUnit.MILLISECONDS);
    }
}
