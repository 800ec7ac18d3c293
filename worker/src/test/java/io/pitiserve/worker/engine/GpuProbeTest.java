package io.pitiserve.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;

class GpuProbeTest {

    private final LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());

    @AfterEach
    void forgetTheLevel() {
        logging.setLogLevel(GpuProbe.LOGGER, null);
    }

    @Test
    void aCpuWorkerKeepsOnlyErrorsOfTheGpuProbe() {
        GpuProbe.quietUnlessGpu(Device.cpu());

        assertThat(logging.getLoggerConfiguration(GpuProbe.LOGGER).getConfiguredLevel()).isEqualTo(LogLevel.ERROR);
    }

    @Test
    void aGpuWorkerKeepsTheProbesWarningThatSaysWhyNoGpuWasFound() {
        GpuProbe.quietUnlessGpu(Device.gpu(0));

        assertThat(logging.getLoggerConfiguration(GpuProbe.LOGGER).getConfiguredLevel()).isNull();
    }

    @Test
    void aLevelTheLoggingConfigurationNamesIsKept() {
        logging.setLogLevel(GpuProbe.LOGGER, LogLevel.DEBUG);

        GpuProbe.quietUnlessGpu(Device.cpu());

        assertThat(logging.getLoggerConfiguration(GpuProbe.LOGGER).getConfiguredLevel()).isEqualTo(LogLevel.DEBUG);
    }
}
