package io.pitiserve.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import io.pitiserve.client.Models;
import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.PitiServeException;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.worker.models.BundledModels;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench fleet}: two models side by side on one worker (by default the bundled demo-mask and
 * demo-sketch), each on its own request lane, through the REST API. First a steady mixed load (each
 * model's jobs from its own clients, {@code concurrency} in flight per model): jobs/s and latency
 * per model. Then the same sketch load while a burst of mask jobs arrives at once: how much one
 * model's burst slows the other's jobs, which share the worker's compute (its scheduler steps
 * each model's batch in turn and takes the lanes' jobs in turn).
 */
public final class FleetBenchmark implements Benchmark {

    private static final java.time.Duration JOB_TIMEOUT = java.time.Duration.ofMinutes(30);

    /**
     * @param jobsPerModel measured jobs of each model in each phase
     * @param concurrency  jobs in flight per model (its clients)
     * @param burst        mask jobs submitted at once in the burst phase
     * @param baseSteps    base respacing of every job
     * @param srSteps      upsampler respacing of every job
     */
    public record Options(int jobsPerModel, int concurrency, int burst, String baseSteps, String srSteps) {
        public Options {
            Benchmark.require(jobsPerModel >= 1, "--jobs must be at least 1, got " + jobsPerModel);
            Benchmark.require(concurrency >= 1, "--concurrency must be at least 1, got " + concurrency);
            Benchmark.require(burst >= 1, "--burst must be at least 1, got " + burst);
        }
    }

    /** The jobs of one model in one phase: their end-to-end latencies and the phase's wall time. */
    record Load(String model, List<Double> latenciesMs, double wallMs) {
        double jobsPerSecond() {
            return latenciesMs.size() / (wallMs / 1000);
        }

        Percentiles percentiles() {
            return Percentiles.of(latenciesMs);
        }
    }

    private final Options options;

    public FleetBenchmark(Options options) {
        this.options = options;
    }

    @Override
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        try (LocalStack stack = Benchmark.startStack(settings, err)) {
            PitiServeClient client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
            String mask = defaultModel(client, "mask");
            String sketch = defaultModel(client, "sketch");
            byte[] maskInput = BundledModels.example("mask.png");
            byte[] sketchInput = BundledModels.example("sketch.png");
            err.printf("warming up: %d jobs of %s and %s ...%n", options.concurrency(), mask, sketch);
            loads(client, maskInput, sketchInput, options.concurrency(), 0, mask, sketch);

            err.printf("steady: %d jobs of each model, %d in flight per model ...%n", options.jobsPerModel(),
                    options.concurrency());
            List<Load> steady = loads(client, maskInput, sketchInput, options.jobsPerModel(), 0, mask, sketch);
            err.printf("burst: %d jobs of %s at once while %s runs as before ...%n", options.burst(), mask, sketch);
            List<Load> burst = loads(client, maskInput, sketchInput, options.jobsPerModel(), options.burst(), mask,
                    sketch);
            report(steady, burst, out);
            return 0;
        }
    }

    /**
     * Runs {@code jobs} jobs of each model from their own clients; with {@code burst} > 0 the mask
     * model gets {@code burst} jobs submitted at once instead of its steady clients.
     */
    private List<Load> loads(PitiServeClient client, byte[] maskInput, byte[] sketchInput, int jobs, int burst,
                             String mask, String sketch) {
        ExecutorService pool = Executors.newFixedThreadPool(2 * options.concurrency() + Math.max(1, burst));
        try {
            Future<Load> maskLoad = burst > 0
                    ? pool.submit(() -> run(client, pool, "mask", mask, maskInput, burst, burst))
                    : pool.submit(() -> run(client, pool, "mask", mask, maskInput, jobs, options.concurrency()));
            Future<Load> sketchLoad = pool.submit(() -> run(client, pool, "sketch", sketch, sketchInput, jobs,
                    options.concurrency()));
            return List.of(Benchmark.outcome(maskLoad), Benchmark.outcome(sketchLoad));
        } finally {
            pool.shutdownNow();
        }
    }

    /** {@code jobs} jobs of one model, {@code inFlight} at a time (each client submits, then follows to the end). */
    private Load run(PitiServeClient client, ExecutorService pool, String task, String model, byte[] input,
                     int jobs, int inFlight) throws Exception {
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        long begin = System.nanoTime();
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < inFlight; c++) {
            clients.add(pool.submit(() -> {
                int seed;
                while ((seed = next.getAndIncrement()) < jobs) {
                    latencies.add(runJob(client, task, model, input, seed));
                }
                return null;
            }));
        }
        for (Future<?> running : clients) {
            running.get();
        }
        return new Load(model, List.copyOf(latencies), Benchmark.millisSince(begin));
    }

    private double runJob(PitiServeClient client, String task, String model, byte[] input, long seed) {
        TranslationRequest request = TranslationRequest.builder(task).input(input, "image/png")
                .fileName(task + ".png").model(model).baseSteps(options.baseSteps()).srSteps(options.srSteps())
                .seed(seed).build();
        long begin = System.nanoTime();
        String id = client.submit(request).id();
        Translation job = client.follow(id, JOB_TIMEOUT, event -> {
        });
        if (job.status() != TranslationStatus.SUCCEEDED) {
            throw new PitiServeException("job " + id + " of " + model + " ended " + job.status().wireName() + ": "
                    + job.error());
        }
        return Benchmark.millisSince(begin);
    }

    private static String defaultModel(PitiServeClient client, String task) {
        for (Models.Model model : client.models().models()) {
            if (task.equals(model.task()) && model.defaultModel()) {
                return model.name();
            }
        }
        throw new IllegalStateException("no model serves task " + task + "; bench fleet needs a mask and a sketch"
                + " model (the bundled demo models, or --model MASK_DIR,SKETCH_DIR)");
    }

    private void report(List<Load> steady, List<Load> burst, PrintStream out) {
        out.printf("bench fleet: %d jobs per model per phase, %d in flight per model, burst of %d, base_steps %s,"
                        + " sr_steps %s, one worker serving both models, %d cores%n", options.jobsPerModel(),
                options.concurrency(), options.burst(), options.baseSteps(), options.srSteps(),
                Runtime.getRuntime().availableProcessors());
        out.println("phase   model                 jobs   jobs/s    p50 ms    p95 ms    max ms");
        ObjectNode json = JSON.createObjectNode().put("bench", "fleet")
                .put("jobs_per_model", options.jobsPerModel()).put("concurrency", options.concurrency())
                .put("burst", options.burst()).put("base_steps", options.baseSteps())
                .put("sr_steps", options.srSteps())
                .put("cpu_cores", Runtime.getRuntime().availableProcessors());
        ArrayNode rows = json.putArray("loads");
        for (List<Load> phase : List.of(steady, burst)) {
            String name = phase == steady ? "steady" : "burst";
            for (Load load : phase) {
                Percentiles p = load.percentiles();
                out.printf("%-7s %-20s %5d %8.2f %9.0f %9.0f %9.0f%n", name, load.model(), p.count(),
                        load.jobsPerSecond(), p.p50(), p.at(95), p.max());
                rows.addObject().put("phase", name).put("model", load.model()).put("jobs", p.count())
                        .put("jobs_per_s", round(load.jobsPerSecond())).put("p50_ms", round(p.p50()))
                        .put("p95_ms", round(p.at(95)));
            }
        }
        double slowdown = burst.get(1).percentiles().p50() / steady.get(1).percentiles().p50();
        out.printf("%s p50 under a burst of %d %s jobs: x%.2f of its steady p50%n", steady.get(1).model(),
                options.burst(), steady.get(0).model(), slowdown);
        json.put("other_model_p50_slowdown_under_burst", round(slowdown));
        Benchmark.printJson(json, out);
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
