package io.pitiserve.worker.runtime.job;

import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.image.ConditionImage;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Sampler;
import io.pitiserve.worker.engine.TranslationRequest;

/**
 * Turns a job's params and its model's defaults into what the engine runs. Absent numbers arrive
 * as 0 and absent names as null or blank: both mean the model's default. A single-pass model has no
 * sampler, steps, guidance or base image, so those params are ignored for it.
 */
final class ParameterResolution {


    private ParameterResolution() {
    }

    /**
     * The engine request for {@code params} on {@code model}; a bad value (samples out of range, an
     * unknown sampler or guidance mode, a respacing the model's schedule refuses) fails as a parameter.
     */
    static TranslationRequest resolve(TranslationParams params, ConditionImage condition, PitiModel model) {
        int samples = samples(params);
        if (model.singlePass()) {
            return TranslationRequest.singlePass(condition.data(), condition.channels(), condition.size(), samples,
                    params.seed());
        }
        ModelManifest manifest = model.manifest();
        try {
            String mode = orDefault(params.guidance(), manifest.guidance().mode());
            double scale = params.guidanceScale() == 0 ? manifest.guidance().scale() : params.guidanceScale();
            Guidance guidance = new Guidance(Guidance.Mode.of(mode), scale);
            Sampler sampler = Sampler.of(orDefault(params.sampler(), manifest.sampler()), params.eta());
            String baseSteps = blankToNull(params.baseSteps());
            String srSteps = blankToNull(params.srSteps());
            // Parse the respacings now so that a bad one fails as a parameter, before any step runs.
            model.base().schedule(baseSteps == null ? manifest.stages().base().respacing() : baseSteps);
            model.upsampler().schedule(srSteps == null ? manifest.stages().upsampler().respacing() : srSteps);
            return new TranslationRequest(condition.data(), condition.channels(), condition.size(), samples,
                    params.seed(), baseSteps, srSteps, sampler, guidance, null, params.returnBase());
        } catch (IllegalArgumentException e) {
            throw new JobFailure(ErrorCode.INVALID_PARAMETER, e.getMessage());
        }
    }

    static int samples(TranslationParams params) {
        int samples = params.numSamples() == 0 ? 1 : params.numSamples();
        if (samples < 1 || samples > TranslationParams.MAX_SAMPLES) {
            throw new JobFailure(ErrorCode.INVALID_PARAMETER, "num_samples must be in 1.." + TranslationParams.MAX_SAMPLES + ", got "
                    + params.numSamples());
        }
        return samples;
    }

    private static String orDefault(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
