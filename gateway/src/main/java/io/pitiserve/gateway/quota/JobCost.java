package io.pitiserve.gateway.quota;

import io.pitiserve.common.events.TranslationParams;

/**
 * What a job asks of the workers, in network evaluations: per sample the base steps (twice when
 * guided: classifier-free guidance evaluates a conditional and an unconditional row) plus the
 * upsampler steps, times the samples. A single-pass model evaluates its generator once per sample,
 * whatever steps the job names (its workers ignore them).
 */
public final class JobCost {

    private JobCost() {
    }

    /** The steps a syntactically valid respacing ({@code "N,M,..."}, {@code "ddimN"}, {@code "fast27"}) keeps. */
    public static int steps(String respacing) {
        if (respacing.equals("fast27")) {
            return 27;
        }
        String counts = respacing.startsWith("ddim") ? respacing.substring(4) : respacing;
        int total = 0;
        for (String count : counts.split(",")) {
            total += Integer.parseInt(count.trim());
        }
        return total;
    }

    /**
     * The network evaluations of {@code params}, counting an absent respacing as the assumed one, or
     * one per sample for a single-pass model.
     */
    public static long of(TranslationParams params, QuotaProperties quotas, boolean singlePass) {
        if (singlePass) {
            return params.numSamples();
        }
        long base = params.baseSteps() == null ? quotas.assumedBaseSteps() : steps(params.baseSteps());
        long upsampler = params.srSteps() == null ? quotas.assumedSrSteps() : steps(params.srSteps());
        // A scale of 0 asks for the model's own scale, which guides.
        boolean guided = params.guidanceScale() != 1.0;
        return params.numSamples() * ((guided ? 2 : 1) * base + upsampler);
    }
}
