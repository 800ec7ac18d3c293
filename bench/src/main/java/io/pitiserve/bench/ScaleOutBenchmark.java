package io.pitiserve.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.worker.models.BundledModels;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench scaleout}: several worker processes (the real {@code pitiserve-worker.jar serve}, each
 * its own JVM and consumer client) share the requests topic of one local broker and S3 server, fed
 * through the gateway. One worker starts, a second and a third join under load, one is drained with
 * SIGTERM, another is killed with SIGKILL, and the last is drained at the end.
 *
 * <p>It reports jobs/s with 1, 2 and 3 workers, how long the SIGTERM drain took, and whether every
 * accepted job ended in exactly one terminal outcome ({@link Result#violations()}): at-least-once
 * processing may show a job's terminal event more than once (a worker killed after publishing it but
 * before committing its offset; the next worker finds the manifest and re-emits the same event), so
 * a repeat must be the very same fact, never a second, different outcome.
 */
public final class ScaleOutBenchmark implements Benchmark {

    /** The consumer group of the requests topic the workers share (the worker's default). */
    static final String GROUP = "pitiserve-worker";
    private static final Duration WORKER_START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration DRAIN_WAIT = Duration.ofMinutes(3);

    /**
     * @param jobsPerPhase   jobs timed with 1, 2 and 3 workers each
     * @param workerJar      the worker's executable jar ({@code worker/target/pitiserve-worker.jar})
     * @param modelDir       the workers' model directory; null for the bundled tiny model
     * @param threads        PyTorch intra-op threads of each worker
     * @param baseSteps      base respacing of every job
     * @param srSteps        upsampler respacing of every job
     * @param sessionTimeout the workers' Kafka session timeout: how long a killed worker's partitions wait
     * @param drainTimeout   the workers' drain timeout (pitiserve.worker.drain-timeout)
     * @param queueDepth     jobs kept accepted but unfinished while the load runs
     */
    public record Options(int jobsPerPhase, Path workerJar, Path modelDir, int threads, String baseSteps,
                          String srSteps, Duration sessionTimeout, Duration drainTimeout, int queueDepth) {
        public Options {
            Benchmark.require(jobsPerPhase >= 1, "--jobs-per-phase must be at least 1, got " + jobsPerPhase);
            Benchmark.require(queueDepth >= 3, "--queue-depth must be at least 3 (one job per worker), got "
                    + queueDepth);
            Benchmark.require(threads >= 1, "--threads must be at least 1, got " + threads);
            Benchmark.require(workerJar != null && Files.isRegularFile(workerJar), "the worker jar " + workerJar
                    + " does not exist; build it with: mvn -B -q package -DskipTests (or pass --worker-jar FILE)");
            Benchmark.require(modelDir == null || Files.isRegularFile(modelDir.resolve("model.json")),
                    "--model " + modelDir + " holds no model.json");
            workerJar = workerJar.toAbsolutePath().normalize();
            modelDir = modelDir == null ? null : modelDir.toAbsolutePath().normalize();
        }
    }

    /** Jobs/s while {@code workers} workers held the requests topic's partitions. */
    public record Phase(int workers, int jobs, double seconds) {
        public double jobsPerSecond() {
            return jobs / seconds;
        }
    }

    /** One event as it was read from the events topic; {@code timestamp}: the producer's clock, epoch ms. */
    public record Observed(JobEvent event, long timestamp) {
        boolean terminal() {
            return event instanceof TranslationSucceeded || event instanceof TranslationFailed
                    || event instanceof TranslationCancelled;
        }
    }

    /**
     * Everything the run saw.
     *
     * @param accepted         ids of the jobs the gateway answered 202 for, in submission order
     * @param events           every event of the events topic, per job id, in topic order
     * @param phases           throughput with 1, 2 and 3 workers
     * @param drainedWorker    the worker stopped with SIGTERM, its exit code and how long it took to exit
     * @param killedWorker     the worker stopped with SIGKILL
     * @param drainMillis      SIGTERM sent to the drained worker's process gone
     * @param drainExitCode    the drained worker's exit code (143: ended by SIGTERM after its shutdown hooks)
     * @param termAtMillis     when SIGTERM was sent, epoch ms
     * @param killAtMillis     when SIGKILL was sent, epoch ms
     * @param uncommitted      requests-topic records the group had not committed at the end (lag)
     * @param deadLetters      records on the dead-letter topic at the end
     */
    public record Result(List<String> accepted, Map<String, List<Observed>> events, List<Phase> phases,
                         String drainedWorker, String killedWorker, long drainMillis, int drainExitCode,
                         long termAtMillis, long killAtMillis, long uncommitted, long deadLetters) {

        public List<Observed> terminalEvents(String jobId) {
            return events.getOrDefault(jobId, List.of()).stream().filter(Observed::terminal).toList();
        }

        public List<TranslationStarted> starts(String jobId) {
            return events.getOrDefault(jobId, List.of()).stream()
                    .filter(o -> o.event() instanceof TranslationStarted)
                    .map(o -> (TranslationStarted) o.event()).toList();
        }

        /** Jobs the given worker had started and not finished when {@code atMillis} came. */
        public Set<String> inFlightOn(String worker, long atMillis) {
            Set<String> jobs = new LinkedHashSet<>();
            events.forEach((jobId, observed) -> {
                boolean startedThere = observed.stream().anyMatch(o -> o.event() instanceof TranslationStarted s
                        && s.worker().equals(worker) && o.timestamp() <= atMillis);
                boolean finishedBefore = observed.stream().anyMatch(o -> o.terminal() && o.timestamp() <= atMillis);
                if (startedThere && !finishedBefore) {
                    jobs.add(jobId);
                }
            });
            return jobs;
        }

        /** Jobs whose terminal event was seen more than once (replays of the same fact). */
        public long replayed() {
            return accepted.stream().filter(id -> terminalEvents(id).size() > 1).count();
        }

        /** Jobs that were started more than once (handed to another worker after a kill or a revocation). */
        public long restarted() {
            return accepted.stream().filter(id -> starts(id).size() > 1).count();
        }

        /**
         * What breaks "every accepted job ends in exactly one terminal outcome, none lost, none
         * duplicated": a job without a terminal event; a job whose terminal events differ (two
         * outcomes); a terminal outcome other than Succeeded (every input here is valid); a terminal
         * event of a job nobody submitted; records left uncommitted or dead-lettered; a drained
         * worker's job that another worker had to start again.
         */
        public List<String> violations() {
            List<String> problems = new ArrayList<>();
            Set<String> acceptedIds = new LinkedHashSet<>(accepted);
            if (acceptedIds.size() != accepted.size()) {
                problems.add("the gateway gave the same id to two submissions");
            }
            for (String id : accepted) {
                List<Observed> terminal = terminalEvents(id);
                if (terminal.isEmpty()) {
                    problems.add(id + ": accepted but no terminal event (lost)");
                    continue;
                }
                JobEvent first = terminal.get(0).event();
                if (terminal.stream().anyMatch(o -> !o.event().equals(first))) {
                    problems.add(id + ": " + terminal.size() + " terminal events that differ (two outcomes): "
                            + terminal.stream().map(o -> o.event().type()).toList());
                }
                if (!(first instanceof TranslationSucceeded)) {
                    problems.add(id + ": ended " + first.type() + ", expected succeeded");
                }
            }
            events.forEach((id, observed) -> {
                if (!acceptedIds.contains(id) && observed.stream().anyMatch(Observed::terminal)) {
                    problems.add(id + ": a terminal event for a job that was never accepted");
                }
            });
            if (uncommitted != 0) {
                problems.add(uncommitted + " request(s) left uncommitted by the consumer group");
            }
            if (deadLetters != 0) {
                problems.add(deadLetters + " record(s) on the dead-letter topic");
            }
            for (String id : inFlightOn(drainedWorker, termAtMillis)) {
                boolean startedElsewhere = events.get(id).stream().anyMatch(o -> o.event() instanceof TranslationStarted s
                        && !s.worker().equals(drainedWorker) && o.timestamp() >= termAtMillis);
                if (startedElsewhere) {
                    problems.add(id + ": in flight on the drained worker " + drainedWorker
                            + " but started again elsewhere (the drain handed it back)");
                }
            }
            return problems;
        }
    }

    private final Options options;

    public ScaleOutBenchmark(Options options) {
        this.options = options;
    }

    @Override
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        Result result;
        try (LocalStack stack = Benchmark.startStack(settings, err)) {
            result = simulate(stack, err);
        }
        printReport(result, out);
        return result.violations().isEmpty() ? 0 : 1;
    }

    /**
     * Runs the scenario on a started local stack (its in-process worker is stopped at once: the
     * workers here are processes) and returns what it saw; the stack stays up for the caller to
     * inspect. Progress goes to {@code err}; worker logs to {@code <data-dir>/scaleout/<worker>.log}.
     */
    public Result simulate(LocalStack stack, PrintStream err) {
        // The in-process worker leaves the group before any job exists; the processes below take over.
        stack.workerContext().stop();
        Topics topics = Topics.withPrefix(stack.workerContext().getEnvironment()
                .getProperty("pitiserve.kafka.topic-prefix", "pitiserve."));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.kafkaBootstrapServers()));
             EventRecorder recorder = new EventRecorder(stack.kafkaBootstrapServers(), topics.events());
             Fleet fleet = new Fleet(stack, stack.settings().dataDir().resolve("scaleout"))) {
            recorder.start();
            return new Run(stack, admin, recorder, fleet, topics, err).play();
        }
    }

    /** The scenario itself, on a started stack. */
    private final class Run {

        private final LocalStack stack;
        private final Admin admin;
        private final EventRecorder recorder;
        private final Fleet fleet;
        private final Topics topics;
        private final PrintStream err;
        private final List<String> accepted = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean feeding = new AtomicBoolean(true);
        private final AtomicReference<RuntimeException> feedFailure = new AtomicReference<>();

        Run(LocalStack stack, Admin admin, EventRecorder recorder, Fleet fleet, Topics topics, PrintStream err) {
            this.stack = stack;
            this.admin = admin;
            this.recorder = recorder;
            this.fleet = fleet;
            this.topics = topics;
            this.err = err;
        }

        Result play() {
            int partitions = partitionCount(lane());
            Thread feeder = new Thread(() -> feed(options.queueDepth()), "scaleout-feeder");
            List<Phase> phases = new ArrayList<>();

            WorkerProcess w1 = fleet.start("w1", options);
            awaitGroup(Set.of(w1), partitions);
            feeder.start();
            err.println("w1 holds all " + partitions + " partitions; warming up ...");
            awaitFinished(recorder.finishedCount() + 2);
            phases.add(measure(1));

            WorkerProcess w2 = fleet.start("w2", options);
            awaitGroup(Set.of(w1, w2), partitions);
            phases.add(measure(2));

            WorkerProcess w3 = fleet.start("w3", options);
            awaitGroup(Set.of(w1, w2, w3), partitions);
            phases.add(measure(3));

            // Drain w2 while it runs a job: SIGTERM, as Kubernetes sends it.
            awaitBusy(w2);
            long termAt = System.currentTimeMillis();
            w2.terminate();
            int drainExit = w2.awaitExit(DRAIN_WAIT);
            long drainMillis = System.currentTimeMillis() - termAt;
            err.printf("w2 drained and exited (%d) %.1f s after SIGTERM%n", drainExit, drainMillis / 1000.0);

            // Kill w3 mid-job: no drain, no commit, no leave; its partitions move after the session timeout.
            awaitBusy(w3);
            long killAt = System.currentTimeMillis();
            w3.kill();
            err.println("w3 killed; waiting for its partitions to move to w1 ...");
            awaitGroup(Set.of(w1), partitions);
            feeding.set(false);
            joinQuietly(feeder);
            if (feedFailure.get() != null) {
                throw feedFailure.get();
            }
            List<String> submitted = List.copyOf(accepted);
            err.println("submitted " + submitted.size() + " jobs; waiting for all of them to end ...");
            await("every accepted job ends", Duration.ofMinutes(5),
                    () -> submitted.stream().allMatch(recorder::hasTerminal));
            w1.terminate();
            w1.awaitExit(DRAIN_WAIT);
            recorder.readToEnd(admin);
            return new Result(submitted, recorder.snapshot(), phases, w2.name(), w3.name(), drainMillis, drainExit,
                    termAt, killAt, uncommitted(), recordCount(topics.deadLetter()));
        }

        private void feed(int queueDepth) {
            byte[] mask = BundledModels.example("mask.png");
            PitiServeClient client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
            long seed = 0;
            try {
                while (feeding.get()) {
                    long queued = accepted.size() - recorder.finishedCount();
                    if (queued >= queueDepth) {
                        TimeUnit.MILLISECONDS.sleep(20);
                        continue;
                    }
                    accepted.add(client.submit(TranslationRequest.builder("mask").input(mask, "image/png")
                            .fileName("mask.png").baseSteps(options.baseSteps()).srSteps(options.srSteps())
                            .seed(seed++).build()).id());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                feedFailure.set(e);
            }
        }

        /** Jobs/s over the next {@code jobsPerPhase} jobs to finish. */
        private Phase measure(int workers) {
            long begin = System.nanoTime();
            long from = recorder.finishedCount();
            awaitFinished(from + options.jobsPerPhase());
            double seconds = (System.nanoTime() - begin) / 1e9;
            Phase phase = new Phase(workers, options.jobsPerPhase(), seconds);
            err.printf("%d worker(s): %d jobs in %.1f s = %.2f jobs/s%n", workers, phase.jobs(), seconds,
                    phase.jobsPerSecond());
            return phase;
        }

        private void awaitFinished(long count) {
            await(count + " jobs finished", Duration.ofMinutes(5), () -> recorder.finishedCount() >= count);
        }

        /** Until {@code worker} has started a job it has not finished: the stop then lands mid-job. */
        private void awaitBusy(WorkerProcess worker) {
            await(worker.name() + " busy", Duration.ofMinutes(2),
                    () -> !recorder.inFlightOn(worker.name()).isEmpty());
        }

        /** Until exactly {@code workers} hold all partitions between them, each at least one. */
        private void awaitGroup(Set<WorkerProcess> workers, int partitions) {
            Set<String> clients = workers.stream().map(WorkerProcess::clientId).collect(Collectors.toSet());
            await("group of " + clients, WORKER_START_TIMEOUT, () -> {
                for (WorkerProcess worker : fleet.all()) {
                    if (!worker.alive() && clients.contains(worker.clientId())) {
                        throw new IllegalStateException("worker " + worker.name() + " exited with "
                                + worker.exitCode() + "; see " + worker.log());
                    }
                }
                ConsumerGroupDescription group = describeGroup();
                if (group == null) {
                    return false;
                }
                Set<String> holders = new HashSet<>();
                int assigned = 0;
                for (MemberDescription member : group.members()) {
                    int count = member.assignment().topicPartitions().size();
                    if (count > 0) {
                        holders.add(member.clientId());
                        assigned += count;
                    }
                }
                return holders.equals(clients) && group.members().size() == clients.size() && assigned == partitions;
            });
        }

        private ConsumerGroupDescription describeGroup() {
            try {
                return admin.describeConsumerGroups(List.of(GROUP)).all().get(10, TimeUnit.SECONDS).get(GROUP);
            } catch (Exception e) {
                return null;
            }
        }

        private int partitionCount(String topic) {
            try {
                return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                        .partitions().size();
            } catch (Exception e) {
                throw new IllegalStateException("cannot describe topic " + topic + ": " + e, e);
            }
        }

        /** The request lane of the workers' model. */
        private String lane() {
            return topics.lane(options.modelDir() == null ? BundledModels.DEFAULT_MODEL
                    : io.pitiserve.worker.engine.PitiModel.readManifest(options.modelDir()).name());
        }

        /** Records of the model's request lane past the group's committed offsets. */
        private long uncommitted() {
            try {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
                        .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
                Map<TopicPartition, Long> ends = endOffsets(lane());
                long lag = 0;
                for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                    OffsetAndMetadata done = committed.get(end.getKey());
                    lag += end.getValue() - (done == null ? 0 : done.offset());
                }
                return lag;
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the group's offsets: " + e, e);
            }
        }

        private long recordCount(String topic) {
            return endOffsets(topic).values().stream().mapToLong(Long::longValue).sum();
        }

        private Map<TopicPartition, Long> endOffsets(String topic) {
            try {
                int partitions = partitionCount(topic);
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (int p = 0; p < partitions; p++) {
                    latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
                Map<TopicPartition, Long> ends = new HashMap<>();
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                        .forEach((partition, info) -> ends.put(partition, info.offset()));
                return ends;
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the end offsets of " + topic + ": " + e, e);
            }
        }
    }

    /** Polls {@code condition} every 20 ms until it holds; fails after {@code timeout}. */
    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for: " + what);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for: " + what, e);
            }
        }
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join(TimeUnit.MINUTES.toMillis(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The table and, as the last line, the JSON object. */
    public void printReport(Result result, PrintStream out) {
        List<String> violations = result.violations();
        out.printf("bench scaleout: worker processes (%s), base_steps %s, sr_steps %s, %d thread(s) each, %d CPU cores%n",
                options.modelDir() == null ? "bundled " + BundledModels.DEFAULT_MODEL : options.modelDir().getFileName(),
                options.baseSteps(), options.srSteps(), options.threads(), Runtime.getRuntime().availableProcessors());
        out.printf("%-10s %8s %10s %10s%n", "workers", "jobs", "seconds", "jobs/s");
        for (Phase phase : result.phases()) {
            out.printf("%-10d %8d %10.1f %10.2f%n", phase.workers(), phase.jobs(), phase.seconds(),
                    phase.jobsPerSecond());
        }
        out.printf("drain of %s after SIGTERM: %.1f s (exit code %d); %s killed with SIGKILL%n",
                result.drainedWorker(), result.drainMillis() / 1000.0, result.drainExitCode(), result.killedWorker());
        out.printf("accepted %d jobs; terminal events repeated (replays) for %d, jobs started twice %d; "
                        + "uncommitted %d, dead letters %d%n", result.accepted().size(), result.replayed(),
                result.restarted(), result.uncommitted(), result.deadLetters());
        out.println(violations.isEmpty() ? "every accepted job ended in exactly one terminal outcome"
                : "VIOLATIONS: " + violations);
        ObjectNode json = JSON.createObjectNode().put("bench", "scaleout")
                .put("base_steps", options.baseSteps()).put("sr_steps", options.srSteps())
                .put("threads_per_worker", options.threads())
                .put("cpu_cores", Runtime.getRuntime().availableProcessors());
        ArrayNode phases = json.putArray("phases");
        Map<Integer, Double> byWorkers = new TreeMap<>();
        for (Phase phase : result.phases()) {
            phases.addObject().put("workers", phase.workers()).put("jobs", phase.jobs())
                    .put("seconds", Math.round(phase.seconds() * 10) / 10.0)
                    .put("jobs_per_s", Math.round(phase.jobsPerSecond() * 100) / 100.0);
            byWorkers.put(phase.workers(), phase.jobsPerSecond());
        }
        byWorkers.forEach((workers, rate) -> json.put("jobs_per_s_" + workers, Math.round(rate * 100) / 100.0));
        json.put("drain_s", Math.round(result.drainMillis() / 100.0) / 10.0)
                .put("drain_exit_code", result.drainExitCode())
                .put("accepted", result.accepted().size())
                .put("replayed", result.replayed())
                .put("restarted", result.restarted())
                .put("violations", violations.size());
        Benchmark.printJson(json, out);
    }

    /** The worker processes of one run; closing kills whatever is still running. */
    public static final class Fleet implements AutoCloseable {

        private final Map<String, String> stackProperties;
        private final Path logDir;
        private final Map<String, WorkerProcess> workers = new LinkedHashMap<>();

        public Fleet(LocalStack stack, Path logDir) {
            this(stackWorkerProperties(stack), logDir);
        }

        /** Workers that reach the broker and the S3 server as {@code stackProperties} say (bootstrap servers, S3 endpoint ...). */
        public Fleet(Map<String, String> stackProperties, Path logDir) {
            this.stackProperties = Map.copyOf(stackProperties);
            this.logDir = logDir;
        }

        WorkerProcess start(String name, Options options) {
            return start(name, options, Map.of());
        }

        /**
         * Starts worker {@code name} configured like the stack's own, with {@code overrides} on top (for
         * instance {@code pitiserve.worker.models}, which replaces the options' model directory).
         */
        public WorkerProcess start(String name, Options options, Map<String, String> overrides) {
            WorkerProcess worker = WorkerProcess.start(name, command(name, options, overrides),
                    logDir.resolve(name + ".log"));
            workers.put(name, worker);
            return worker;
        }

        Collection<WorkerProcess> all() {
            return workers.values();
        }

        /** {@code java -jar pitiserve-worker.jar serve} configured like the stack's own worker. */
        private List<String> command(String name, Options options, Map<String, String> overrides) {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx384m", "-XX:+UseSerialGC", "-jar", options.workerJar().toString(), "serve"));
            Map<String, String> props = new LinkedHashMap<>(stackProperties);
            // The topics exist (the stack made them); a worker must never re-partition them.
            props.put("pitiserve.kafka.create-topics", "false");
            props.put("pitiserve.worker.id", name);
            // Any free port for a management server, should serve run one: three workers share this host.
            props.put("server.port", "0");
            // Tomcat's files with the run's logs, not in /tmp, where a killed worker would leave them.
            props.put("server.tomcat.basedir", logDir.resolve("tomcat-" + name).toString());
            props.put("pitiserve.worker.threads", String.valueOf(options.threads()));
            props.put("pitiserve.worker.concurrency", "1");
            props.put("pitiserve.worker.drain-timeout", options.drainTimeout().toSeconds() + "s");
            props.put("pitiserve.worker.model-cache-dir", logDir.resolve("models").toString());
            if (options.modelDir() != null && !overrides.containsKey("pitiserve.worker.models")) {
                props.put("pitiserve.worker.model-dir", options.modelDir().toString());
            }
            props.put("spring.kafka.consumer.client-id", clientId(name));
            props.put("spring.kafka.consumer.properties.session.timeout.ms",
                    String.valueOf(options.sessionTimeout().toMillis()));
            props.put("spring.kafka.consumer.properties.heartbeat.interval.ms",
                    String.valueOf(Math.max(500, options.sessionTimeout().toMillis() / 4)));
            props.putAll(overrides);
            props.forEach((key, value) -> command.add("--" + key + "=" + value));
            return command;
        }

        /** How the stack's own worker reaches the broker and the S3 server. */
        private static Map<String, String> stackWorkerProperties(LocalStack stack) {
            Map<String, String> values = new LinkedHashMap<>();
            var environment = stack.workerContext().getEnvironment();
            for (String key : List.of("spring.kafka.bootstrap-servers", "pitiserve.kafka.topic-prefix",
                    "pitiserve.kafka.request-partitions", "pitiserve.kafka.event-partitions",
                    "pitiserve.kafka.control-partitions", "pitiserve.s3.endpoint", "pitiserve.s3.region",
                    "pitiserve.s3.bucket", "pitiserve.s3.access-key", "pitiserve.s3.secret-key",
                    "pitiserve.s3.path-style")) {
                String value = environment.getProperty(key);
                if (value != null) {
                    values.put(key, value);
                }
            }
            return values;
        }

        static String clientId(String name) {
            return "pitiserve-scaleout-" + name;
        }

        @Override
        public void close() {
            for (WorkerProcess worker : workers.values()) {
                if (worker.alive()) {
                    worker.kill();
                }
            }
        }
    }

    /** One {@code pitiserve-worker.jar serve} process; stdout and stderr go to its log file. */
    public static final class WorkerProcess {

        private final String name;
        private final Process process;
        private final Path log;

        private WorkerProcess(String name, Process process, Path log) {
            this.name = name;
            this.process = process;
            this.log = log;
        }

        static WorkerProcess start(String name, List<String> command, Path log) {
            return start(name, command, Map.of(), log);
        }

        /** Starts {@code command} with {@code env} added to this process's environment. */
        static WorkerProcess start(String name, List<String> command, Map<String, String> env, Path log) {
            try {
                Files.createDirectories(log.getParent());
                ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                builder.environment().putAll(env);
                Process process = builder.start();
                return new WorkerProcess(name, process, log);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start worker " + name + ": " + command, e);
            }
        }

        String name() {
            return name;
        }

        String clientId() {
            return Fleet.clientId(name);
        }

        public Path log() {
            return log;
        }

        public boolean alive() {
            return process.isAlive();
        }

        long pid() {
            return process.pid();
        }

        int exitCode() {
            return process.isAlive() ? -1 : process.exitValue();
        }

        /** SIGTERM: the JVM runs its shutdown hooks, the worker stops polling and drains. */
        public void terminate() {
            process.destroy();
        }

        /** SIGKILL: nothing runs any more, nothing is committed. */
        void kill() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        public int awaitExit(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("worker " + name + " did not exit within " + timeout.toSeconds()
                            + " s of SIGTERM; see " + log);
                }
                return process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** Reads the whole events topic from the beginning on its own thread and keeps every event per job. */
    static final class EventRecorder implements AutoCloseable {

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String topic;
        private final EventCodec codec = new EventCodec("/pitiserve/bench/scaleout");
        private final Map<String, List<Observed>> events = new ConcurrentHashMap<>();
        private final Set<String> finished = ConcurrentHashMap.newKeySet();
        private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile List<TopicPartition> partitions = List.of();
        private volatile boolean running = true;

        EventRecorder(String bootstrapServers, String topic) {
            this.topic = topic;
            this.consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 20,
                    ConsumerConfig.CLIENT_ID_CONFIG, "pitiserve-scaleout-recorder"));
            this.thread = new Thread(this::loop, "scaleout-event-recorder");
            this.thread.setDaemon(true);
        }

        void start() {
            partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            thread.start();
        }

        private void loop() {
            try {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        accept(record);
                        positions.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                    }
                }
            } catch (WakeupException e) {
                // closing
            }
        }

        private void accept(ConsumerRecord<byte[], byte[]> record) {
            Map<String, byte[]> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), header.value());
            }
            try {
                JobEvent event = codec.decode(record.value(), headers);
                Observed observed = new Observed(event, record.timestamp());
                events.computeIfAbsent(event.jobId(), id -> Collections.synchronizedList(new ArrayList<>()))
                        .add(observed);
                if (observed.terminal()) {
                    finished.add(event.jobId());
                }
            } catch (UnreadableEventException e) {
                throw new IllegalStateException("unreadable record on " + topic + " at " + record.partition() + "@"
                        + record.offset() + ": " + e.getMessage(), e);
            }
        }

        long finishedCount() {
            return finished.size();
        }

        boolean hasTerminal(String jobId) {
            return finished.contains(jobId);
        }

        /** Jobs the worker started that have no terminal event yet. */
        Set<String> inFlightOn(String worker) {
            Set<String> jobs = new LinkedHashSet<>();
            events.forEach((jobId, observed) -> {
                if (finished.contains(jobId)) {
                    return;
                }
                synchronized (observed) {
                    if (observed.stream().anyMatch(o -> o.event() instanceof TranslationStarted s
                            && s.worker().equals(worker))) {
                        jobs.add(jobId);
                    }
                }
            });
            return jobs;
        }

        /** Until everything on the topic now has been read. */
        void readToEnd(Admin admin) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (TopicPartition partition : partitions) {
                latest.put(partition, OffsetSpec.latest());
            }
            Map<TopicPartition, Long> ends = new HashMap<>();
            try {
                admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS)
                        .forEach((partition, info) -> ends.put(partition, info.offset()));
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the end offsets of " + topic + ": " + e, e);
            }
            await("the events topic read to its end", Duration.ofMinutes(1), () -> ends.entrySet().stream()
                    .allMatch(end -> end.getValue() == 0 || positions.getOrDefault(end.getKey(), 0L) >= end.getValue()));
        }

        Map<String, List<Observed>> snapshot() {
            Map<String, List<Observed>> copy = new HashMap<>();
            events.forEach((jobId, observed) -> {
                synchronized (observed) {
                    copy.put(jobId, List.copyOf(observed));
                }
            });
            return copy;
        }

        @Override
        public void close() {
            running = false;
            consumer.wakeup();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            consumer.close(Duration.ofSeconds(5));
        }
    }
}
