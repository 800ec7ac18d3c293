package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class AbBenchmarkTest {

    @Test
    void aSettingOfTheCommandLineBecomesTheApisSettingsMember() {
        ObjectNode solver = AbBenchmark.setting("dpmpp_2m:8:4:1.5");

        assertThat(AbBenchmark.setting("default").isEmpty()).isTrue();
        assertThat(solver.path("sampler").asString()).isEqualTo("dpmpp_2m");
        assertThat(solver.path("base_steps").asString()).isEqualTo("8");
        assertThat(solver.path("sr_steps").asString()).isEqualTo("4");
        assertThat(solver.path("guidance_scale").asDouble()).isEqualTo(1.5);
    }

    @Test
    void malformedSettingsNoModelsAndALimitOutsideTheSetAreRefused() {
        assertThatThrownBy(() -> AbBenchmark.setting("ddpm:15")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AbBenchmark.setting("ddpm:15:10:strong")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AbBenchmark.Options(List.of(), List.of("default"), 16, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AbBenchmark.Options(List.of("demo-mask"), List.of("default"), 17,
                Duration.ofMinutes(1))).isInstanceOf(IllegalArgumentException.class);
    }
}
