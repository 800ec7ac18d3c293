package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import io.pitiserve.common.image.InputKind;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class BenchCommandIT {

    static final Path MICRO_MODEL = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void thePipelineBenchFollowsEveryJobToSucceededAndEndsWithItsFiguresAsJson() {
        JsonNode result = lastLineOf("pipeline", "--jobs", "3", "--base-steps", "3", "--sr-steps", "2",
                "--warm-up", "4", "--model", MICRO_MODEL.toString());

        assertThat(result.propertyNames()).contains("overhead_p50_ms", "overhead_p99_ms", "accept_p50_ms",
                "accept_p99_ms", "e2e_p50_ms", "e2e_p99_ms", "model_p50_ms", "jobs", "concurrency");
        assertThat(result.path("jobs").asInt()).isEqualTo(3);
        assertThat(result.path("concurrency").asInt()).isEqualTo(1);
        assertThat(result.path("model_p50_ms").asDouble()).isPositive();
        assertThat(result.path("e2e_p50_ms").asDouble()).isGreaterThan(result.path("model_p50_ms").asDouble());
    }

    @Test
    void theGatewayBenchCountsEverySubmissionAndEndsWithItsFiguresAsJson() {
        JsonNode result = lastLineOf("gateway", "--requests", "50", "--concurrency", "4",
                "--warm-up", "20", "--model", MICRO_MODEL.toString());

        assertThat(result.propertyNames()).contains("accepted_per_s", "p50_ms", "p99_ms", "requests", "concurrency",
                "errors");
        assertThat(result.path("requests").asInt()).isEqualTo(50);
        assertThat(result.path("errors").asInt()).as("statuses %s", result.path("statuses")).isZero();
        assertThat(result.path("accepted_per_s").asDouble()).isPositive();
    }

    @Test
    void theSyntheticMaskIsAValidColourCodedMaskOfAboutTheAskedSize() {
        byte[] png = GatewayBenchmark.syntheticMask(16 * 1024);

        assertThat(png.length).isBetween(16 * 1024, 20 * 1024);
        assertThat(InputKind.MASK.preprocessor().prepare(png)).isNotNull();
    }

    @Test
    void percentilesAreNearestRank() {
        Percentiles values = Percentiles.of(List.of(5.0, 1.0, 4.0, 2.0, 3.0));

        assertThat(values.p50()).isEqualTo(3.0);
        assertThat(values.p99()).isEqualTo(5.0);
        assertThat(values.at(20)).isEqualTo(1.0);
    }

    private JsonNode lastLineOf(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as("stdout: %s%nstderr: %s", stdout, err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> lines = stdout.lines().toList();
        return json.readTree(lines.get(lines.size() - 1));
    }
}
