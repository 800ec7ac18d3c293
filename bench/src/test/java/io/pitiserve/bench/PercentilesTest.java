package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class PercentilesTest {

    @Test
    void aReportGetsTheMedianAndThe99thPercentileInMillisecondsRoundedToATenth() {
        Percentiles values = Percentiles.of(List.of(12.34, 1.06, 7.25));
        ObjectNode json = Benchmark.JSON.createObjectNode().put("bench", "x");

        values.putMillis(json, "idle_");
        values.putMillis(json, "");

        assertThat(json.toString()).isEqualTo(
                "{\"bench\":\"x\",\"idle_p50_ms\":7.3,\"idle_p99_ms\":12.3,\"p50_ms\":7.3,\"p99_ms\":12.3}");
    }
}
