package io.pitiserve.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench scaleout}'s command line: bad options are refused before anything starts. */
class ScaleOutCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return BenchCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void aMissingWorkerJarIsAUsageErrorThatSaysHowToBuildIt() {
        Path missing = dir.resolve("no-such-worker.jar");

        int code = run("scaleout", "--worker-jar", missing.toString());

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains(missing.toString()).contains("mvn -B -q package");
    }

    @Test
    void aQueueTooShortToFeedThreeWorkersIsRefused() {
        int code = run("scaleout", "--queue-depth", "2");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--queue-depth must be at least 3");
    }

    @Test
    void anUnknownBenchNamesTheOnesThatExist() {
        int code = run("scale-out");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("got 'scale-out'")
                .contains("'pipeline'", "'gateway'", "'scaleout'", "'webhooks'", "'batching'");
    }

    @Test
    void theUsageDescribesBenchScaleout() {
        run("--help");

        assertThat(out.toString(StandardCharsets.UTF_8)).contains("bench scaleout").contains("--jobs-per-phase");
    }
}
