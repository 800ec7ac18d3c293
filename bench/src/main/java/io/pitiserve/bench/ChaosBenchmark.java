package io.pitiserve.bench;

import static io.pitiserve.bench.ScaleOutBenchmark.await;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.standalone.LocalCredentials;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.bench.ChaosWebhookReceiver.Mode;
import io.pitiserve.bench.ChaosWebhookReceiver.Received;
import io.pitiserve.bench.ScaleOutBenchmark.EventRecorder;
import io.pitiserve.bench.ScaleOutBenchmark.Fleet;
import io.pitiserve.bench.ScaleOutBenchmark.Observed;
import io.pitiserve.bench.ScaleOutBenchmark.WorkerProcess;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.models.BundledModels;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.springframework.boot.convert.DurationStyle;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench chaos}: the S3 server, the Kafka broker, the gateway and {@code --workers} workers
 * each run as a process of their own ({@link ChaosCluster}) while a feeder keeps a stream of jobs
 * going through the public API, every job with a webhook to a receiver in this process
 * ({@link ChaosWebhookReceiver}). Faults follow in sequence: workers stopped with SIGTERM and with
 * SIGKILL (each round waits until its worker has started a job, then a seeded random moment; the
 * worker is replaced by a fresh process), the broker SIGKILLed and restarted on its log, the S3
 * server stopped (SIGSTOP) and continued, the webhook receiver refusing connections and then
 * answering 500 to half the requests.
 *
 * <p>Afterwards it checks from the events topic, the API and the receiver ({@link Result#violations()})
 * that every job answered 202 ended in exactly one terminal outcome and none was lost, that the
 * API shows that outcome, that every SIGTERM ended its worker cleanly, and that each job's
 * webhook kept one {@code webhook-id} across its attempts and was delivered or given up.
 */
public final class ChaosBenchmark {

    /** The worker's exit code after SIGTERM once its shutdown hooks ran: 128 + 15. */
    public static final int SIGTERM_EXIT = 143;
    private static final Duration EXIT_WAIT = Duration.ofMinutes(3);
    private static final Duration BUSY_WAIT = Duration.ofMinutes(5);
    private static final int MOMENT_ATTEMPTS = 5;
    private static final Duration PROBE_WAIT = Duration.ofMinutes(2);

    /**
     * @param workerJar       the worker's executable jar
     * @param gatewayJar      the gateway's executable jar
     * @param modelDir        the model the workers load (null: the bundled default)
     * @param workers         worker processes running at once
     * @param terms           worker SIGTERM rounds
     * @param kills           worker SIGKILL rounds
     * @param brokerKills     broker SIGKILL rounds
     * @param brokerDown      how long the killed broker stays down before its restart
     * @param s3Outage        how long the S3 server stays stopped (zero: no outage)
     * @param webhookRefuse   how long the receiver refuses connections (zero: never)
     * @param webhookFlaky    how long it answers 500 to half the requests (zero: never)
     * @param webhookRetries  the gateway's webhook retry schedule (pitiserve.webhooks.retry-schedule)
     * @param maxDelay        each fault comes uniformly within this after its worker is busy (or the last fault)
     * @param queueDepth      accepted jobs not yet finished that the feeder keeps
     * @param drainTimeout    the workers' drain timeout
     * @param seed            seed of the random moments (printed, so a run can be replayed)
     */
    public record Options(Path workerJar, Path gatewayJar, Path modelDir, int workers, int terms, int kills,
                          int brokerKills, Duration brokerDown, Duration s3Outage, Duration webhookRefuse,
                          Duration webhookFlaky, String webhookRetries, Duration maxDelay, int queueDepth,
                          String baseSteps, String srSteps, Duration drainTimeout, long seed) {

        public Options {
            Benchmark.require(workers >= 1, "--workers must be at least 1");
            Benchmark.require(terms >= 0 && kills >= 0 && brokerKills >= 0,
                    "--terms, --kills and --broker-kills must not be negative");
            Benchmark.require(queueDepth >= 1, "--queue-depth must be at least 1");
            Benchmark.require(gatewayJar != null && Files.isRegularFile(gatewayJar), "the gateway jar " + gatewayJar
                    + " does not exist; build it with: mvn -B -q package -DskipTests (or pass --gateway-jar FILE)");
            for (String delay : webhookRetries.split(",")) {
                DurationStyle.detectAndParse(delay.strip());
            }
        }

        /** The sum of the webhook retry delays: how long a delivery may take after its first attempt. */
        Duration retrySpan() {
            Duration span = Duration.ZERO;
            for (String delay : webhookRetries.split(",")) {
                span = span.plus(DurationStyle.detectAndParse(delay.strip()));
            }
            return span;
        }
    }

    /**
     * One fault: its kind and target, jobs in flight when it came, how the target ended (exit
     * code, -1 where nothing exited), how long the fault or the exit took, and what was seen.
     */
    public record Round(int number, String fault, String target, int jobsInFlight, int exitCode,
                        long durationMillis, boolean crashed, String note) {

        /** A SIGTERM that ended otherwise than with 143, or any JVM crash. */
        public boolean unclean() {
            return crashed || ("worker SIGTERM".equals(fault) && exitCode != SIGTERM_EXIT);
        }
    }

    /** What {@code GET /v1/translations/{id}} showed at the end: the status, the webhook ids and the last delivery outcome. */
    public record ApiView(String status, Set<String> webhookIds, String lastDelivery) {
    }

    /**
     * What the run saw.
     *
     * @param accepted ids the gateway answered 202 for, in submission order
     * @param refused  submissions answered otherwise or not at all (during a fault)
     * @param events   every event of the events topic per job
     * @param rounds   the faults in order
     * @param api      each accepted job as the API shows it at the end
     * @param webhooks every request the webhook receiver answered, in order
     */
    public record Result(List<String> accepted, int refused, Map<String, List<Observed>> events, List<Round> rounds,
                         Map<String, ApiView> api, List<Received> webhooks) {

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

        public long failed() {
            return accepted.stream().filter(id -> !terminalEvents(id).isEmpty()
                    && terminalEvents(id).get(0).event() instanceof TranslationFailed).count();
        }

        /** Why the failed jobs failed: error code and how many. */
        public Map<String, Long> failureCodes() {
            return accepted.stream().map(this::terminalEvents).filter(t -> !t.isEmpty())
                    .map(t -> t.get(0).event()).filter(TranslationFailed.class::isInstance)
                    .collect(Collectors.groupingBy(e -> ((TranslationFailed) e).code(), Collectors.counting()));
        }

        /** Jobs that ran although no submission was answered 202 for them (an answer lost in a fault). */
        public long withoutAcceptance() {
            Set<String> ids = Set.copyOf(accepted);
            return events.entrySet().stream().filter(e -> !ids.contains(e.getKey())
                    && e.getValue().stream().anyMatch(Observed::terminal)).count();
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

        Map<String, List<Received>> webhooksByJob() {
            Map<String, List<Received>> byJob = new LinkedHashMap<>();
            for (Received request : webhooks) {
                byJob.computeIfAbsent(String.valueOf(request.jobId()), id -> new ArrayList<>()).add(request);
            }
            return byJob;
        }

        /** Jobs whose webhook the receiver got more than once (retries, redeliveries). */
        public long webhookRetried() {
            return webhooksByJob().values().stream().filter(requests -> requests.size() > 1).count();
        }

        public long webhook500s() {
            return webhooks.stream().filter(request -> request.status() == 500).count();
        }

        public long webhooksDelivered() {
            return webhooksByJob().values().stream().filter(r -> r.stream().anyMatch(Received::delivered)).count();
        }

        /** The webhook ids of a job: those the receiver saw and those the API lists. */
        Set<String> webhookIds(String id) {
            Set<String> ids = new LinkedHashSet<>();
            webhooksByJob().getOrDefault(id, List.of()).forEach(request -> ids.add(request.webhookId()));
            ApiView view = api.get(id);
            if (view != null) {
                ids.addAll(view.webhookIds());
            }
            return ids;
        }

        /** Accepted jobs whose webhook never reached the receiver with a 2xx and that the gateway gave up. */
        public long webhooksGivenUp() {
            Map<String, List<Received>> byJob = webhooksByJob();
            return accepted.stream().filter(id -> byJob.getOrDefault(id, List.of()).stream().noneMatch(Received::delivered)
                    && api.get(id) != null && gaveUp(api.get(id).lastDelivery())).count();
        }

        private static boolean gaveUp(String outcome) {
            return "failed".equals(outcome) || "dead_lettered".equals(outcome);
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
            Map<String, List<Received>> byJob = webhooksByJob();
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
                ApiView view = api.get(id);
                if (view == null || !statusOf(first).equals(view.status())) {
                    problems.add(id + ": the API shows '" + (view == null ? null : view.status()) + "' for an outcome "
                            + first.type());
                }
                Set<String> ids = webhookIds(id);
                if (ids.size() > 1) {
                    problems.add(id + ": webhook ids changed across attempts: " + ids);
                }
                List<Received> requests = byJob.getOrDefault(id, List.of());
                if (requests.stream().map(Received::type).distinct().count() > 1) {
                    problems.add(id + ": webhooks announced different events: "
                            + requests.stream().map(Received::type).distinct().toList());
                }
                if (requests.stream().noneMatch(Received::delivered) && (view == null || !gaveUp(view.lastDelivery()))) {
                    problems.add(id + ": webhook neither delivered nor given up (last outcome "
                            + (view == null ? null : view.lastDelivery()) + ")");
                }
            }
            if (byJob.containsKey("null")) {
                problems.add(byJob.get("null").size() + " webhook request(s) whose body is not a piti-serve webhook");
            }
            for (Round round : rounds) {
                if (round.unclean()) {
                    problems.add("round " + round.number() + " (" + round.fault() + " " + round.target() + "): exit "
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

    /** Plays the faults in {@code settings}' data directory, prints the table and the JSON line; 1 on any violation. */
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        Result result = play(settings.dataDir(), System.getenv(), err);
        printReport(result, out);
        return result.violations().isEmpty() ? 0 : 1;
    }

    /** Starts every process in {@code dataDir} (logs in {@code <data-dir>/chaos/}), plays the faults, stops everything. */
    public Result play(Path dataDir, Map<String, String> env, PrintStream err) {
        LocalCredentials credentials = LocalCredentials.load(dataDir, env);
        ModelManifest model = options.modelDir() == null ? BundledModels.manifest(BundledModels.DEFAULT_MODEL)
                : PitiModel.readManifest(options.modelDir());
        Topics topics = Topics.defaults();
        try (ChaosCluster cluster = new ChaosCluster(dataDir, options.gatewayJar(), credentials);
             ChaosWebhookReceiver receiver = new ChaosWebhookReceiver(options.seed())) {
            err.println("chaos: starting the S3 server, the broker and the gateway as processes (logs in "
                    + cluster.logDir() + ") ...");
            cluster.start(List.of(model), Map.of("pitiserve.webhooks.retry-schedule", options.webhookRetries(),
                    "pitiserve.webhooks.connect-timeout", "2s", "pitiserve.webhooks.request-timeout", "5s"));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    cluster.bootstrapServers()));
                 EventRecorder recorder = new EventRecorder(cluster.bootstrapServers(), topics.events());
                 Fleet fleet = new Fleet(cluster.workerProperties(), cluster.logDir())) {
                recorder.start();
                return new Run(cluster, receiver, credentials, admin, recorder, fleet, err).play();
            }
        }
    }

    private final class Run {
        private final ChaosCluster cluster;
        private final ChaosWebhookReceiver receiver;
        private final LocalCredentials credentials;
        private final Admin admin;
        private final EventRecorder recorder;
        private final Fleet fleet;
        private final PrintStream err;
        private final Random random;
        private final ScaleOutBenchmark.Options workerOptions;
        private final Map<String, String> workerOverrides;
        private final List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger refused = new AtomicInteger();
        private final AtomicLong seeds = new AtomicLong();
        private final AtomicBoolean feeding = new AtomicBoolean(true);
        private final AtomicReference<RuntimeException> feedFailure = new AtomicReference<>();
        private final List<WorkerProcess> running = new ArrayList<>();
        private final List<Round> rounds = new ArrayList<>();
        private int started;

        Run(ChaosCluster cluster, ChaosWebhookReceiver receiver, LocalCredentials credentials, Admin admin,
            EventRecorder recorder, Fleet fleet, PrintStream err) {
            this.cluster = cluster;
            this.receiver = receiver;
            this.credentials = credentials;
            this.admin = admin;
            this.recorder = recorder;
            this.fleet = fleet;
            this.err = err;
            this.random = new Random(options.seed());
            this.workerOptions = new ScaleOutBenchmark.Options(1, options.workerJar(), options.modelDir(), 1,
                    options.baseSteps(), options.srSteps(), Duration.ofSeconds(6), options.drainTimeout(),
                    Math.max(3, options.queueDepth()));
            this.workerOverrides = options.modelDir() == null
                    ? Map.of("pitiserve.worker.models", "bundled:" + BundledModels.DEFAULT_MODEL) : Map.of();
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
            int workerRounds = options.terms() + options.kills();
            for (int i = 0; i < workerRounds; i++) {
                record(stopWorker(rounds.size() + 1, i < options.terms()));
            }
            for (int i = 0; i < options.brokerKills(); i++) {
                record(killBroker(rounds.size() + 1));
            }
            if (!options.s3Outage().isZero()) {
                record(stopS3(rounds.size() + 1));
            }
            if (!options.webhookRefuse().isZero()) {
                record(webhookFault(rounds.size() + 1, Mode.REFUSE, options.webhookRefuse()));
            }
            if (!options.webhookFlaky().isZero()) {
                record(webhookFault(rounds.size() + 1, Mode.FLAKY, options.webhookFlaky()));
            }
            receiver.mode(Mode.ACCEPT);
            feeding.set(false);
            try {
                feeder.join(TimeUnit.MINUTES.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (feedFailure.get() != null) {
                throw feedFailure.get();
            }
            List<String> submitted = List.copyOf(accepted);
            err.println("submitted " + submitted.size() + " jobs (" + refused.get() + " submissions refused); waiting "
                    + "for every one to end and its webhook to arrive ...");
            awaitQuietly("every accepted job ends", Duration.ofMinutes(10),
                    () -> submitted.stream().allMatch(recorder::hasTerminal));
            awaitQuietly("every webhook delivered", options.retrySpan().plus(Duration.ofSeconds(60)), () -> {
                Set<String> delivered = receiver.received().stream().filter(Received::delivered)
                        .map(Received::jobId).collect(Collectors.toSet());
                return delivered.containsAll(submitted);
            });
            for (WorkerProcess worker : running) {
                worker.terminate();
            }
            for (WorkerProcess worker : running) {
                worker.awaitExit(EXIT_WAIT);
            }
            recorder.readToEnd(admin);
            Map<String, ApiView> api = new LinkedHashMap<>();
            PitiServeClient client = client();
            for (String id : submitted) {
                api.put(id, view(client.get(id)));
            }
            return new Result(submitted, refused.get(), recorder.snapshot(), List.copyOf(rounds), api,
                    receiver.received());
        }

        private ApiView view(Translation job) {
            Set<String> ids = new LinkedHashSet<>();
            String last = null;
            for (Translation.Delivery delivery : job.webhook() == null ? List.<Translation.Delivery>of()
                    : job.webhook().deliveries()) {
                ids.add(delivery.webhookId());
                last = delivery.outcome();
            }
            return new ApiView(job.status().wireName(), ids, last);
        }

        /** A client that waits as long for an answer as a fault may hold one up. */
        private PitiServeClient client() {
            return PitiServeClient.builder(cluster.apiUrl()).apiKey(credentials.apiKey())
                    .requestTimeout(Duration.ofSeconds(90)).build();
        }

        private void record(Round round) {
            rounds.add(round);
            err.printf("round %d: %s %s, %d job(s) in flight: %s%n", round.number(), round.fault(), round.target(),
                    round.jobsInFlight(), round.note());
        }

        private WorkerProcess startWorker() {
            started++;
            return fleet.start("c" + started, workerOptions, workerOverrides);
        }

        private int inFlight() {
            return (int) Math.max(0, accepted.size() - recorder.finishedCount());
        }

        /**
         * Waits until the worker has started a job, then a random moment, stops it with SIGTERM or
         * SIGKILL, waits for its exit and starts its replacement.
         */
        private Round stopWorker(int number, boolean term) {
            WorkerProcess worker = running.get((number - 1) % running.size());
            boolean busy = false;
            // The random moment falls inside a job: if that job ended first, wait for the next one.
            for (int attempt = 0; attempt < MOMENT_ATTEMPTS && !busy; attempt++) {
                if (!awaitQuietly(worker.name() + " runs a job", BUSY_WAIT,
                        () -> !recorder.inFlightOn(worker.name()).isEmpty() || !worker.alive())) {
                    break;
                }
                pause(randomDelay());
                busy = !recorder.inFlightOn(worker.name()).isEmpty();
            }
            if (!worker.alive()) {
                throw new IllegalStateException("worker " + worker.name() + " exited by itself with "
                        + worker.exitCode() + "; see " + worker.log());
            }
            int onWorker = recorder.inFlightOn(worker.name()).size();
            long begin = System.nanoTime();
            int exit;
            if (term) {
                worker.terminate();
                exit = worker.awaitExit(EXIT_WAIT);
            } else {
                worker.kill();
                exit = worker.exitCode();
            }
            long exitMillis = (System.nanoTime() - begin) / 1_000_000;
            running.set(running.indexOf(worker), startWorker());
            return new Round(number, term ? "worker SIGTERM" : "worker SIGKILL", worker.name(), onWorker, exit,
                    exitMillis, crashed(worker), String.format("%s; exit %d after %.1f s",
                    busy ? "running a job" : "idle (no job at " + MOMENT_ATTEMPTS + " random moments)", exit,
                    exitMillis / 1000.0));
        }

        /** SIGKILL to the broker at a random moment, down for a while, restarted on its log. */
        private Round killBroker(int number) {
            pause(randomDelay());
            int inFlight = inFlight();
            long begin = System.nanoTime();
            cluster.killBroker();
            Probe probe = new Probe();
            pause(options.brokerDown());
            cluster.startKafka();
            long backMillis = (System.nanoTime() - begin) / 1_000_000;
            return new Round(number, "broker SIGKILL", "kafka", inFlight, 137, backMillis, false,
                    String.format("answering again %.1f s after the kill; a submission while down: %s",
                            backMillis / 1000.0, probe.answer()));
        }

        /** SIGSTOP to the S3 server for the outage, then SIGCONT. */
        private Round stopS3(int number) {
            pause(randomDelay());
            int inFlight = inFlight();
            long finishedBefore = recorder.finishedCount();
            cluster.stopS3();
            Probe probe = new Probe();
            pause(options.s3Outage());
            long ended = recorder.finishedCount() - finishedBefore;
            cluster.continueS3();
            return new Round(number, "S3 SIGSTOP", "s3", inFlight, -1, options.s3Outage().toMillis(), false,
                    String.format("stopped %d s, %d job(s) ended meanwhile; a submission while stopped: %s",
                            options.s3Outage().toSeconds(), ended, probe.answer()));
        }

        /** The receiver refuses connections or answers 500 to half the requests for {@code duration}. */
        private Round webhookFault(int number, Mode mode, Duration duration) {
            int inFlight = inFlight();
            int before = receiver.received().size();
            receiver.mode(mode);
            pause(duration);
            if (mode == Mode.FLAKY) {
                // Until it has failed a few deliveries at least, so that retries are seen.
                awaitQuietly("a webhook answered 500", Duration.ofMinutes(3), () -> receiver.received()
                        .subList(before, receiver.received().size()).stream().filter(r -> r.status() == 500).count() >= 2);
            }
            List<Received> during = receiver.received().subList(before, receiver.received().size());
            long failed = during.stream().filter(r -> r.status() == 500).count();
            return new Round(number, mode == Mode.REFUSE ? "webhook refuse" : "webhook 500s", "receiver", inFlight, -1,
                    duration.toMillis(), false, mode == Mode.REFUSE
                    ? String.format("not listening %d s", duration.toSeconds())
                    : String.format("%d requests, %d answered 500", during.size(), failed));
        }

        /**
         * One submission made just after a fault began, apart from the feeder (whose queue is
         * usually full then); a 202 joins the accepted jobs like any other.
         */
        private final class Probe {
            private final long begin = System.nanoTime();
            private final AtomicReference<String> answer = new AtomicReference<>();
            private final Thread thread;

            Probe() {
                thread = new Thread(() -> {
                    try {
                        accepted.add(submit(client()));
                        answer.set(String.format("202 after %.1f s", seconds()));
                    } catch (RuntimeException e) {
                        refused.incrementAndGet();
                        answer.set(String.format("refused after %.1f s (%s)", seconds(), e.getMessage()));
                    }
                }, "chaos-probe");
                thread.start();
            }

            private double seconds() {
                return (System.nanoTime() - begin) / 1e9;
            }

            /** Waits for the answer (the fault is over by now). */
            String answer() {
                try {
                    thread.join(PROBE_WAIT.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return answer.get() == null ? "no answer within " + PROBE_WAIT.toSeconds() + " s" : answer.get();
            }
        }

        /** Submits one job with the receiver as its webhook; its id. */
        private String submit(PitiServeClient client) {
            return client.submit(TranslationRequest.builder("mask")
                    .input(BundledModels.example("mask.png"), "image/png").fileName("mask.png")
                    .baseSteps(options.baseSteps()).srSteps(options.srSteps()).seed(seeds.getAndIncrement())
                    .webhook(receiver.url()).build()).id();
        }

        private Duration randomDelay() {
            return Duration.ofMillis((long) (random.nextDouble() * options.maxDelay().toMillis()));
        }

        /** Whether the JVM reported a fatal error: an hs_err file of its pid, or the report in its log. */
        private boolean crashed(WorkerProcess worker) {
            String errorFile = "hs_err_pid" + worker.pid() + ".log";
            if (Files.exists(Path.of(errorFile)) || Files.exists(cluster.logDir().resolve(errorFile))) {
                return true;
            }
            try {
                String log = Files.readString(worker.log());
                return log.contains("A fatal error has been detected") || log.contains("hs_err_pid");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + worker.log(), e);
            }
        }

        private boolean awaitQuietly(String what, Duration timeout, BooleanSupplier condition) {
            try {
                await(what, timeout, condition);
                return true;
            } catch (IllegalStateException e) {
                err.println(e.getMessage() + "; carrying on");
                return false;
            }
        }

        private void feed() {
            PitiServeClient client = client();
            try {
                while (feeding.get()) {
                    if (inFlight() >= options.queueDepth()) {
                        TimeUnit.MILLISECONDS.sleep(20);
                        continue;
                    }
                    try {
                        accepted.add(submit(client));
                    } catch (RuntimeException e) {
                        // A fault is on: the gateway refused or did not answer; try again shortly.
                        refused.incrementAndGet();
                        TimeUnit.MILLISECONDS.sleep(500);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                feedFailure.set(e);
            }
        }
    }

    private static void pause(Duration duration) {
        try {
            TimeUnit.MILLISECONDS.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The table of faults, the checks and, as the last line, the JSON object. */
    public void printReport(Result result, PrintStream out) {
        List<String> violations = result.violations();
        out.printf("bench chaos: S3 server, broker, gateway and %d workers as processes (%s), base_steps %s, "
                        + "sr_steps %s, seed %d, %d CPU cores%n", options.workers(),
                options.modelDir() == null ? "bundled " + BundledModels.DEFAULT_MODEL
                        : options.modelDir().getFileName(), options.baseSteps(), options.srSteps(), options.seed(),
                Runtime.getRuntime().availableProcessors());
        out.printf("%-6s %-15s %-9s %9s %6s %9s %-7s %s%n", "round", "fault", "target", "in flight", "exit",
                "took", "crashed", "what happened");
        for (Round round : result.rounds()) {
            out.printf("%-6d %-15s %-9s %9d %6s %7.1f s %-7s %s%n", round.number(), round.fault(), round.target(),
                    round.jobsInFlight(), round.exitCode() < 0 ? "-" : String.valueOf(round.exitCode()),
                    round.durationMillis() / 1000.0, round.crashed() ? "YES" : "no", round.note());
        }
        out.printf("accepted %d jobs (%d submissions refused during faults): lost %d, two outcomes %d, failed %d %s, "
                        + "started more than once %d, ran without a 202 %d; JVM crashes %d, unclean stops %d%n",
                result.accepted().size(), result.refused(), result.lost(), result.twoOutcomes(), result.failed(),
                result.failureCodes(), result.restarted(), result.withoutAcceptance(), result.crashes(),
                result.uncleanStops());
        out.printf("webhooks: %d requests, %d answered 500, %d jobs retried, %d delivered, %d given up%n",
                result.webhooks().size(), result.webhook500s(), result.webhookRetried(), result.webhooksDelivered(),
                result.webhooksGivenUp());
        out.println(violations.isEmpty() ? "every accepted job ended in exactly one terminal outcome, none lost; "
                + "every webhook kept one webhook-id; every SIGTERM ended cleanly" : "VIOLATIONS: " + violations);
        ObjectNode json = Benchmark.JSON.createObjectNode().put("bench", "chaos")
                .put("workers", options.workers()).put("base_steps", options.baseSteps())
                .put("sr_steps", options.srSteps()).put("seed", options.seed())
                .put("cpu_cores", Runtime.getRuntime().availableProcessors());
        Map<String, Long> faults = result.rounds().stream()
                .collect(Collectors.groupingBy(Round::fault, LinkedHashMap::new, Collectors.counting()));
        ObjectNode faultCounts = json.putObject("faults");
        faults.forEach(faultCounts::put);
        json.put("accepted", result.accepted().size()).put("refused", result.refused())
                .put("lost", result.lost()).put("two_outcomes", result.twoOutcomes()).put("failed", result.failed())
                .put("restarted", result.restarted()).put("without_202", result.withoutAcceptance())
                .put("crashes", result.crashes()).put("unclean_stops", result.uncleanStops())
                .put("webhook_requests", result.webhooks().size()).put("webhook_500s", result.webhook500s())
                .put("webhook_retried_jobs", result.webhookRetried())
                .put("webhooks_delivered", result.webhooksDelivered())
                .put("webhooks_given_up", result.webhooksGivenUp())
                .put("violations", violations.size());
        ArrayNode brokerBack = json.putArray("broker_back_s");
        result.rounds().stream().filter(r -> r.fault().startsWith("broker"))
                .forEach(r -> brokerBack.add(Math.round(r.durationMillis() / 100.0) / 10.0));
        Benchmark.printJson(json, out);
    }
}
