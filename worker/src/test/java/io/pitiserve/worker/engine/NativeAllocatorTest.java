package io.pitiserve.worker.engine;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NativeAllocatorTest {

    @Test
    void theThresholdsAreSetThroughGlibcOnLinux() {
        NativeAllocator.Outcome expected = System.getProperty("os.name").toLowerCase().contains("linux")
                ? NativeAllocator.Outcome.APPLIED : NativeAllocator.Outcome.UNSUPPORTED;
        assertThat(NativeAllocator.apply(Map.of(), "true", System.getProperty("os.name"))).isEqualTo(expected);
    }

    @Test
    void anOperatorsEnvironmentWinsAndTheSettingCanBeTurnedOff() {
        assertThat(NativeAllocator.apply(Map.of("MALLOC_MMAP_THRESHOLD_", "131072"), "true", "Linux"))
                .isEqualTo(NativeAllocator.Outcome.SET_BY_ENVIRONMENT);
        assertThat(NativeAllocator.apply(Map.of("MALLOC_MMAP_MAX_", "65536"), "true", "Linux"))
                .isEqualTo(NativeAllocator.Outcome.SET_BY_ENVIRONMENT);
        assertThat(NativeAllocator.apply(Map.of("MALLOC_TRIM_THRESHOLD_", "0"), "true", "Linux"))
                .isEqualTo(NativeAllocator.Outcome.SET_BY_ENVIRONMENT);
        assertThat(NativeAllocator.apply(Map.of(), "false", "Linux")).isEqualTo(NativeAllocator.Outcome.DISABLED);
        assertThat(NativeAllocator.apply(Map.of(), "true", "Mac OS X")).isEqualTo(NativeAllocator.Outcome.UNSUPPORTED);
    }

    @Test
    void thisProcessGetsWhatItsEnvironmentCallsFor() {
        NativeAllocator.Outcome expected = NativeAllocator.apply(System.getenv(), "true", System.getProperty("os.name"));

        // the process-wide call goes through the same JNA path; a second call changes nothing
        assertThat(NativeAllocator.keepFreedMemory()).isEqualTo(expected).isEqualTo(NativeAllocator.keepFreedMemory());
    }
}
