package io.pitiserve.worker.engine;

import ai.djl.Device;

/**
 * Where and how the networks run.
 *
 * @param device     {@code cpu} or {@code gpu} / {@code gpu:N}
 * @param verifySha256 whether to check every network file against model.json before loading
 */
public record EngineOptions(String device, boolean verifySha256) {

    public EngineOptions {
        if (device == null || device.isBlank()) {
            device = "cpu";
        }
        if (!device.equals("cpu") && !device.matches("gpu(:\\d+)?")) {
            throw new IllegalArgumentException("device must be cpu, gpu or gpu:N, got '" + device + "'");
        }
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
