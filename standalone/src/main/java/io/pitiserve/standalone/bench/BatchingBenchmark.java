package io.pitiserve.standalone.bench;

import java.io.PrintStream;
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

import io.pitiserve.worker.engine.CallShape;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Sampler;
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
 * A load of N is N clients in a closed loop: all N submit at once (the burst), then each waits an
 * exponential pause (Poisson arrivals, mean {@code --think-ms}) after its result before the next job.
 * Prints a table and, last, one JSON line with the speed-ups at {@code --headline} concurrent jobs.
 */
public final class BatchingBenchmark {

    static final double SPEEDUP_GOAL = 1.5;
    public static final List<String> ALL_MODES = List.of("sequential", "request", "continuous", "latency");

    /**
     * @param model        model directory, null for the bundled tiny model
     * @param threads      PyTorch intra-op threads (every mode)
     * @param levels       concurrent jobs offered, one run per level and mode
     * @param minJobs      jobs per run at least (a run has max(level, minJobs) jobs)
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
    public record Options(Path model, int threads, List<Integer> levels, int minJobs, int thinkMs, String baseSteps,
                          String srSteps, int requestBatch, boolean wholeCalls, int batchWaitMs, int maxJobs, StageLimits baseRows,
                          StageLimits srRows, List<String> modes, int headline, long seed) {
        public Options {
            require(threads >= 1, "--threads must be at least 1, got " + threads);
            require(levels != null && !levels.isEmpty() && levels.stream().allMatch(l -> l >= 1),
                    "--levels must be positive integers, got " + levels);
            require(minJobs >= 1, "--min-jobs must be at least 1, got " + minJobs);
            require(thinkMs >= 0, "--think-ms must not be negative, got " + thinkMs);
            require(requestBatch >= 1, "--request-batch must be at least 1, got " + requestBatch);
            require(batchWaitMs >= 0, "--batch-wait-ms must not be negative, got " + batchWaitMs);
            require(maxJobs >= 1, "--max-jobs must be at least 1, got " + maxJobs);
            require(modes != null && !modes.isEmpty() && ALL_MODES.containsAll(modes),
                    "--modes must be some of " + ALL_MODES + ", got " + modes);
            require(levels.contains(headline), "--headline " + headline + " must be one of --levels " + levels);
            levels = List.copyOf(levels);
            modes = List.copyOf(modes);
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

    /** One run: a mode at a load. */
    record Run(String mode, int level, int jobs, double seconds, Percentiles latency, double rowsPerCall,
               double rowsPerStep) {
        double jobsPerSecond() {
            return jobs / seconds;
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
        System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(options.threads()));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        Path directory = options.model() != null ? options.model()
                : BundledModels.extract(BundledModels.TINY_MODEL, BundledModels.defaultCacheRoot());
        try (PitiModel model = PitiModel.load(directory, new EngineOptions("cpu", true))) {
            TranslationEngine engine = new TranslationEngine(model);
            err.printf("model %s, %d intra-op thread(s), base %s, upsampler %s; warming up ...%n",
                    model.manifest().name(), options.threads(), options.baseSteps(), options.srSteps());
            engine.translate(request(model, 0));
            List<Run> runs = new ArrayList<>();
            out.printf("%-11s %5s %5s %8s %9s %9s %9s %9s%n", "mode", "conc", "jobs", "jobs/s", "p50 ms", "p99 ms",
                    "rows/call", "rows/step");
            for (String mode : options.modes()) {
                for (int level : options.levels()) {
                    int jobs = Math.max(level, options.minJobs());
                    err.printf("%s at %d concurrent (%d jobs) ...%n", mode, level, jobs);
                    try (Runner runner = runner(mode, model, engine)) {
                        Run run = measure(mode, level, jobs, model, runner);
                        runs.add(run);
                        out.printf(Locale.ROOT, "%-11s %5d %5d %8.3f %9.1f %9.1f %9.2f %9.2f%n", run.mode(),
                                run.level(), run.jobs(), run.jobsPerSecond(), run.latency().p50(), run.latency().p99(),
                                run.rowsPerCall(), run.rowsPerStep());
                        out.flush();
                    }
                }
            }
            print(runs, model, out);
        }
        return 0;
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

    private Run measure(String mode, int level, int jobs, PitiModel model, Runner runner) {
        Random arrivals = new Random(options.seed() + level);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicLong next = new AtomicLong();
        ExecutorService clients = Executors.newFixedThreadPool(level, r -> {
            Thread thread = new Thread(r, "bench-client");
            thread.setDaemon(true);
            return thread;
        });
        double[][] pauses = new double[level][];
        for (int c = 0; c < level; c++) {
            pauses[c] = new double[jobs];
            for (int k = 0; k < jobs; k++) {
                pauses[c][k] = -Math.log(1 - arrivals.nextDouble()) * options.thinkMs();
            }
        }
        long begin = System.nanoTime();
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
        double seconds = (System.nanoTime() - begin) / 1e9;
        clients.shutdownNow();
        return new Run(mode, level, jobs, seconds, Percentiles.of(latencies), runner.rowsPerCall(),
                runner.rowsPerStep());
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
                    options.srRows(), policy, true, 0, Map.of()));
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

    private void print(List<Run> runs, PitiModel model, PrintStream out) {
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
            node.put("p50_ms", Percentiles.tenth(run.latency().p50()));
            node.put("p99_ms", Percentiles.tenth(run.latency().p99()));
            node.put("rows_per_call", round(run.rowsPerCall(), 100));
            node.put("rows_per_step", round(run.rowsPerStep(), 100));
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
