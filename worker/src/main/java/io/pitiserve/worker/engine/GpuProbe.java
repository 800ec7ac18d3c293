package io.pitiserve.worker.engine;

import ai.djl.Device;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggerConfiguration;
import org.springframework.boot.logging.LoggingSystem;

/**
 * Keeps DJL's GPU probe quiet where no GPU was asked for.
 *
 * <p>Loading the PyTorch engine on x86-64 Linux asks the CUDA runtime how many GPUs there are (DJL's
 * {@code Platform.fromSystem}, to pick a native flavour) and does so twice. Where a CUDA runtime is
 * installed without a usable driver the answer is an error, logged at WARN by {@code CudaUtils}
 * ("Failed to detect GPU count: CUDA driver version is insufficient"). A worker running on the CPU
 * has no use for the answer (the native library it loads is the one on its class path either way),
 * so that logger goes to ERROR before the engine loads, unless the logging configuration names a
 * level for it. A worker asked for a GPU keeps the warning: it says why no GPU was found.
 */
final class GpuProbe {

    static final String LOGGER = "ai.djl.util.cuda.CudaUtils";

    private GpuProbe() {
    }

    static void quietUnlessGpu(Device device) {
        if (device.isGpu()) {
            return;
        }
        LoggingSystem logging = LoggingSystem.get(GpuProbe.class.getClassLoader());
        LoggerConfiguration configured = logging.getLoggerConfiguration(LOGGER);
        if (configured == null || configured.getConfiguredLevel() == null) {
            logging.setLogLevel(LOGGER, LogLevel.ERROR);
        }
    }
}
