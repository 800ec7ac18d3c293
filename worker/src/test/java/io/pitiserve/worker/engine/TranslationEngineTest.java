package io.pitiserve.worker.engine;

import io.pitiserve.worker.engine.noise.SeededNoise;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The two-stage pipeline on the micro model (16 px base, 64 px output): shapes, seeds, progress, cancellation. */
class TranslationEngineTest {

    private static PitiModel model;
    private static TranslationEngine engine;

    @BeforeAll
    static void load() {
        model = PitiModel.load(Fixtures.model("micro-mask"), Fixtures.cpu());
        engine = new TranslationEngine(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static TranslationRequest request(long seed, int samples) {
        int size = model.manifest().input().size();
        float[] ref = new float[3 * size * size];
        for (int k = 0; k < ref.length; k++) {
            ref[k] = (k % 7) / 3.5f - 1;
        }
        return new TranslationRequest(ref, 3, size, samples, seed, "10", "4", new Sampler.Ddpm(),
                new Guidance(Guidance.Mode.CFG, 1.3), null, true);
    }

    @Test
    void aJobYieldsOneImagePerSampleInRangeAndItsBaseImages() {
        TranslationResult result = engine.translate(request(1, 2));
        assertThat(result.images()).hasSize(2);
        assertThat(result.size()).isEqualTo(64);
        assertThat(result.baseImages()).hasSize(2);
        assertThat(result.baseSize()).isEqualTo(16);
        for (float[] image : result.images()) {
            assertThat(image).hasSize(3 * 64 * 64);
            for (float v : image) {
                assertThat(v).isBetween(-1f, 1f);
            }
        }
        // Base images are on the 8-bit grid the reference hands to the upsampler.
        for (float v : result.baseImages().get(0)) {
            double level = (v + 1) * 127.5;
            assertThat(Math.abs(level - Math.rint(level))).isLessThan(1e-3);
        }
        assertThat(GroupStepTest.maxDifference(result.images().get(0), result.images().get(1)))
                .as("two samples of one job differ").isGreaterThan(0.01);
        assertThat(result.timings().baseSteps()).isEqualTo(10);
        assertThat(result.timings().upsamplerSteps()).isEqualTo(4);
    }

    @Test
    void theSeedFixesTheResultAndADifferentSeedChangesIt() {
        float[] first = engine.translate(request(42, 1)).images().get(0);
        float[] again = engine.translate(request(42, 1)).images().get(0);
        float[] other = engine.translate(request(43, 1)).images().get(0);
        assertThat(again).containsExactly(first);
        assertThat(GroupStepTest.maxDifference(first, other)).isGreaterThan(0.01);
    }

    @Test
    void aSampleDoesNotDependOnTheOtherSamplesOfItsBatch() {
        float[] alone = engine.translate(request(9, 1)).images().get(0);
        float[] inBatch = engine.translate(request(9, 3)).images().get(0);
        assertThat(GroupStepTest.maxDifference(alone, inBatch)).isLessThanOrEqualTo(GroupStepTest.TOLERANCE);
    }

    @Test
    void progressIsReportedAfterEveryStepOfBothStages() {
        List<String> steps = new ArrayList<>();
        engine.translate(request(1, 1), (stage, step, of) -> steps.add(stage.label() + " " + step + "/" + of), () -> false);
        assertThat(steps).hasSize(14).startsWith("base 1/10").contains("base 10/10", "upsampler 1/4").endsWith("upsampler 4/4");
    }

    @Test
    void cancellationStopsTheJobBetweenSteps() {
        AtomicInteger seen = new AtomicInteger();
        assertThatThrownBy(() -> engine.translate(request(1, 1), (stage, step, of) -> seen.incrementAndGet(),
                () -> seen.get() >= 3))
                .isInstanceOf(TranslationCancelledException.class)
                .hasMessageContaining("base stage at step 3 of 10");
        assertThat(seen.get()).isEqualTo(3);
    }

    @Test
    void inputsOfTheWrongShapeAreRefusedNamingWhatTheModelTakes() {
        float[] sketch = new float[64 * 64];
        assertThatThrownBy(() -> engine.translate(new TranslationRequest(sketch, 1, 64, 1, 1, null, null,
                new Sampler.Ddpm(), Guidance.NONE, null, false)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("takes 3 x 64 x 64 inputs, got 1 x 64 x 64");
    }

    @Test
    void badParametersAreRefusedBeforeAnyWork() {
        assertThatThrownBy(() -> request(1, 0)).hasMessageContaining("num_samples must be in 1..16");
        assertThatThrownBy(() -> new Guidance(Guidance.Mode.CFG, -1)).hasMessageContaining("guidance scale");
        assertThatThrownBy(() -> new Guidance(Guidance.Mode.CFG, Double.NaN)).hasMessageContaining("guidance scale");
        assertThatThrownBy(() -> Sampler.of("euler", 0)).hasMessageContaining("unknown sampler 'euler'");
        assertThatThrownBy(() -> new Sampler.Ddim(1.5)).hasMessageContaining("eta must be in [0, 1]");
        assertThatThrownBy(() -> Guidance.Mode.of("strong")).hasMessageContaining("expected cfg or normalized");
        TranslationRequest badSteps = new TranslationRequest(request(1, 1).ref(), 3, 64, 1, 1, "ddim999", null,
                new Sampler.Ddpm(), Guidance.NONE, null, false);
        assertThatThrownBy(() -> engine.translate(badSteps)).hasMessageContaining("no integer stride gives exactly 999");
    }

    @Test
    void recordedNoiseOfTheWrongShapeIsRefusedWithTheShapeNeeded() {
        var noise = new io.pitiserve.common.npy.NpyArray(new long[] {3, 1, 3, 16, 16}, new float[3 * 3 * 16 * 16]);
        TranslationRequest r = request(1, 1);
        TranslationRequest withNoise = new TranslationRequest(r.ref(), 3, 64, 1, 1, "10", "4", new Sampler.Ddpm(),
                Guidance.NONE, new RecordedNoise(noise, null), false);
        assertThatThrownBy(() -> engine.translate(withNoise))
                .hasMessageContaining("base noise has shape [3, 1, 3, 16, 16], this job needs [11, 1, 3, 16, 16]");
    }

    @Test
    void seededNoiseIsStandardNormalAndDependsOnlyOnItsKey() {
        float[] a = new float[100_000];
        new SeededNoise(5, 0, 0).fill(3, a, 0, a.length);
        double mean = Arrays.stream(toDoubles(a)).average().orElseThrow();
        double variance = Arrays.stream(toDoubles(a)).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
        assertThat(mean).isBetween(-0.02, 0.02);
        assertThat(variance).isBetween(0.98, 1.02);
        float[] b = new float[100_000];
        new SeededNoise(5, 0, 0).fill(3, b, 0, b.length);
        assertThat(b).containsExactly(a);
        new SeededNoise(5, 0, 1).fill(3, b, 0, b.length);
        assertThat(GroupStepTest.maxDifference(a, b)).isGreaterThan(1);
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int k = 0; k < values.length; k++) {
            out[k] = values[k];
        }
        return out;
    }
}
