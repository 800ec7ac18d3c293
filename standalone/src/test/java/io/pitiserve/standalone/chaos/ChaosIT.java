package io.pitiserve.standalone.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.standalone.bench.ChaosBenchmark;
import io.pitiserve.standalone.bench.ChaosBenchmark.Result;
import io.pitiserve.standalone.bench.ChaosBenchmark.Round;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One short round of {@code bench chaos}: two worker processes on the micro model under a stream
 * of jobs; two of them get SIGTERM and one SIGKILL at random moments (a fixed seed), each replaced
 * by a fresh process. The full run (20 SIGTERMs) is {@code bench chaos}, docs/BENCHMARKS.md.
 */
class ChaosIT {

    static final Path MICRO_MODEL = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");
    static final Path WORKER_JAR = Path.of(System.getProperty("pitiserve.worker.jar",
            "../worker/target/pitiserve-worker.jar"));
    static final Path DATA_DIR = Path.of("target/chaos-it");

    static LocalStack stack;
    static Result result;

    @BeforeAll
    static void stopWorkersAtRandomMomentsUnderLoad() {
        assertThat(WORKER_JAR).as("the worker's executable jar (built by the worker module's package phase)")
                .isRegularFile();
        deleteRecursively(DATA_DIR);
        stack = LocalStack.start(LocalSettings.onFreePorts(DATA_DIR).withModelDir(MICRO_MODEL), Map.of());
        ChaosBenchmark bench = new ChaosBenchmark(new ChaosBenchmark.Options(WORKER_JAR, MICRO_MODEL, 2, 2, 1,
                Duration.ofSeconds(6), 3, "30", "4", Duration.ofSeconds(20), 15L));
        result = bench.play(stack, System.err);
        bench.printReport(result, System.out);
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everySigtermEndedTheWorkerWithItsShutdownHooksAndNoJvmCrash() {
        assertThat(result.rounds()).extracting(Round::signal).containsExactly("TERM", "TERM", "KILL");
        for (Round round : result.rounds()) {
            assertThat(round.crashed()).as("JVM crash in round %d", round.number()).isFalse();
        }
        assertThat(result.rounds().subList(0, 2)).extracting(Round::exitCode)
                .containsOnly(ChaosBenchmark.SIGTERM_EXIT);
    }

    @Test
    void everyAcceptedJobEndedInExactlyOneOutcomeAndNoneWasLost() {
        assertThat(result.accepted()).isNotEmpty();
        assertThat(result.lost()).isZero();
        assertThat(result.twoOutcomes()).isZero();
        assertThat(result.violations()).isEmpty();
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + dir, e);
        }
    }
}
