package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code bench batching} on the micro model: every mode at two loads, a table, then the JSON line. */
class BatchingBenchIT {

    private static final Path MICRO_MODEL = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");

    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void theBatchingBenchRunsEveryModeAtEveryLoadAndEndsWithTheSpeedUpsAsJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = BenchCommand.run(List.of("batching", "--model", MICRO_MODEL.toString(),
                        "--levels", "1,4", "--headline", "4", "--min-jobs", "4", "--think-ms", "5",
                        "--base-steps", "3", "--sr-steps", "1"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        assertThat(code).as("stdout: %s%nstderr: %s", stdout, err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> lines = stdout.lines().filter(line -> !line.isBlank()).toList();
        JsonNode result = json.readTree(lines.get(lines.size() - 1));

        assertThat(lines).anyMatch(line -> line.startsWith("continuous") && line.contains(" 4 "));
        assertThat(result.propertyNames()).contains("speedup_vs_sequential", "speedup_vs_request_batching", "p99_ms",
                "jobs_per_s", "runs", "goal_met");
        assertThat(result.path("p99_ms").propertyNames()).containsExactlyInAnyOrder("sequential", "request",
                "continuous", "latency");
        assertThat(result.path("speedup_vs_sequential").asDouble()).isPositive();
        assertThat(result.path("runs").size()).isEqualTo(8);
        // At four concurrent jobs the scheduler's steps hold more than one job's rows on average.
        assertThat(result.path("runs").path("continuous@4").path("rows_per_step").asDouble()).isGreaterThan(1.5);
        assertThat(result.path("runs").path("sequential@1").path("jobs").asInt()).isEqualTo(4);
        // Every run says what it cost and what the probe measured, so a slow run can be told from a busy machine.
        assertThat(result.path("runs").path("continuous@4").path("cpu_s_per_job").asDouble()).isPositive();
        assertThat(result.path("runs").path("continuous@4").path("cores").asDouble()).isPositive();
        assertThat(result.path("decoder_call_ms").propertyNames()).contains("base_2rows_1threads",
                "upsampler_1rows_1threads", "base_2rows_1threads_both_stages_at_once");
        assertThat(stdout).contains("decoder call cost", "one whole job");
    }

    @Test
    void badBatchingOptionsAreRefusedWithTheirName() {
        assertThat(refusal("--levels", "1,x")).contains("--levels");
        assertThat(refusal("--base-rows", "4,8")).contains("rows per decoder call must be in 1..4");
        assertThat(refusal("--modes", "sequential,fastest")).contains("--modes must be some of");
        assertThat(refusal("--levels", "1,4", "--jobs", "8")).contains("--jobs must give one positive number");
    }

    /** The error output of {@code bench batching ARGS}, which must exit with the usage code 2. */
    private static String refusal(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> command = new java.util.ArrayList<>(List.of("batching"));
        command.addAll(List.of(args));
        int code = BenchCommand.run(command, new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).isEqualTo(2);
        return err.toString(StandardCharsets.UTF_8);
    }
}
