package io.pitiserve.worker.engine;

import io.pitiserve.common.image.ConditionImage;
import io.pitiserve.common.image.InputKind;
import io.pitiserve.common.image.InputLimits;
import io.pitiserve.worker.models.BundledModels;
import io.pitiserve.worker.scheduler.JobSpec;
import io.pitiserve.worker.scheduler.SchedulerSettings;
import io.pitiserve.worker.scheduler.StepScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bundled single-pass baseline ({@code spade-mask}) loaded through DJL: one forward makes 256 px
 * images, fixed by the seed, different per sample; it runs through the engine and the scheduler like
 * a diffusion model's job, with one step of progress.
 */
class SinglePassModelTest {

    /** Float tolerance between a sample run alone and in a batch (the network normalises per sample). */
    private static final double TOLERANCE = 2e-4;

    private static PitiModel model;
    private static ConditionImage mask;

    @BeforeAll
    static void load() {
        model = PitiModel.load(Fixtures.resource("pitiserve/models/spade-mask"), Fixtures.cpu());
        mask = InputKind.MASK.preprocessor(InputLimits.DEFAULT, model.manifest().input().size())
                .prepare(BundledModels.example("mask.png"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static TranslationRequest request(long seed, int samples) {
        return TranslationRequest.singlePass(mask.data(), mask.channels(), mask.size(), samples, seed);
    }

    @Test
    void theBundledBaselineIsASinglePassMaskModelWithANoiseMap() {
        ModelManifest manifest = model.manifest();
        assertThat(model.singlePass()).isTrue();
        assertThat(manifest.kind()).isEqualTo(ModelManifest.SINGLE_PASS);
        assertThat(manifest.stages()).isNull();
        assertThat(manifest.sampler()).isNull();
        assertThat(manifest.input().kind()).isEqualTo("mask");
        assertThat(manifest.generator().resolution()).isEqualTo(256);
        assertThat(manifest.generator().noisePerSample()).isPositive();
        assertThat(manifest.generator().classes()).extracting(ModelManifest.LabelClass::name)
                .contains("sky-other", "sea", "tree");
        assertThat(model.base()).isNull();
    }

    @Test
    void oneForwardMakesOne256PixelImagePerSampleAndTheSamplesDiffer() {
        TranslationResult result = new TranslationEngine(model).translate(request(5, 2));
        assertThat(result.size()).isEqualTo(256);
        assertThat(result.images()).hasSize(2);
        assertThat(result.baseImages()).isEmpty();
        for (float[] image : result.images()) {
            assertThat(image).hasSize(3 * 256 * 256);
            double low = Double.MAX_VALUE;
            double high = -Double.MAX_VALUE;
            for (float v : image) {
                low = Math.min(low, v);
                high = Math.max(high, v);
            }
            assertThat(low).isGreaterThanOrEqualTo(-1);
            assertThat(high).isLessThanOrEqualTo(1).isGreaterThan(low);
        }
        assertThat(GroupStepTest.maxDifference(result.images().get(0), result.images().get(1)))
                .as("two samples of one job differ").isGreaterThan(0.01);
        assertThat(result.timings().baseSteps()).isEqualTo(1);
        assertThat(result.timings().upsamplerSteps()).isZero();
    }

    @Test
    void theSeedFixesTheImagesAndADifferentSeedChangesThem() {
        float[] first = model.generator().generate(request(42, 1)).images().get(0);
        float[] again = model.generator().generate(request(42, 1)).images().get(0);
        float[] other = model.generator().generate(request(43, 1)).images().get(0);
        assertThat(Arrays.equals(again, first)).as("the same request gives the same floats").isTrue();
        assertThat(GroupStepTest.maxDifference(first, other)).isGreaterThan(0.01);
    }

    @Test
    void aSampleDoesNotDependOnTheOtherSamplesOfItsJob() {
        float[] alone = model.generator().generate(request(9, 1)).images().get(0);
        float[] inBatch = model.generator().generate(request(9, 3)).images().get(0);
        assertThat(GroupStepTest.maxDifference(alone, inBatch)).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void theSchedulerRunsASinglePassJobWithOneStepOfProgress() {
        List<String> progress = Collections.synchronizedList(new ArrayList<>());
        try (StepScheduler scheduler = new StepScheduler(SchedulerSettings.defaults(4))) {
            TranslationResult result = scheduler.run(new JobSpec("job-1", "t", 0, model, request(7, 2),
                    (stage, step, of) -> progress.add(stage.label() + ":" + step + "/" + of), () -> false, null));
            assertThat(result.images()).hasSize(2);
            assertThat(GroupStepTest.maxDifference(result.images().get(0),
                    model.generator().generate(request(7, 1)).images().get(0))).isLessThanOrEqualTo(TOLERANCE);
            assertThat(progress).containsExactly("base:1/1");

            assertThatThrownBy(() -> scheduler.run(new JobSpec("job-2", "t", 0, model, request(7, 1), null,
                    () -> true, null))).isInstanceOf(TranslationCancelledException.class);
        }
    }

    @Test
    void aManifestMixingTheKindsIsRefused() {
        String singlePassWithStages = """
                {"format": 1, "kind": "single-pass", "name": "x", "task": "mask",
                 "input": {"kind": "mask", "channels": 3, "size": 256},
                 "generator": {"network": "generator.pt", "resolution": 256},
                 "stages": {"base": null, "upsampler": null}, "sha256": {}}""";
        assertThatThrownBy(() -> PitiModel.parseManifest(singlePassWithStages.getBytes(StandardCharsets.UTF_8), "test"))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("no stages");
        String singlePassWithSampler = """
                {"format": 1, "kind": "single-pass", "name": "x", "task": "mask", "sampler": "ddim",
                 "input": {"kind": "mask", "channels": 3, "size": 256},
                 "generator": {"network": "generator.pt", "resolution": 256}, "sha256": {}}""";
        assertThatThrownBy(() -> PitiModel.parseManifest(singlePassWithSampler.getBytes(StandardCharsets.UTF_8), "test"))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("no sampler");
        String unknownKind = """
                {"format": 1, "kind": "gan", "name": "x", "task": "mask",
                 "input": {"kind": "mask", "channels": 3, "size": 256}, "sha256": {}}""";
        assertThatThrownBy(() -> PitiModel.parseManifest(unknownKind.getBytes(StandardCharsets.UTF_8), "test"))
                .isInstanceOf(ModelLoadException.class).hasMessageContaining("kind must be");
    }

    @Test
    void aManifestWithoutKindIsADiffusionModel() {
        ModelManifest tiny = PitiModel.readManifest(Fixtures.tinyModel());
        assertThat(tiny.kind()).isEqualTo(ModelManifest.DIFFUSION);
        assertThat(tiny.singlePass()).isFalse();
        assertThat(tiny.sampler()).isEqualTo("ddpm");
    }
}
