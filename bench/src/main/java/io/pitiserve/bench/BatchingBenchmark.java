package io.pitiserve.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import ai.djl.ndarray.NDManager;
import io.pitiserve.worker.engine.CallShape;
import io.pitiserve.worker.engine.DenoisingStep;
import io.pitiserve.worker.engine.EngineJob;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Sampler;
import io.pitiserve.worker.engine.Stage;
import io.pitiserve.worker.engine.StageKind;
import io.pitiserve.worker.engine.Trajectory;
import io.pitiserve.worker.engine.TranslationEngine;
import io.pitiserve.worker.engine.TranslationRequest;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.models.BundledModels;
import io.pitiserve.worker.scheduler.JobSpec;
import io.pitiserve.worker.scheduler.SchedulerSettings;
import io.pitiserve.worker.scheduler.StageLimits;
import io.pitiserve.worker.scheduler.StagePolicy;
import io.pitiserve.worker.scheduler.StepScheduler;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench batching}: the worker's engine in this process (no Kafka, no S3), the same jobs
 * offered at several loads to four ways of running them:
 * <ul>
 * <li>{@code sequential}: one job at a time;</li>
 * <li>{@code request}: request-level batching, fixed batches of up to {@code --request-batch} jobs
 *     collected for at most {@code --batch-wait-ms}, run together through both stages, all results
 *     returned when the batch is done; its decoder calls have the scheduler's rows per call (or, with
 *     {@code --request-calls whole}, one call per step for the whole batch);</li>
 * <li>{@code continuous}: the step scheduler (step-level continuous batching, throughput policy);</li>
 * <li>{@code latency}: the step scheduler with the latency policy.</li>
 * </ul>
 * Every mode has the same thread budget ({@code --threads}, default: the machine's cores): the two
 * one-job-at-a-time baselines run their decoder calls with as many PyTorch intra-op threads as the
 * probe found fastest for a whole job (1 or the budget); the scheduler runs its decoder calls on as
 * many compute threads as the budget, shared by both stages, one intra-op thread each. A probe first measures decoder calls of 1, 2 and 4 rows per stage, alone and with
 * both stages' calls running at once, so the table can be read against what the CPU gives.
 *
 * <p>A load of N is N clients in a closed loop: all N submit at once (the burst), then each waits an
 * exponential pause (Poisson arrivals, mean {@code --think-ms}) after its result before the next job.
 * Each run also reports the process's CPU time per job, the cores it kept busy, the cores other
 * processes took meanwhile (from /proc/stat) and the share of time in garbage collection, so a run
 * slowed down by a busy machine shows it. Prints a table and, last, one JSON line with the speed-ups
 * at {@code --headline} concurrent jobs.
 */
public final class BatchingBenchmark {

    static final double SPEEDUP_GOAL = 1.5;
    public static final List<String> ALL_MODES = List.of("sequential", "request", "continuous", "latency");

    /**
     * @param model        model directory, null for the bundled tiny model
     * @param threads      thread budget of every mode (PyTorch intra-op threads in all)
     * @param levels       concurrent jobs offered, one run per level and mode
     * @param jobs         jobs per run for each level, null for the default ({@link #jobsAt(int)})
     * @param minJobs      jobs per run at least when {@code jobs} is null
     * @param thinkMs      mean pause of a client between its result and its next job
     * @param baseSteps    base respacing of every job
     * @param srSteps      upsampler respacing of every job
     * @param requestBatch most jobs of a request-level batch
     * @param wholeCalls   request-level batches run each step as one decoder call (else the scheduler's call rows)
     * @param batchWaitMs  longest wait for a request-level batch to fill
     * @param maxJobs      jobs admitted at once by the step scheduler
     * @param baseRows     base rows per step, rows per decoder call (scheduler)
     * @param srRows       upsampler rows per step, rows per decoder call (scheduler)
     * @param modes        which modes run
     * @param headline     the load whose speed-ups go into the JSON line
     * @param seed         arrivals and job seeds
     */
    public record Options(Path model, int threads, List<Integer> levels, List<Integer> jobs, int minJobs, int thinkMs,
                          String baseSteps, String srSteps, int requestBatch, boolean wholeCalls, int batchWaitMs,
                          int maxJobs, StageLimits baseRows, StageLimits srRows, List<String> modes, int headline,
                          long seed) {
        public Options {
            require(threads >= 1, "--threads must be at least 1, got " + threads);
            require(levels != null && !levels.isEmpty() && levels.stream().allMatch(l -> l >= 1),
                    "--levels must be positive integers, got " + levels);
            require(jobs == null || (jobs.size() == levels.size() && jobs.stream().allMatch(j -> j >= 1)),
                    "--jobs must give one positive number of jobs per level of " + levels + ", got " + jobs);
            require(minJobs >= 1, "--min-jobs must be at least 1, got " + minJobs);
            require(thinkMs >= 0, "--think-ms must not be negative, got " + thinkMs);
            require(requestBatch >= 1, "--request-batch must be at least 1, got " + requestBatch);
            require(batchWaitMs >= 0, "--batch-wait-ms must not be negative, got " + batchWaitMs);
            require(maxJobs >= 1, "--max-jobs must be at least 1, got " + maxJobs);
            require(modes != null && !modes.isEmpty() && ALL_MODES.containsAll(modes),
                    "--modes must be some of " + ALL_MODES + ", got " + modes);
            require(levels.contains(headline), "--headline " + headline + " must be one of --levels " + levels);
            levels = List.copyOf(levels);
            jobs = jobs == null ? null : List.copyOf(jobs);
            modes = List.copyOf(modes);
        }

        /**
         * Jobs of a run at {@code level}: as given by {@code --jobs}, else a burst of {@code level} jobs
         * followed by Poisson arrivals - as many again up to 4 clients, half as many up to 16, none above
         * (the burst alone) - and at least {@code minJobs}: 4, 8, 24 and 64 jobs at 1, 4, 16 and 64.
         */
        public int jobsAt(int level) {
            if (jobs != null) {
                return jobs.get(levels.indexOf(level));
            }
            int planned = level <= 4 ? 2 * level : level <= 16 ? level + level / 2 : level;
            return Math.max(minJobs, planned);
        }

        /** Parses "16,2" (rows per step, rows per call). */
        public static StageLimits limits(String option, String value) {
            String[] parts = value.split(",");
            try {
                require(parts.length == 2, option + " needs ROWS,CALL_ROWS, got '" + value + "'");
                return new StageLimits(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs two integers ROWS,CALL_ROWS, got '" + value + "'");
            }
        }

        /** Parses "1,4,16". */
        public static List<Integer> integers(String option, String value) {
            List<Integer> list = new ArrayList<>();
            for (String part : value.split(",")) {
                try {
                    list.add(Integer.parseInt(part.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(option + " needs integers separated by commas, got '" + value
                            + "'");
                }
            }
            return list;
        }
    }

    /** One run: a mode at a load, with what the process and the machine spent on it. */
    record Run(String mode, int level, int jobs, double seconds, Percentiles latency, double rowsPerCall,
               double rowsPerStep, int threads, Usage usage) {
        double jobsPerSecond() {
            return jobs / seconds;
        }
    }

    /**
     * CPU and memory of a run: process CPU seconds per job, cores the process kept busy, cores other
     * processes took (NaN where /proc/stat is not readable), share of wall time in GC pauses, resident
     * memory at the end.
     */
    record Usage(double cpuSecondsPerJob, double cores, double otherCores, double gcShare, double rssMegabytes) {
    }

    /** The mean cost of a decoder call of {@code rows} rows of {@code stage} with {@code threads} intra-op threads. */
    record CallCost(StageKind stage, int rows, int threads, boolean together, double msPerCall) {
        double msPerRow() {
            return msPerCall / rows;
        }
    }

    /** Runs jobs one way; {@link #close()} waits for nothing left. */
    private interface Runner extends AutoCloseable {
        CompletableFuture<TranslationResult> submit(TranslationRequest request);

        double rowsPerCall();

        double rowsPerStep();

        @Override
        void close();
    }

    private final Options options;

    public BatchingBenchmark(Options options) {
        this.options = options;
    }

    public int run(PrintStream out, PrintStream err) {
        System.setProperty("ai.djl.pytorch.num_threads", "1");
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Path directory = options.model() != null ? options.model()
                : BundledModels.extract(BundledModels.TINY_MODEL, BundledModels.defaultCacheRoot());
        try (PitiModel model = PitiModel.load(directory, new EngineOptions("cpu", true))) {
            if (model.singlePass()) {
                throw new IllegalArgumentException("bench batching batches diffusion steps; "
                        + model.manifest().name() + " is a single-pass model");
            }
            TranslationEngine engine = new TranslationEngine(model);
            double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            err.printf(Locale.ROOT, "model %s, thread budget %d, base %s, upsampler %s, load average %.2f; probing"
                            + " decoder calls ...%n", model.manifest().name(), options.threads(), options.baseSteps(),
                    options.srSteps(), loadBefore);
            engine.translate(request(model, 0));
            List<CallCost> costs = probeCalls(model);
            Map<Integer, Double> jobMs = probeJobs(engine, model);
            int baselineThreads = jobMs.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
            int laneThreads = 1;
            printProbe(costs, jobMs, baselineThreads, laneThreads, out);
            List<Run> runs = new ArrayList<>();
            out.printf("%-11s %4s %5s %7s %8s %8s %5s %5s %4s %7s %5s %6s %4s %6s%n", "mode", "conc", "jobs",
                    "jobs/s", "p50 ms", "p99 ms", "r/cll", "r/stp", "thr", "cpu/job", "cores", "others", "gc%",
                    "rss MB");
            for (String mode : options.modes()) {
                for (int level : options.levels()) {
                    int jobs = options.jobsAt(level);
                    int threads = mode.equals("sequential") || mode.equals("request") ? baselineThreads : laneThreads;
                    err.printf("%s at %d concurrent (%d jobs, %d intra-op thread(s) per %s) ...%n", mode, level, jobs,
                            threads, mode.equals("sequential") || mode.equals("request") ? "call"
                                    : "compute thread, " + options.threads() + " compute threads");
                    setIntraOpThreads(threads);
                    try (Runner runner = runner(mode, model, engine)) {
                        Run run = measure(mode, level, jobs, threads, model, runner);
                        runs.add(run);
                        Usage usage = run.usage();
                        out.printf(Locale.ROOT, "%-11s %4d %5d %7.3f %8.1f %8.1f %5.2f %5.2f %4d %7.3f %5.2f %6.2f"
                                        + " %4.1f %6.0f%n", run.mode(), run.level(), run.jobs(), run.jobsPerSecond(),
                                run.latency().p50(), run.latency().p99(), run.rowsPerCall(), run.rowsPerStep(),
                                run.threads(), usage.cpuSecondsPerJob(), usage.cores(), usage.otherCores(),
                                100 * usage.gcShare(), usage.rssMegabytes());
                        out.flush();
                    }
                }
            }
            double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            print(runs, costs, baselineThreads, laneThreads, loadBefore, loadAfter, model, out);
        }
        return 0;
    }

    /**
     * Mean decoder call cost per stage at 1, 2 and 4 rows (padded calls of one job's rows), with one
     * intra-op thread and with the whole budget; then the scheduler's two lanes' calls (base at its
     * call rows, upsampler at its) at once, one intra-op thread each.
     */
    private List<CallCost> probeCalls(PitiModel model) {
        List<CallCost> costs = new ArrayList<>();
        List<Integer> threadCounts = options.threads() == 1 ? List.of(1) : List.of(1, options.threads());
        for (StageKind stage : StageKind.values()) {
            try (Probe probe = new Probe(model, stage)) {
                for (int threads : threadCounts) {
                    setIntraOpThreads(threads);
                    for (int rows : List.of(1, 2, 4)) {
                        costs.add(new CallCost(stage, rows, threads, false, probe.msPerCall(rows, 4)));
                    }
                }
            }
        }
        setIntraOpThreads(1);
        int baseRows = options.baseRows().callRows();
        int srRows = options.srRows().callRows();
        try (Probe base = new Probe(model, StageKind.BASE); Probe upsampler = new Probe(model, StageKind.UPSAMPLER)) {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            CompletableFuture<Double> baseCost = CompletableFuture.supplyAsync(() -> base.msPerCallUntil(baseRows, until),
                    command -> daemon(command, "bench-probe-base").start());
            CompletableFuture<Double> srCost = CompletableFuture.supplyAsync(() -> upsampler.msPerCallUntil(srRows, until),
                    command -> daemon(command, "bench-probe-upsampler").start());
            costs.add(new CallCost(StageKind.BASE, baseRows, 1, true, baseCost.join()));
            costs.add(new CallCost(StageKind.UPSAMPLER, srRows, 1, true, srCost.join()));
        }
        return costs;
    }

    /** Wall time of one whole job (the sequential path) with 1 intra-op thread and with the budget, best of two. */
    private Map<Integer, Double> probeJobs(TranslationEngine engine, PitiModel model) {
        Map<Integer, Double> jobMs = new LinkedHashMap<>();
        for (int threads : options.threads() == 1 ? List.of(1) : List.of(1, options.threads())) {
            setIntraOpThreads(threads);
            double best = Double.MAX_VALUE;
            for (int k = 0; k < 2; k++) {
                long started = System.nanoTime();
                engine.translate(request(model, 1000 + k));
                best = Math.min(best, (System.nanoTime() - started) / 1e6);
            }
            jobMs.put(threads, best);
        }
        return jobMs;
    }

    /** One job's trajectories of one stage, stepped with chosen call shapes to time the decoder. */
    private final class Probe implements AutoCloseable {
        private final EngineJob job;
        private final Stage stage;
        private final NDManager steps;
        private List<Trajectory> group;

        Probe(PitiModel model, StageKind kind) {
            TranslationRequest template = request(model, 77);
            String baseSteps = kind == StageKind.BASE ? "60" : "1";
            String srSteps = kind == StageKind.BASE ? "1" : "60";
            this.job = EngineJob.prepare(model, new TranslationRequest(template.ref(), template.channels(),
                    template.size(), 1, 77, baseSteps, srSteps, template.sampler(), template.guidance(), null, false));
            this.stage = model.stage(kind);
            this.steps = NDManager.newBaseManager(model.device());
            this.group = job.startBase();
            if (kind == StageKind.UPSAMPLER) {
                while (!group.get(0).finished()) {
                    DenoisingStep.run(model.base(), group, steps);
                }
                group = job.startUpsampler(group);
            }
        }

        /** Mean ms per call over {@code count} steps (after one untimed) in calls padded to {@code rows}. */
        double msPerCall(int rows, int count) {
            CallShape shape = new CallShape(rows, true, 0);
            step(shape);
            long nanos = 0;
            int calls = 0;
            for (int k = 0; k < count && !group.get(0).finished(); k++) {
                DenoisingStep.Timing timing = step(shape);
                nanos += timing.forwardNanos();
                calls += timing.calls();
            }
            return calls == 0 ? Double.NaN : nanos / 1e6 / calls;
        }

        /** As {@link #msPerCall(int, int)}, stepping until {@code until} (System.nanoTime). */
        double msPerCallUntil(int rows, long until) {
            CallShape shape = new CallShape(rows, true, 0);
            long nanos = 0;
            int calls = 0;
            while (System.nanoTime() < until && !group.get(0).finished()) {
                DenoisingStep.Timing timing = step(shape);
                nanos += timing.forwardNanos();
                calls += timing.calls();
            }
            return calls == 0 ? Double.NaN : nanos / 1e6 / calls;
        }

        private DenoisingStep.Timing step(CallShape shape) {
            return DenoisingStep.run(stage, group, steps, shape);
        }

        @Override
        public void close() {
            steps.close();
            job.close();
        }
    }

    private void printProbe(List<CallCost> costs, Map<Integer, Double> jobMs, int baselineThreads, int laneThreads,
                            PrintStream out) {
        out.println("decoder call cost, ms per call (ms per row), padded calls of one job's rows:");
        for (CallCost cost : costs) {
            if (!cost.together()) {
                out.printf(Locale.ROOT, "  %-9s %d row(s) %d thread(s)  %7.2f (%6.2f)%n", cost.stage().label(),
                        cost.rows(), cost.threads(), cost.msPerCall(), cost.msPerRow());
            }
        }
        for (CallCost cost : costs) {
            if (cost.together()) {
                double alone = costs.stream().filter(c -> !c.together() && c.stage() == cost.stage()
                        && c.rows() == cost.rows() && c.threads() == 1).mapToDouble(CallCost::msPerCall).findFirst()
                        .orElse(Double.NaN);
                out.printf(Locale.ROOT, "  %-9s %d row(s) 1 thread, both stages at once  %7.2f (alone %.2f, %.2fx)%n",
                        cost.stage().label(), cost.rows(), cost.msPerCall(), alone, cost.msPerCall() / alone);
            }
        }
        jobMs.forEach((threads, ms) -> out.printf(Locale.ROOT, "one whole job, %d intra-op thread(s): %.1f ms%n",
                threads, ms));
        out.printf("sequential and request run with %d intra-op thread(s) per call (the faster), continuous and "
                + "latency on %d compute thread(s) with %d each%n", baselineThreads, options.threads(), laneThreads);
    }

    private Runner runner(String mode, PitiModel model, TranslationEngine engine) {
        return switch (mode) {
            case "sequential" -> new Sequential(engine, model);
            case "request" -> new RequestBatches(engine, model);
            case "continuous" -> new Continuous(model, StagePolicy.THROUGHPUT);
            case "latency" -> new Continuous(model, StagePolicy.LATENCY);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    private Run measure(String mode, int level, int jobs, int threads, PitiModel model, Runner runner) {
        Random arrivals = new Random(options.seed() + level);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong next = new AtomicLong();
        ExecutorService clients = Executors.newFixedThreadPool(level, r -> daemon(r, "bench-client"));
        double[][] pauses = new double[level][];
        for (int c = 0; c < level; c++) {
            pauses[c] = new double[jobs];
            for (int k = 0; k < jobs; k++) {
                pauses[c][k] = -Math.log(1 - arrivals.nextDouble()) * options.thinkMs();
            }
        }
        System.gc();
        Meter meter = Meter.start();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int c = 0; c < level; c++) {
            int client = c;
            done.add(CompletableFuture.runAsync(() -> {
                int round = 0;
                while (true) {
                    long index = next.getAndIncrement();
                    if (index >= jobs) {
                        return;
                    }
                    if (round > 0) {
                        pause(pauses[client][round]);
                    }
                    round++;
                    long submitted = System.nanoTime();
                    runner.submit(request(model, 1 + index)).join();
                    latencies.add((System.nanoTime() - submitted) / 1e6);
                }
            }, clients));
        }
        done.forEach(CompletableFuture::join);
        Meter.Reading reading = meter.stop(jobs);
        clients.shutdownNow();
        return new Run(mode, level, jobs, reading.seconds(), Percentiles.of(latencies), runner.rowsPerCall(),
                runner.rowsPerStep(), threads, reading.usage());
    }

    /** Wall, process CPU, machine CPU and GC time from the start of a run. */
    private record Meter(long startWall, long startCpu, long startBusy, long startGc) {

        record Reading(double seconds, Usage usage) {
        }

        static Meter start() {
            return new Meter(System.nanoTime(), processCpuNanos(), machineBusyTicks(), gcMillis());
        }

        Reading stop(int jobs) {
            double seconds = (System.nanoTime() - startWall) / 1e9;
            double cpu = (processCpuNanos() - startCpu) / 1e9;
            long busyTicks = machineBusyTicks();
            // /proc/stat counts in USER_HZ ticks, 100 per second on Linux.
            double others = busyTicks < 0 || startBusy < 0 ? Double.NaN
                    : Math.max(0, (busyTicks - startBusy) / 100.0 - cpu) / seconds;
            double gc = (gcMillis() - startGc) / 1e3 / seconds;
            return new Reading(seconds, new Usage(cpu / jobs, cpu / seconds, others, gc, rssMegabytes()));
        }

        private static long processCpuNanos() {
            return ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os ? os.getProcessCpuTime() : 0;
        }

        private static long gcMillis() {
            long total = 0;
            for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
                total += Math.max(0, collector.getCollectionTime());
            }
            return total;
        }

        /** Busy ticks of all CPUs (everything but idle and iowait) from /proc/stat; -1 where unreadable. */
        private static long machineBusyTicks() {
            try {
                String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long busy = 0;
                for (int k = 1; k < fields.length && k <= 8; k++) {
                    if (k != 4 && k != 5) {
                        busy += Long.parseLong(fields[k]);
                    }
                }
                return busy;
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        private static double rssMegabytes() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                    }
                }
            } catch (IOException | RuntimeException e) {
                return Double.NaN;
            }
            return Double.NaN;
        }
    }

    /**
     * Sets PyTorch's intra-op threads for the calling thread and for threads that make their first
     * call after this (the engine's JNI utility; the bench reaches it by name, as the PyTorch engine
     * is a runtime dependency of the worker).
     */
    private static void setIntraOpThreads(int threads) {
        try {
            Class.forName("ai.djl.pytorch.jni.JniUtils").getMethod("setNumThreads", int.class).invoke(null, threads);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot set PyTorch's intra-op threads: " + e, e);
        }
    }

    private static Thread daemon(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    private static void pause(double millis) {
        try {
            TimeUnit.MICROSECONDS.sleep((long) (millis * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private TranslationRequest request(PitiModel model, long seed) {
        int channels = model.manifest().input().channels();
        int size = model.manifest().input().size();
        float[] ref = new float[channels * size * size];
        Random random = new Random(seed);
        for (int k = 0; k < ref.length; k++) {
            ref[k] = random.nextInt(4) / 1.5f - 1;
        }
        return new TranslationRequest(ref, channels, size, 1, seed, options.baseSteps(), options.srSteps(),
                new Sampler.Ddpm(), new Guidance(Guidance.Mode.CFG, model.manifest().guidance().scale()), null, false);
    }

    /** Rows per decoder call of a group of {@code jobs} one-sample jobs run together (guided base). */
    private static double[] rowsOfGroup(PitiModel model, int jobs, TranslationRequest request) {
        int baseSteps = model.base().schedule(request.baseRespacing()).length();
        int srSteps = model.upsampler().schedule(request.srRespacing()).length();
        double rows = 2.0 * jobs * baseSteps + (double) jobs * srSteps;
        return new double[]{rows, baseSteps + srSteps};
    }

    /** Decoder calls of a group of {@code jobs} one-sample jobs cut into the scheduler's call rows. */
    private double callsOfGroup(PitiModel model, int jobs, TranslationRequest request) {
        int baseSteps = model.base().schedule(request.baseRespacing()).length();
        int srSteps = model.upsampler().schedule(request.srRespacing()).length();
        int baseCalls = (2 * jobs + options.baseRows().callRows() - 1) / options.baseRows().callRows();
        int srCalls = (jobs + options.srRows().callRows() - 1) / options.srRows().callRows();
        return (double) baseCalls * baseSteps + (double) srCalls * srSteps;
    }

    private final class Sequential implements Runner {
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final TranslationEngine engine;
        private final PitiModel model;

        Sequential(TranslationEngine engine, PitiModel model) {
            this.engine = engine;
            this.model = model;
        }

        @Override
        public CompletableFuture<TranslationResult> submit(TranslationRequest request) {
            return CompletableFuture.supplyAsync(() -> engine.translate(request), thread);
        }

        @Override
        public double rowsPerCall() {
            double[] group = rowsOfGroup(model, 1, request(model, 0));
            return group[0] / group[1];
        }

        @Override
        public double rowsPerStep() {
            return rowsPerCall();
        }

        @Override
        public void close() {
            thread.shutdownNow();
        }
    }

    private final class RequestBatches implements Runner {
        private record Pending(TranslationRequest request, CompletableFuture<TranslationResult> result) {
        }

        private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
        private final Thread dispatcher;
        private final TranslationEngine engine;
        private final PitiModel model;
        private double rows;
        private double steps;
        private double calls;
        private volatile boolean open = true;

        RequestBatches(TranslationEngine engine, PitiModel model) {
            this.engine = engine;
            this.model = model;
            this.dispatcher = new Thread(this::dispatch, "bench-request-batches");
            dispatcher.setDaemon(true);
            dispatcher.start();
        }

        @Override
        public CompletableFuture<TranslationResult> submit(TranslationRequest request) {
            Pending pending = new Pending(request, new CompletableFuture<>());
            queue.add(pending);
            return pending.result();
        }

        private void dispatch() {
            try {
                while (open) {
                    Pending first = queue.poll(50, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    List<Pending> batch = new ArrayList<>(List.of(first));
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(options.batchWaitMs());
                    while (batch.size() < options.requestBatch()) {
                        Pending more = queue.poll(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                        if (more == null) {
                            break;
                        }
                        batch.add(more);
                    }
                    List<TranslationResult> results = engine.translateTogether(
                            batch.stream().map(Pending::request).toList(),
                            options.wholeCalls() ? CallShape.ONE_CALL
                                    : new CallShape(options.baseRows().callRows(), true, 0),
                            options.wholeCalls() ? CallShape.ONE_CALL
                                    : new CallShape(options.srRows().callRows(), true, 0));
                    double[] group = rowsOfGroup(model, batch.size(), first.request());
                    rows += group[0];
                    steps += group[1];
                    calls += options.wholeCalls() ? group[1] : callsOfGroup(model, batch.size(), first.request());
                    for (int k = 0; k < batch.size(); k++) {
                        batch.get(k).result().complete(results.get(k));
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public double rowsPerCall() {
            return calls == 0 ? 0 : rows / calls;
        }

        @Override
        public double rowsPerStep() {
            return steps == 0 ? 0 : rows / steps;
        }

        @Override
        public void close() {
            open = false;
            try {
                dispatcher.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final class Continuous implements Runner {
        private final StepScheduler scheduler;
        private final PitiModel model;

        Continuous(PitiModel model, StagePolicy policy) {
            this.model = model;
            this.scheduler = new StepScheduler(new SchedulerSettings(options.maxJobs(), options.baseRows(),
                    options.srRows(), policy, true, 0, Map.of(), options.threads()));
        }

        @Override
        public CompletableFuture<TranslationResult> submit(TranslationRequest request) {
            return scheduler.submit(JobSpec.of("bench-" + request.seed(), "bench", model, request));
        }

        @Override
        public double rowsPerCall() {
            StepScheduler.Stats stats = scheduler.stats();
            long calls = stats.base().calls() + stats.upsampler().calls();
            return calls == 0 ? 0 : (double) (stats.base().rows() + stats.upsampler().rows()) / calls;
        }

        @Override
        public double rowsPerStep() {
            StepScheduler.Stats stats = scheduler.stats();
            long steps = stats.base().steps() + stats.upsampler().steps();
            return steps == 0 ? 0 : (double) (stats.base().rows() + stats.upsampler().rows()) / steps;
        }

        @Override
        public void close() {
            scheduler.close();
        }
    }

    private void print(List<Run> runs, List<CallCost> costs, int baselineThreads, int laneThreads, double loadBefore,
                       double loadAfter, PitiModel model, PrintStream out) {
        Map<String, Run> headline = new LinkedHashMap<>();
        for (Run run : runs) {
            if (run.level() == options.headline()) {
                headline.put(run.mode(), run);
            }
        }
        ObjectNode json = Benchmark.JSON.createObjectNode();
        json.put("model", model.manifest().name());
        json.put("device", "cpu");
        json.put("threads", options.threads());
        json.put("baseline_threads_per_call", baselineThreads);
        json.put("continuous_compute_threads", options.threads());
        json.put("continuous_threads_per_compute_thread", laneThreads);
        json.put("load_average_before", round(loadBefore, 100));
        json.put("load_average_after", round(loadAfter, 100));
        json.put("base_steps", options.baseSteps());
        json.put("sr_steps", options.srSteps());
        json.put("think_ms", options.thinkMs());
        json.put("request_batch", options.requestBatch());
        json.put("request_calls", options.wholeCalls() ? "whole" : "scheduler");
        json.put("scheduler_rows", options.baseRows().maxRows() + "," + options.baseRows().callRows() + "/"
                + options.srRows().maxRows() + "," + options.srRows().callRows());
        json.put("headline_concurrency", options.headline());
        Run continuous = headline.get("continuous");
        Run sequential = headline.get("sequential");
        Run request = headline.get("request");
        if (continuous != null && sequential != null) {
            json.put("speedup_vs_sequential", round(continuous.jobsPerSecond() / sequential.jobsPerSecond(), 100));
        }
        if (continuous != null && request != null) {
            json.put("speedup_vs_request_batching", round(continuous.jobsPerSecond() / request.jobsPerSecond(), 100));
        }
        ObjectNode p99 = json.putObject("p99_ms");
        ObjectNode throughput = json.putObject("jobs_per_s");
        headline.forEach((mode, run) -> {
            p99.put(mode, Percentiles.tenth(run.latency().p99()));
            throughput.put(mode, round(run.jobsPerSecond(), 1000));
        });
        if (continuous != null && sequential != null && request != null) {
            boolean met = continuous.jobsPerSecond() / sequential.jobsPerSecond() >= SPEEDUP_GOAL
                    && continuous.latency().p99() <= request.latency().p99();
            out.printf(Locale.ROOT, "at %d concurrent: continuous / sequential %.2fx, continuous / request %.2fx, "
                            + "p99 %.0f ms vs %.0f ms; goal (>= %.1fx and p99 <= request's) %s%n", options.headline(),
                    continuous.jobsPerSecond() / sequential.jobsPerSecond(),
                    continuous.jobsPerSecond() / request.jobsPerSecond(), continuous.latency().p99(),
                    request.latency().p99(), SPEEDUP_GOAL, met ? "met" : "NOT met");
            json.put("goal_met", continuous.jobsPerSecond() / sequential.jobsPerSecond() >= SPEEDUP_GOAL
                    && continuous.latency().p99() <= request.latency().p99());
        }
        ObjectNode all = json.putObject("runs");
        for (Run run : runs) {
            ObjectNode node = all.putObject(run.mode() + "@" + run.level());
            node.put("jobs", run.jobs());
            node.put("jobs_per_s", round(run.jobsPerSecond(), 1000));
            run.latency().putMillis(node, "");
            node.put("rows_per_call", round(run.rowsPerCall(), 100));
            node.put("rows_per_step", round(run.rowsPerStep(), 100));
            node.put("cpu_s_per_job", round(run.usage().cpuSecondsPerJob(), 1000));
            node.put("cores", round(run.usage().cores(), 100));
            if (!Double.isNaN(run.usage().otherCores())) {
                node.put("other_processes_cores", round(run.usage().otherCores(), 100));
            }
        }
        ObjectNode calls = json.putObject("decoder_call_ms");
        for (CallCost cost : costs) {
            calls.put(cost.stage().label() + "_" + cost.rows() + "rows_" + cost.threads() + "threads"
                    + (cost.together() ? "_both_stages_at_once" : ""), round(cost.msPerCall(), 100));
        }
        Benchmark.printJson(json, out);
    }

    private static double round(double value, double scale) {
        return Math.round(value * scale) / scale;
    }

    private static void require(boolean condition, String message) {
        Benchmark.require(condition, message);
    }
}
