package io.pitiserve.worker.engine.noise;

import io.pitiserve.common.npy.NpyArray;

/**
 * Noise read from a recorded {@code .npy} array of shape [draws, samples, C, H, W] (see
 * docs/MODEL_FORMAT.md), for parity runs against other implementations.
 */
public final class FileNoise implements NoiseSource {

    private final NpyArray array;
    private final int sample;
    private final int draws;
    private final int samples;
    private final int perSample;

    public FileNoise(NpyArray array, int sample) {
        long[] shape = array.shape();
        if (shape.length != 5) {
            throw new IllegalArgumentException(
                    "noise file must have shape [draws, samples, C, H, W], got " + java.util.Arrays.toString(shape));
        }
        this.array = array;
        this.sample = sample;
        this.draws = (int) shape[0];
        this.samples = (int) shape[1];
        this.perSample = (int) (shape[2] * shape[3] * shape[4]);
        if (sample >= samples) {
            throw new IllegalArgumentException(
                    "noise file holds " + samples + " samples, sample " + sample + " was asked for");
        }
    }

    @Override
    public void fill(int index, float[] target, int offset, int length) {
        if (index >= draws) {
            throw new IllegalArgumentException(
                    "noise file holds " + draws + " draws, draw " + index + " was asked for (more steps than recorded?)");
        }
        if (length != perSample) {
            throw new IllegalArgumentException(
                    "noise file holds " + perSample + " values per sample, the stage needs " + length);
        }
        long start = ((long) index * samples + sample) * perSample;
        System.arraycopy(array.data(), (int) start, target, offset, length);
    }
}
