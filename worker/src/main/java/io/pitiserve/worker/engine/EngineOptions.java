package io.pitiserve.worker.engine;

import ai.djl.Device;

/**
 * Where and how the networks run.
 *
 * @param device       {@code cpu} or {@code gpu} / {@code gpu:N}
 * @param verifySha256 whether to check every network file against model.json before loading
 * @param precision    the number type of the networks (the sampler's maths stays float32)
 */
public record EngineOptions(String device, boolean verifySha256, Precision precision) {

    public EngineOptions {
        if (device == null || device.isBlank()) {
            device = "cpu";
        }
        if (!device.equals("cpu") && !device.matches("gpu(:\\d+)?")) {
            throw new IllegalArgumentException("device must be cpu, gpu or gpu:N, got '" + device + "'");
        }
        if (precision == null) {
            precision = Precision.FP32;
        }
        if (precision == Precision.FP16 && device.equals("cpu")) {
            throw new IllegalArgumentException("precision fp16 needs a GPU: PyTorch's CPU kernels do not run "
                    + "float16 networks; use bf16 or fp32 on cpu");
        }
    }

    /** Float32 networks. */
    public EngineOptions(String device, boolean verifySha256) {
        this(device, verifySha256, Precision.FP32);
    }

    public static EngineOptions defaults() {
        return new EngineOptions("cpu", true);
    }

    Device djlDevice() {
        if (device.equals("cpu")) {
            return Device.cpu();
        }
        int index = device.contains(":") ? Integer.parseInt(device.substring(4)) : 0;
        return Device.gpu(index);
    }
}
