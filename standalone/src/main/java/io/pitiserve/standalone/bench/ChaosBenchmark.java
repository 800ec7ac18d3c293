package io.pitiserve.standalone.bench;

import static io.pitiserve.standalone.bench.ScaleOutBenchmark.await;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.standalone.TranslationClient;
import io.pitiserve.standalone.bench.ScaleOutBenchmark.EventRecorder;
import io.pitiserve.standalone.bench.ScaleOutBenchmark.Fleet;
import io.pitiserve.standalone.bench.ScaleOutBenchmark.Observed;
import io.pitiserve.standalone.bench.ScaleOutBenchmark.WorkerProcess;
import io.pitiserve.worker.models.BundledModels;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench chaos}: worker PROCESSES ({@code pitiserve-worker.jar serve}) under a steady stream
 * of jobs through the public API are stopped at random moments, SIGTERM rounds first, then SIGKILL
 * rounds; each stopped worker is replaced by a fresh process. Afterwards it checks, from the events
 * topic and the API, that every job answered 202 ended in exactly one terminal outcome (repeats of
 * the same fact allowed, two different outcomes not), that none was lost, and that every SIGTERM
 * ended the process cleanly: exit code 143 (shutdown hooks ran) and no JVM crash (no
 * {@code hs_err_pid*.log}, no fatal-error report in its log).
 *
 * <p>Only the API and the events topic are read, never the requests topics, so how requests are
 * routed to workers does not matter here. The broker and the S3 server run in this process.
 */
public final class ChaosBenchmark {

    /** The worker's exit code after SIGTERM once its shutdown hooks ran: 128 + 15. */
    public static final int SIGTERM_EXIT = 143;
    private static final Duration EXIT_WAIT = Duration.ofMinutes(3);

    /**
     * @param workerJar    the worker's executable jar
     * @param modelDir     the model the workers load (null: the bundled default)
     * @param workers      worker processes running at once
     * @param terms        SIGTERM rounds
     * @param kills        SIGKILL rounds
     * @param maxDelay     the longest wait before a stop; each wait is uniform in [0, maxDelay)
     * @param queueDepth   accepted jobs not yet finished that the feeder keeps
     * @param drainTimeout the workers' drain timeout
     * @param seed         seed of the random moments (printed, so a run can be replayed)
     */
    public record Options(Path workerJar, Path modelDir, int workers, int terms, int kills, Duration maxDelay,
                          int queueDepth, String baseSteps, String srSteps, Duration drainTimeout, long seed) {

        public Options {
            Benchmark.require(workers >= 1, "--workers must be at least 1");
            Benchmark.require(terms >= 0 && kills >= 0, "--terms and --kills must not be negative");
            Benchmark.require(queueDepth >= 1, "--queue-depth must be at least 1");
        }
    }

    /** One stop: which worker, how, when after its start, how it ended. */
    public record Round(int number, String signal, String worker, long afterStartMillis, int jobsInFlight,
                        int exitCode, long exitMillis, boolean crashed) {

        /** A SIGTERM that ended otherwise than with 143, or any JVM crash. */
        public boolean unclean() {
            return crashed || ("TERM".equals(signal) && exitCode != SIGTERM_EXIT);
        }
    }

    /**
     * What the run saw.
     *
     * @param accepted ids the gateway answered 202 for, in submission order
     * @param events   every event of the events topic per job
     * @param rounds   the stops in order
     * @param api      each accepted job's status as {@code GET /v1/translations/{id}} shows it at the end
     */
    public record Result(List<String> accepted, Map<String, List<Observed>> events, List<Round> rounds,
                         Map<String, String> api) {

        List<Observed> terminalEvents(String id) {
            return events.getOrDefault(id, List.of()).stream().filter(Observed::terminal).toList();
        }

        public long lost() {
            return accepted.stream().filter(id -> terminalEvents(id).isEmpty()).count();
        }

        /** Jobs with two terminal events that are not the same fact. */
        public long twoOutcomes() {
            return accepted.stream().filter(id -> terminalEvents(id).stream().map(Observed::event).distinct().count() > 1)
                    .count();
        }

        public long crashes() {
            return rounds.stream().filter(Round::crashed).count();
        }

        public long uncleanStops() {
            return rounds.stream().filter(Round::unclean).count();
        }

        /** Jobs started more than once (a stopped worker's job run again elsewhere). */
        public long restarted() {
            return accepted.stream().filter(id -> events.getOrDefault(id, List.of()).stream()
                    .filter(o -> o.event() instanceof TranslationStarted).count() > 1).count();
        }

        private static String statusOf(JobEvent terminal) {
            if (terminal instanceof TranslationSucceeded) {
                return "succeeded";
            }
            return terminal instanceof TranslationFailed ? "failed" : "cancelled";
        }

        /** Everything that breaks the promises above. */
        public List<String> violations() {
            List<String> problems = new ArrayList<>();
            if (accepted.stream().distinct().count() != accepted.size()) {
                problems.add("the gateway gave the same id to two submissions");
            }
            for (String id : accepted) {
                List<Observed> terminal = terminalEvents(id);
                if (terminal.isEmpty()) {
                    problems.add(id + ": accepted but no terminal event (lost)");
                    continue;
                }
                if (terminal.stream().map(Observed::event).distinct().count() > 1) {
                    problems.add(id + ": terminal events that differ: "
                            + terminal.stream().map(o -> o.event().type()).toList());
                }
                JobEvent first = terminal.get(0).event();
                if (!(first instanceof TranslationSucceeded)) {
                    problems.add(id + ": ended " + first.type() + ", expected succeeded (every input is valid)");
                }
                String shown = api.get(id);
                if (!statusOf(first).equals(shown)) {
                    problems.add(id + ": the API shows '" + shown + "' for an outcome " + first.type());
                }
            }
            events.forEach((id, observed) -> {
                if (!accepted.contains(id) && observed.stream().anyMatch(Observed::terminal)) {
                    problems.add(id + ": a terminal event for a job that was never accepted");
                }
            });
            for (Round round : rounds) {
                if (round.unclean()) {
                    problems.add("round " + round.number() + " (" + round.signal() + " " + round.worker() + "): exit "
                            + round.exitCode() + (round.crashed() ? ", the JVM crashed" : ""));
                }
            }
            return problems;
        }
    }

    private final Options options;

    public ChaosBenchmark(Options options) {
        this.options = options;
    }

    /** Starts the local stack, plays the rounds, prints the table and the JSON line; 1 on any violation. */
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        Result result;
        try (LocalStack stack = Benchmark.startStack(settings, err)) {
            result = play(stack, err);
        }
        printReport(result, out);
        return result.violations().isEmpty() ? 0 : 1;
    }

    /** The rounds on a started stack (its in-process worker is stopped first); worker logs go to {@code <data-dir>/chaos/}. */
    public Result play(LocalStack stack, PrintStream err) {
        stack.workerContext().stop();
        Topics topics = Topics.withPrefix(stack.workerContext().getEnvironment()
                .getProperty("pitiserve.kafka.topic-prefix", "pitiserve."));
        Path logDir = stack.settings().dataDir().resolve("chaos");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.kafkaBootstrapServers()));
             EventRecorder recorder = new EventRecorder(stack.kafkaBootstrapServers(), topics.events());
             Fleet fleet = new Fleet(stack, logDir)) {
            recorder.start();
            return new Run(stack, admin, recorder, fleet, logDir, err).play();
        }
    }

    private final class Run {
        private final LocalStack stack;
        private final Admin admin;
        private final EventRecorder recorder;
        private final Fleet fleet;
        private final Path logDir;
        private final PrintStream err;
        private final Random random;
        private final ScaleOutBenchmark.Options workerOptions;
        private final List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean feeding = new AtomicBoolean(true);
        private final AtomicReference<RuntimeException> feedFailure = new AtomicReference<>();
        private final List<WorkerProcess> running = new ArrayList<>();
        private final Map<WorkerProcess, Long> startedAt = new LinkedHashMap<>();
        private int started;

        Run(LocalStack stack, Admin admin, EventRecorder recorder, Fleet fleet, Path logDir, PrintStream err) {
            this.stack = stack;
            this.admin = admin;
            this.recorder = recorder;
            this.fleet = fleet;
            this.logDir = logDir;
            this.err = err;
            this.random = new Random(options.seed());
            this.workerOptions = new ScaleOutBenchmark.Options(1, options.workerJar(), options.modelDir(), 1,
                    options.baseSteps(), options.srSteps(), Duration.ofSeconds(6), options.drainTimeout(),
                    options.queueDepth());
        }

        Result play() {
            for (int i = 0; i < options.workers(); i++) {
                running.add(startWorker());
            }
            Thread feeder = new Thread(this::feed, "chaos-feeder");
            feeder.start();
            err.println("chaos: " + options.workers() + " workers, seed " + options.seed() + "; waiting for the first "
                    + "job to end ...");
            await("a first job ends", Duration.ofMinutes(5), () -> recorder.finishedCount() >= 1);
            List<Round> rounds = new ArrayList<>();
            int total = options.terms() + options.kills();
            for (int number = 1; number <= total; number++) {
                String signal = number <= options.terms() ? "TERM" : "KILL";
                rounds.add(stopOne(number, signal));
                Round last = rounds.get(rounds.size() - 1);
                err.printf("round %d/%d: %s %s %.1f s after its start, %d job(s) in flight: exit %d after %.1f s%s%n",
                        number, total, last.signal(), last.worker(), last.afterStartMillis() / 1000.0,
                        last.jobsInFlight(), last.exitCode(), last.exitMillis() / 1000.0,
                        last.crashed() ? " CRASHED" : "");
            }
            feeding.set(false);
            try {
                feeder.join(TimeUnit.MINUTES.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (feedFailure.get() != null) {
                throw feedFailure.get();
            }
            List<String> submitted = List.copyOf(accepted);
            err.println("submitted " + submitted.size() + " jobs; waiting for every one to end ...");
            try {
                await("every accepted job ends", Duration.ofMinutes(10),
                        () -> submitted.stream().allMatch(recorder::hasTerminal));
            } catch (IllegalStateException e) {
                err.println(e.getMessage() + "; reporting what is missing");
            }
            for (WorkerProcess worker : running) {
                worker.terminate();
            }
            for (WorkerProcess worker : running) {
                worker.awaitExit(EXIT_WAIT);
            }
            recorder.readToEnd(admin);
            Map<String, String> api = new LinkedHashMap<>();
            TranslationClient client = new TranslationClient(stack.apiUrl(), stack.credentials().apiKey());
            for (String id : submitted) {
                JsonNode job = client.get(id, Duration.ZERO);
                api.put(id, job.path("status").asString());
            }
            return new Result(submitted, recorder.snapshot(), rounds, api);
        }

        private WorkerProcess startWorker() {
            started++;
            WorkerProcess worker = fleet.start("c" + started, workerOptions);
            startedAt.put(worker, System.nanoTime());
            return worker;
        }

        /** Waits a random moment, stops one worker with {@code signal}, waits for its exit, starts its replacement. */
        private Round stopOne(int number, String signal) {
            WorkerProcess worker = running.get((number - 1) % running.size());
            long delay = (long) (random.nextDouble() * options.maxDelay().toMillis());
            try {
                TimeUnit.MILLISECONDS.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (!worker.alive()) {
                throw new IllegalStateException("worker " + worker.name() + " exited by itself with "
                        + worker.exitCode() + "; see " + worker.log());
            }
            int inFlight = recorder.inFlightOn(worker.name()).size();
            long afterStart = (System.nanoTime() - startedAt.get(worker)) / 1_000_000;
            long begin = System.nanoTime();
            int exit;
            if ("TERM".equals(signal)) {
                worker.terminate();
                exit = worker.awaitExit(EXIT_WAIT);
            } else {
                worker.kill();
                exit = worker.exitCode();
            }
            long exitMillis = (System.nanoTime() - begin) / 1_000_000;
            boolean crashed = crashed(worker);
            running.set(running.indexOf(worker), startWorker());
            return new Round(number, signal, worker.name(), afterStart, inFlight, exit, exitMillis, crashed);
        }

        /** Whether the JVM reported a fatal error: an hs_err file of its pid, or the report in its log. */
        private boolean crashed(WorkerProcess worker) {
            String errorFile = "hs_err_pid" + worker.pid() + ".log";
            if (Files.exists(Path.of(errorFile)) || Files.exists(logDir.resolve(errorFile))) {
                return true;
            }
            try {
                String log = Files.readString(worker.log());
                return log.contains("A fatal error has been detected") || log.contains("hs_err_pid");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + worker.log(), e);
            }
        }

        private void feed() {
            byte[] mask = BundledModels.example("mask.png");
            TranslationClient client = new TranslationClient(stack.apiUrl(), stack.credentials().apiKey());
            long seed = 0;
            try {
                while (feeding.get()) {
                    long queued = accepted.size() - recorder.finishedCount();
                    if (queued >= options.queueDepth()) {
                        TimeUnit.MILLISECONDS.sleep(20);
                        continue;
                    }
                    ObjectNode params = Benchmark.JSON.createObjectNode().put("task", "mask")
                            .put("base_steps", options.baseSteps()).put("sr_steps", options.srSteps())
                            .put("seed", seed++);
                    accepted.add(client.submit(mask, "mask.png", "image/png", params).path("id").asString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                feedFailure.set(e);
            }
        }
    }

    /** The table of rounds, the checks and, as the last line, the JSON object. */
    public void printReport(Result result, PrintStream out) {
        List<String> violations = result.violations();
        out.printf("bench chaos: %d worker processes (%s), base_steps %s, sr_steps %s, seed %d, %d CPU cores%n",
                options.workers(), options.modelDir() == null ? "bundled " + BundledModels.DEFAULT_MODEL
                        : options.modelDir().getFileName(), options.baseSteps(), options.srSteps(), options.seed(),
                Runtime.getRuntime().availableProcessors());
        out.printf("%-6s %-6s %-8s %12s %10s %6s %10s %8s%n", "round", "signal", "worker", "after start", "in flight",
                "exit", "exit in", "crashed");
        for (Round round : result.rounds()) {
            out.printf("%-6d %-6s %-8s %10.1f s %10d %6d %8.1f s %8s%n", round.number(), round.signal(),
                    round.worker(), round.afterStartMillis() / 1000.0, round.jobsInFlight(), round.exitCode(),
                    round.exitMillis() / 1000.0, round.crashed() ? "YES" : "no");
        }
        out.printf("accepted %d jobs: lost %d, two outcomes %d, started more than once %d; JVM crashes %d, unclean "
                        + "stops %d%n", result.accepted().size(), result.lost(), result.twoOutcomes(),
                result.restarted(), result.crashes(), result.uncleanStops());
        out.println(violations.isEmpty() ? "every accepted job ended in exactly one terminal outcome; every SIGTERM "
                + "ended cleanly" : "VIOLATIONS: " + violations);
        ObjectNode json = Benchmark.JSON.createObjectNode().put("bench", "chaos")
                .put("workers", options.workers()).put("base_steps", options.baseSteps())
                .put("sr_steps", options.srSteps()).put("seed", options.seed())
                .put("cpu_cores", Runtime.getRuntime().availableProcessors())
                .put("sigterm_rounds", result.rounds().stream().filter(r -> "TERM".equals(r.signal())).count())
                .put("sigkill_rounds", result.rounds().stream().filter(r -> "KILL".equals(r.signal())).count())
                .put("accepted", result.accepted().size()).put("lost", result.lost())
                .put("two_outcomes", result.twoOutcomes()).put("restarted", result.restarted())
                .put("crashes", result.crashes()).put("unclean_stops", result.uncleanStops())
                .put("violations", violations.size());
        ArrayNode exits = json.putArray("sigterm_exit_s");
        result.rounds().stream().filter(r -> "TERM".equals(r.signal()))
                .forEach(r -> exits.add(Math.round(r.exitMillis() / 100.0) / 10.0));
        Benchmark.printJson(json, out);
    }
}
