package io.pitiserve.worker.engine;

import io.pitiserve.common.npy.NpyArray;
import io.pitiserve.common.npy.NpyReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * All of a job's noise read from files instead of drawn from its seed ({@code base.npy},
 * {@code upsampler.npy}; layout in docs/MODEL_FORMAT.md), for parity runs against other
 * implementations. A stage without a file draws from the seed.
 */
public record RecordedNoise(NpyArray base, NpyArray upsampler) {

    /** Reads the files present in {@code directory}. */
    public static RecordedNoise read(Path directory) {
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("noise directory " + directory + " does not exist");
        }
        NpyArray base = readIfPresent(directory.resolve("base.npy"));
        NpyArray upsampler = readIfPresent(directory.resolve("upsampler.npy"));
        if (base == null && upsampler == null) {
            throw new IllegalArgumentException("noise directory " + directory + " holds neither base.npy nor upsampler.npy");
        }
        return new RecordedNoise(base, upsampler);
    }

    private static NpyArray readIfPresent(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return NpyReader.read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read noise file " + file + ": " + e.getMessage(), e);
        }
    }

    NpyArray forStage(StageKind stage) {
        return stage == StageKind.BASE ? base : upsampler;
    }
}
