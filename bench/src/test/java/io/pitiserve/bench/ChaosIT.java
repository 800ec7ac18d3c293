package io.pitiserve.bench;

import io.pitiserve.standalone.StandaloneCommand;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import io.pitiserve.bench.ChaosBenchmark.Result;
import io.pitiserve.bench.ChaosBenchmark.Round;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One short round of each fault of {@code bench chaos}, on the micro model: the S3 server, the
 * broker, the gateway and two workers run as processes; under a stream of jobs with webhooks a
 * worker gets SIGKILL while it runs a job, the broker is SIGKILLed and restarted, the S3 server is
 * stopped for 10 s, and the webhook receiver refuses connections and then answers 500 to half the
 * requests. The full run is {@code bench chaos}, docs/BENCHMARKS.md.
 */
class ChaosIT {

    static final Path MICRO_MODEL = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");
    static final Path WORKER_JAR = Path.of(System.getProperty("pitiserve.worker.jar",
            "../worker/target/pitiserve-worker.jar"));
    static final Path GATEWAY_JAR = Path.of(System.getProperty("pitiserve.gateway.jar",
            "../gateway/target/pitiserve-gateway.jar"));
    static final Path DATA_DIR = Path.of("target/chaos-it");

    static Result result;

    @BeforeAll
    static void playOneRoundOfEveryFaultUnderLoad() {
        assertThat(WORKER_JAR).as("the worker's executable jar (built by the worker module's package phase)")
                .isRegularFile();
        assertThat(GATEWAY_JAR).as("the gateway's executable jar (built by the gateway module's package phase)")
                .isRegularFile();
        StandaloneCommand.deleteRecursively(DATA_DIR);
        ChaosBenchmark bench = new ChaosBenchmark(new ChaosBenchmark.Options(WORKER_JAR, GATEWAY_JAR, MICRO_MODEL,
                2, 0, 1, 1, Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(5),
                Duration.ofSeconds(10), "1s,2s,4s,8s", Duration.ofSeconds(2), 3, "30", "4", Duration.ofSeconds(20),
                15L));
        result = bench.play(DATA_DIR, Map.of(), System.err);
        bench.printReport(result, System.out);
    }

    @Test
    void everyFaultWasPlayedOnceAndTheKilledWorkerWasRunningAJob() {
        assertThat(result.rounds()).extracting(Round::fault)
                .containsExactly("worker SIGKILL", "broker SIGKILL", "S3 SIGSTOP", "webhook refuse", "webhook 500s");
        Round kill = result.rounds().get(0);
        assertThat(kill.note()).startsWith("running a job");
        assertThat(kill.jobsInFlight()).as("jobs on the worker at the SIGKILL").isPositive();
        assertThat(kill.crashed()).isFalse();
    }

    @Test
    void everyAcceptedJobEndedInExactlyOneOutcomeAndNoneWasLost() {
        assertThat(result.accepted()).isNotEmpty();
        assertThat(result.lost()).isZero();
        assertThat(result.twoOutcomes()).isZero();
        assertThat(result.violations()).isEmpty();
    }

    @Test
    void aWebhookAnswered500WasRetriedUnderTheSameWebhookId() {
        assertThat(result.webhook500s()).isPositive();
        assertThat(result.webhookRetried()).isPositive();
        // violations() holds any job whose webhook ids differ between attempts (checked above).
        assertThat(result.webhooks()).allSatisfy(request -> assertThat(request.webhookId()).startsWith("msg_"));
    }
}
