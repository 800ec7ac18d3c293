package io.pitiserve.worker.engine;

import java.util.Arrays;

/**
 * One job for the engine: a pre-processed condition input and the sampling parameters.
 *
 * @param ref            the condition input, CHW floats in [-1, 1] ({@code channels} x size x size)
 * @param channels       channels of {@code ref}
 * @param size           side of {@code ref} in pixels
 * @param numSamples     independent samples to draw from the same input (1..{@value #MAX_SAMPLES})
 * @param seed           fixes all of the job's noise
 * @param baseRespacing  respacing of the base stage, null for the model's default
 * @param srRespacing    respacing of the upsampler, null for the model's default
 * @param sampler        DDPM or DDIM
 * @param guidance       guidance of the base stage (the upsampler is never guided)
 * @param noise          recorded noise to use instead of the seed's, or null
 * @param keepBaseImages whether to return the 64 px base images too
 */
public record TranslationRequest(
        float[] ref,
        int channels,
        int size,
        int numSamples,
        long seed,
        String baseRespacing,
        String srRespacing,
        Sampler sampler,
        Guidance guidance,
        RecordedNoise noise,
        boolean keepBaseImages) {

    public static final int MAX_SAMPLES = 16;

    public TranslationRequest {
        if (ref == null || ref.length != (long) channels * size * size) {
            throw new IllegalArgumentException("ref must hold channels x size x size = "
                    + ((long) channels * size * size) + " values, got " + (ref == null ? "none" : ref.length));
        }
        if (numSamples < 1 || numSamples > MAX_SAMPLES) {
            throw new IllegalArgumentException("num_samples must be in 1.." + MAX_SAMPLES + ", got " + numSamples);
        }
        if (sampler == null) {
            throw new IllegalArgumentException("sampler is required");
        }
        if (guidance == null) {
            throw new IllegalArgumentException("guidance is required");
        }
    }

    /**
     * A job of a single-pass model: the condition, the samples and the seed; the diffusion fields hold
     * placeholders that the generator does not read.
     */
    public static TranslationRequest singlePass(float[] ref, int channels, int size, int numSamples, long seed) {
        return new TranslationRequest(ref, channels, size, numSamples, seed, null, null, new Sampler.Ddpm(),
                new Guidance(Guidance.Mode.CFG, 1.0), null, false);
    }

    @Override
    public String toString() {
        return "TranslationRequest[channels=" + channels + ", size=" + size + ", numSamples=" + numSamples
                + ", seed=" + seed + ", base=" + baseRespacing + ", sr=" + srRespacing + ", sampler=" + sampler
                + ", guidance=" + guidance + ", recordedNoise=" + (noise != null) + ", ref=" + Arrays.hashCode(ref) + "]";
    }
}
