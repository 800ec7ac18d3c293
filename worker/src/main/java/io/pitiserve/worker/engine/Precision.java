package io.pitiserve.worker.engine;

import java.util.Locale;

/**
 * The number type the networks compute in. The sampler's maths (guidance, update, noise) stays
 * float32 on the host whatever the networks use; reduced precision networks are separate TorchScript
 * files of the model directory (docs/MODEL_FORMAT.md, {@code precisions}), traced in that type behind
 * the same float32 inputs and outputs.
 */
public enum Precision {
    FP32,
    /** bfloat16: runs on CPU and on GPUs from Ampere on; float32's range, 8 bits of mantissa. */
    BF16,
    /** float16: GPU only, PyTorch's CPU kernels do not cover it. */
    FP16;

    /** fp32, bf16 or fp16 as in settings and model.json. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code fp32}, {@code bf16} or {@code fp16} (case-insensitive); blank means fp32. */
    public static Precision of(String label) {
        if (label == null || label.isBlank()) {
            return FP32;
        }
        for (Precision precision : values()) {
            if (precision.label().equalsIgnoreCase(label.trim())) {
                return precision;
            }
        }
        throw new IllegalArgumentException("precision must be fp32, bf16 or fp16, got '" + label + "'");
    }
}
