package io.pitiserve.worker.runtime.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.image.ConditionImage;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Sampler;
import io.pitiserve.worker.engine.TranslationRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

class ParameterResolutionTest {

    private static PitiModel diffusion;
    private static PitiModel singlePass;

    @BeforeAll
    static void load() {
        diffusion = Models.microMask();
        singlePass = Models.spadeMask();
    }

    @AfterAll
    static void unload() {
        diffusion.close();
        singlePass.close();
    }

    @Test
    void absentParamsTakeTheModelsDefaultsAndOneSample() {
        TranslationRequest request = resolve(params(0, 0, null, null, null, null), diffusion);

        assertThat(request.numSamples()).isEqualTo(1);
        assertThat(request.seed()).isEqualTo(7);
        // micro-mask's manifest: cfg at 1.3, its sampler, its own respacings (left to the engine as null)
        assertThat(request.guidance()).isEqualTo(new Guidance(Guidance.Mode.CFG, 1.3));
        assertThat(request.sampler()).isEqualTo(Sampler.of(diffusion.manifest().sampler(), 0));
        assertThat(request.baseRespacing()).isNull();
        assertThat(request.srRespacing()).isNull();
        assertThat(request.keepBaseImages()).isFalse();
    }

    @Test
    void givenParamsOverrideTheDefaults() {
        TranslationRequest request = resolve(new TranslationParams("mask", null, 3, 2.5, "normalized", "5", "2",
                "ddim", 0.5, 11, true, null, null), diffusion);

        assertThat(request.numSamples()).isEqualTo(3);
        assertThat(request.guidance()).isEqualTo(new Guidance(Guidance.Mode.NORMALIZED, 2.5));
        assertThat(request.sampler()).isEqualTo(new Sampler.Ddim(0.5));
        assertThat(request.baseRespacing()).isEqualTo("5");
        assertThat(request.srRespacing()).isEqualTo("2");
        assertThat(request.keepBaseImages()).isTrue();
    }

    @Test
    void blankNamesMeanTheDefaultsToo() {
        TranslationRequest request = resolve(params(0, 0, " ", " ", " ", ""), diffusion);

        assertThat(request.guidance().mode()).isEqualTo(Guidance.Mode.CFG);
        assertThat(request.baseRespacing()).isNull();
        assertThat(request.srRespacing()).isNull();
    }

    @Test
    void samplesOutsideOneToFourAreAParameterProblem() {
        assertThat(resolve(params(TranslationParams.MAX_SAMPLES, 0, null, null, null, null), diffusion).numSamples())
                .isEqualTo(4);
        assertInvalid(params(TranslationParams.MAX_SAMPLES + 1, 0, null, null, null, null), diffusion,
                "num_samples must be in 1..4, got 5");
        assertInvalid(params(-1, 0, null, null, null, null), singlePass, "num_samples must be in 1..4, got -1");
    }

    @Test
    void anUnknownSamplerOrGuidanceOrARespacingTheScheduleRefusesIsAParameterProblem() {
        assertInvalid(params(1, 0, "euler", null, null, null), diffusion, "unknown sampler 'euler'");
        assertInvalid(params(1, 0, null, "loud", null, null), diffusion, "unknown guidance 'loud'");
        assertInvalid(params(1, 0, null, null, "ten", null), diffusion, null);
        assertInvalid(params(1, 0, null, null, null, "5000"), diffusion, null);
    }

    @Test
    void aSinglePassModelIgnoresEveryDiffusionParam() {
        TranslationRequest request = resolve(new TranslationParams("mask", null, 2, 9.0, "loud", "ten", "nonsense",
                "euler", 0.5, 11, true, null, null), singlePass);

        assertThat(request.numSamples()).isEqualTo(2);
        assertThat(request.seed()).isEqualTo(11);
        assertThat(request.keepBaseImages()).isFalse();
        assertThat(request.baseRespacing()).isNull();
    }

    private static void assertInvalid(TranslationParams params, PitiModel model, String message) {
        assertThatThrownBy(() -> resolve(params, model))
                .isInstanceOfSatisfying(JobFailure.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_PARAMETER))
                .hasMessageContaining(message == null ? "" : message);
    }

    private static TranslationRequest resolve(TranslationParams params, PitiModel model) {
        int size = model.manifest().input().size();
        ConditionImage condition = new ConditionImage(new float[3 * size * size], 3, size, List.of());
        return ParameterResolution.resolve(params, condition, model);
    }

    private static TranslationParams params(int samples, double scale, String sampler, String guidance,
                                            String baseSteps, String srSteps) {
        return new TranslationParams("mask", null, samples, scale, guidance, baseSteps, srSteps, sampler, 0, 7, false,
                null, null);
    }
}
