package io.pitiserve.bench;

import io.pitiserve.standalone.StandaloneCommand;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.common.digest.Sha256;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.bench.ScaleOutBenchmark.Observed;
import io.pitiserve.bench.ScaleOutBenchmark.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Scale-out and scale-in on one machine: three worker PROCESSES ({@code pitiserve-worker.jar serve},
 * each its own JVM and Kafka consumer) share the requests topic of the real local broker and S3
 * server. One starts, two join under load, one is drained with SIGTERM, one is killed with SIGKILL.
 *
 * <p>What "every accepted job ends in exactly one terminal state" means here, checked from three
 * independent places: on the events topic every job the gateway answered 202 for has at least one
 * terminal event and all of its terminal events are the same fact (a worker killed after
 * publishing but before committing makes the next worker re-emit it from the manifest: at least
 * once on the wire, one outcome); the gateway's status view shows that outcome; S3 holds exactly
 * the objects it names, with the sha256 it names. Nothing is left uncommitted or dead-lettered.
 */
class ScaleOutIT {

    static final Path MICRO_MODEL = Path.of("../worker/src/test/resources/fixtures/models/micro-mask");
    static final int JOBS_PER_PHASE = 3;
    static final Path WORKER_JAR = Path.of(System.getProperty("pitiserve.worker.jar",
            "../worker/target/pitiserve-worker.jar"));

    /** Under target/, not a temporary directory: the worker logs (scaleout/w1.log ...) outlive a failed run. */
    static final Path DATA_DIR = Path.of("target/scaleout-it");

    static LocalStack stack;
    static Result result;
    static String progress;

    @BeforeAll
    static void scaleOutAndInUnderLoad() {
        assertThat(WORKER_JAR).as("the worker's executable jar (built by the worker module's package phase)")
                .isRegularFile();
        StandaloneCommand.deleteRecursively(DATA_DIR);
        stack = LocalStack.start(LocalSettings.onFreePorts(DATA_DIR).withModelDir(MICRO_MODEL), Map.of());
        // Jobs of a few hundred milliseconds on this model (seconds on a busy machine), so that SIGTERM and
        // SIGKILL land in the middle of one; a short queue so that the run ends soon after the kill.
        ScaleOutBenchmark bench = new ScaleOutBenchmark(new ScaleOutBenchmark.Options(JOBS_PER_PHASE, WORKER_JAR,
                MICRO_MODEL, 1, "30", "4", Duration.ofSeconds(6), Duration.ofSeconds(90), 4));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (PrintStream err = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            result = bench.simulate(stack, new PrintStream(new TeeStream(err, System.err), true, StandardCharsets.UTF_8));
        } finally {
            progress = log.toString(StandardCharsets.UTF_8);
        }
        bench.printReport(result, System.out);
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyAcceptedJobHasATerminalEventAndAllOfItsTerminalEventsAreOneAndTheSameSucceeded() {
        assertThat(result.accepted()).hasSizeGreaterThanOrEqualTo(3 * JOBS_PER_PHASE);
        for (String id : result.accepted()) {
            List<JobEvent> terminal = result.terminalEvents(id).stream().map(Observed::event).toList();
            assertThat(terminal).as("terminal events of %s", id).isNotEmpty();
            assertThat(terminal.get(0)).as("outcome of %s", id).isInstanceOf(TranslationSucceeded.class);
            assertThat(Set.copyOf(terminal)).as("distinct terminal events of %s", id).hasSize(1);
        }
        assertThat(result.violations()).isEmpty();
    }

    @Test
    void noTerminalEventNamesAJobThatWasNeverAccepted() {
        Set<String> withOutcome = result.events().entrySet().stream()
                .filter(entry -> entry.getValue().stream().anyMatch(o -> isTerminal(o.event())))
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));

        assertThat(withOutcome).isEqualTo(new TreeSet<>(result.accepted()));
    }

    @Test
    void theStatusViewShowsEachJobSucceededWithTheResultsOfItsEvent() {
        PitiServeClient client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
        for (String id : result.accepted()) {
            TranslationSucceeded succeeded = (TranslationSucceeded) result.terminalEvents(id).get(0).event();
            Translation job = client.get(id);

            assertThat(job.status()).as("status of %s", id).isEqualTo(TranslationStatus.SUCCEEDED);
            List<String> shown = job.results().stream().map(Translation.Result::sha256).toList();
            List<String> announced = succeeded.results().stream().map(TranslationSucceeded.ResultImage::sha256).toList();
            assertThat(shown).as("sha256 of the results of %s", id).isEqualTo(announced);
        }
    }

    @Test
    void s3HoldsExactlyTheObjectsEachOutcomeNamesWithTheirSha256() throws Exception {
        try (S3Client s3 = S3Client.builder()
                .endpointOverride(stack.s3Endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        stack.credentials().s3AccessKey(), stack.credentials().s3SecretKey())))
                .build()) {
            for (String id : result.accepted()) {
                TranslationSucceeded succeeded = (TranslationSucceeded) result.terminalEvents(id).get(0).event();
                Set<String> stored = s3.listObjectsV2Paginator(r -> r.bucket(stack.bucket()).prefix("results/" + id + "/"))
                        .contents().stream().map(S3Object::key).collect(Collectors.toCollection(TreeSet::new));
                Set<String> named = new TreeSet<>();
                succeeded.results().forEach(image -> named.add(image.key()));
                named.add(succeeded.manifestKey());

                assertThat(stored).as("objects of %s", id).isEqualTo(named);
                for (TranslationSucceeded.ResultImage image : succeeded.results()) {
                    byte[] bytes = s3.getObjectAsBytes(r -> r.bucket(stack.bucket()).key(image.key())).asByteArray();
                    assertThat(Sha256.hex(bytes)).as("sha256 of %s", image.key()).isEqualTo(image.sha256());
                }
            }
        }
    }

    @Test
    void theWorkerKilledMidJobLosesNothingItsJobEndsOnceOnAnotherWorker() {
        Set<String> interrupted = result.inFlightOn(result.killedWorker(), result.killAtMillis());

        assertThat(interrupted).as("jobs in flight on %s when it was killed", result.killedWorker()).isNotEmpty();
        for (String id : interrupted) {
            assertThat(result.terminalEvents(id)).as("terminal events of %s", id).isNotEmpty();
            assertThat(result.terminalEvents(id).get(0).timestamp()).isGreaterThan(result.killAtMillis());
            List<String> startedBy = result.starts(id).stream().map(TranslationStarted::worker).toList();
            assertThat(startedBy).as("workers that started %s", id).contains(result.killedWorker());
        }
    }

    @Test
    void theWorkerStoppedWithSigtermFinishesItsJobAndExitsWithoutHandingItBack() {
        Set<String> inFlight = result.inFlightOn(result.drainedWorker(), result.termAtMillis());

        assertThat(result.drainExitCode()).as("exit code after SIGTERM (128 + 15: shutdown hooks ran)").isEqualTo(143);
        assertThat(inFlight).as("jobs in flight on %s at SIGTERM", result.drainedWorker()).isNotEmpty();
        for (String id : inFlight) {
            assertThat(result.terminalEvents(id)).as("terminal events of %s", id).isNotEmpty();
            assertThat(result.starts(id)).as("starts of %s", id)
                    .allMatch(started -> started.worker().equals(result.drainedWorker()));
        }
    }

    @Test
    void theGroupCommittedEveryRequestAndDeadLetteredNone() {
        assertThat(result.uncommitted()).isZero();
        assertThat(result.deadLetters()).isZero();
    }

    @Test
    void throughputWasMeasuredWithOneTwoAndThreeWorkers() {
        assertThat(result.phases()).extracting(ScaleOutBenchmark.Phase::workers).containsExactly(1, 2, 3);
        assertThat(result.phases()).allMatch(phase -> phase.jobs() == JOBS_PER_PHASE && phase.seconds() > 0);
        assertThat(progress).contains("w2 drained and exited");
    }

    private static boolean isTerminal(JobEvent event) {
        return event instanceof TranslationSucceeded || event instanceof TranslationFailed
                || event instanceof TranslationCancelled;
    }

    /** Progress to the captured log and to the console, so a slow CI run shows where it is. */
    private static final class TeeStream extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        TeeStream(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }
    }
}
