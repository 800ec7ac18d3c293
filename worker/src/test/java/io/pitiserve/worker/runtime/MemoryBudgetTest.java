package io.pitiserve.worker.runtime;

import io.pitiserve.worker.engine.ModelLoadException;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Precision;
import io.pitiserve.worker.scheduler.SchedulerSettings;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MemoryBudgetTest {

    private static final Path MICRO_MASK = Path.of("src/test/resources/fixtures/models/micro-mask");
    private static final Path MICRO_SKETCH = Path.of("src/test/resources/fixtures/models/micro-sketch");

    @Test
    void aModelsEstimateIsItsWeightsTwiceAndOneDecoderCallsWorkingSetPerStage() throws Exception {
        ModelManifest manifest = PitiModel.readManifest(MICRO_MASK);
        SchedulerSettings scheduler = SchedulerSettings.defaults(4);
        long weights = 0;
        for (String file : manifest.networkFiles(Precision.FP32)) {
            weights += Files.size(MICRO_MASK.resolve(file));
        }
        int base = manifest.stages().base().resolution();
        int upsampler = manifest.stages().upsampler().resolution();
        long expected = 2 * weights
                + (long) scheduler.base().callRows() * base * base * MemoryBudget.WORKING_FLOATS_PER_PIXEL * 4
                + (long) scheduler.upsampler().callRows() * upsampler * upsampler * MemoryBudget.WORKING_FLOATS_PER_PIXEL * 4;

        assertThat(MemoryBudget.estimate(MICRO_MASK, manifest, Precision.FP32, scheduler)).isEqualTo(expected);
    }

    @Test
    void modelsThatDoNotFitTogetherAreRefusedNamingEachEstimateAndTheBudget() {
        Map<String, Long> estimates = MemoryBudget.estimates(List.of(MICRO_MASK, MICRO_SKETCH),
                List.of(PitiModel.readManifest(MICRO_MASK), PitiModel.readManifest(MICRO_SKETCH)), Precision.FP32,
                SchedulerSettings.defaults(4));
        long total = estimates.values().stream().mapToLong(Long::longValue).sum();

        assertThatCode(() -> MemoryBudget.check(estimates, total, "a test budget")).doesNotThrowAnyException();
        assertThatThrownBy(() -> MemoryBudget.check(estimates, total - 1, "pitiserve.worker.memory-budget"))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("micro-mask@").hasMessageContaining("micro-sketch@")
                .hasMessageContaining("pitiserve.worker.memory-budget")
                .hasMessageContaining("serve fewer models per worker");
    }

    @Test
    void withoutAConfiguredBudgetACpuWorkerUsesTheMachinesMemoryAndAGpuWorkerIsNotChecked() {
        assertThat(MemoryBudget.budget(123L, "gpu")).isEqualTo(123L);
        assertThat(MemoryBudget.budget(null, "gpu:1")).isNull();
        assertThat(MemoryBudget.budget(null, "cpu")).isPositive();
        assertThatCode(() -> MemoryBudget.check(new LinkedHashMap<>(Map.of("huge@1", Long.MAX_VALUE / 2)), null,
                "unchecked")).doesNotThrowAnyException();
    }
}
