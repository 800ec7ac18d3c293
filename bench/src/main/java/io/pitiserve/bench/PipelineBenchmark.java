package io.pitiserve.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongFunction;
import java.util.function.ToDoubleFunction;

import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.PitiServeException;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.worker.models.BundledModels;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench pipeline}: jobs of the bundled example mask through the REST API, each followed over
 * Server-Sent Events until {@code succeeded} is seen, and what the pipeline adds to the model's own
 * time: end-to-end (POST sent to succeeded seen) minus encode + base + upsampler as the worker
 * timed them. Everything else (validation, S3, Kafka, queueing, the status view, the event stream)
 * is overhead.
 */
public final class PipelineBenchmark implements Benchmark {

    static final double OVERHEAD_P50_GOAL_MS = 25;
    static final double OVERHEAD_P99_GOAL_MS = 100;
    /**
     * Unmeasured jobs first, so that the measured ones run the pipeline's code JIT-compiled, as a
     * serving gateway and worker do: with 2 warm-up jobs the overhead measured was about twice the
     * steady state's. They take the whole path with the fewest steps, several at once.
     */
    public static final int DEFAULT_WARM_UP = 400;
    private static final String WARM_UP_STEPS = "1";
    private static final int WARM_UP_CONCURRENCY = 4;
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);

    /**
     * @param jobs        measured jobs
     * @param concurrency jobs in flight at once
     * @param baseSteps   base respacing of every measured job
     * @param srSteps     upsampler respacing of every measured job
     * @param warmUp      one-step jobs run first, unmeasured, so that the JIT has compiled the path
     */
    public record Options(int jobs, int concurrency, String baseSteps, String srSteps, int warmUp) {
        public Options {
            Benchmark.require(jobs >= 1, "--jobs must be at least 1, got " + jobs);
            Benchmark.require(warmUp >= 0, "--warm-up must be at least 0, got " + warmUp);
            Benchmark.require(concurrency >= 1, "--concurrency must be at least 1, got " + concurrency);
        }
    }

    /**
     * One measured job; milliseconds. The hops are measured on the wall clock, which the client,
     * the gateway and the worker share in this JVM: POST sent, the job's {@code created} (the
     * gateway, input stored, before Kafka), 202 read, {@code started} and {@code finished} (the
     * worker, Started and Succeeded), succeeded seen over SSE.
     */
    record Sample(String id, double acceptMs, double endToEndMs, Map<String, Double> timings, Hops hops) {

        double modelMs() {
            return timing("encode") + timing("base") + timing("upsampler");
        }

        double overheadMs() {
            return endToEndMs - modelMs();
        }

        double timing(String phase) {
            return timings.getOrDefault(phase, 0.0);
        }
    }

    /**
     * Milliseconds between the wall-clock marks of one job.
     *
     * @param received    POST sent to the job's {@code created} (multipart, validation, input stored)
     * @param published   {@code created} to 202 read (Kafka ack of the request, the response)
     * @param toStart     {@code created} to {@code started} (the worker's "queued")
     * @param toFinish    {@code started} to {@code finished} (the worker's run, manifest included)
     * @param notified    {@code finished} to succeeded seen (Succeeded published, status view, SSE)
     */
    record Hops(double received, double published, double toStart, double toFinish, double notified) {

        static Hops of(Instant sent, Instant acceptedRead, Instant seen, Translation job) {
            return new Hops(between(sent, job.created()), between(job.created(), acceptedRead),
                    between(job.created(), job.started()), between(job.started(), job.finished()),
                    between(job.finished(), seen));
        }

        private static double between(Instant from, Instant to) {
            if (from == null || to == null) {
                return Double.NaN;
            }
            return Duration.between(from, to).toNanos() / 1e6;
        }
    }

    private final Options options;

    public PipelineBenchmark(Options options) {
        this.options = options;
    }

    @Override
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        byte[] mask = BundledModels.example("mask.png");
        try (LocalStack stack = Benchmark.startStack(settings, err)) {
            PitiServeClient client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
            err.printf("warming up with %d one-step jobs, %d in flight ...%n", options.warmUp(), WARM_UP_CONCURRENCY);
            long warmUpBegin = System.nanoTime();
            runAll(options.warmUp(), WARM_UP_CONCURRENCY, seed -> runJob(client, mask, 1_000_000 + seed,
                    WARM_UP_STEPS, WARM_UP_STEPS));
            err.printf("warmed up in %.1f s; running %d jobs, %d in flight ...%n",
                    Benchmark.millisSince(warmUpBegin) / 1000, options.jobs(), options.concurrency());
            long begin = System.nanoTime();
            List<Sample> samples = runAll(options.jobs(), options.concurrency(),
                    seed -> runJob(client, mask, seed, options.baseSteps(), options.srSteps()));
            double wallMs = Benchmark.millisSince(begin);
            report(samples, wallMs, settings, out);
            return 0;
        }
    }

    private static List<Sample> runAll(int jobs, int concurrency, LongFunction<Sample> job) {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<Sample>> running = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                long seed = i;
                running.add(pool.submit(() -> job.apply(seed)));
            }
            List<Sample> samples = new ArrayList<>();
            for (Future<Sample> future : running) {
                samples.add(Benchmark.outcome(future));
            }
            return samples;
        } finally {
            pool.shutdownNow();
        }
    }

    private Sample runJob(PitiServeClient client, byte[] mask, long seed, String baseSteps, String srSteps) {
        TranslationRequest request = TranslationRequest.builder("mask").input(mask, "image/png").fileName("mask.png")
                .baseSteps(baseSteps).srSteps(srSteps).seed(seed).build();
        Instant sent = Instant.now();
        long begin = System.nanoTime();
        Translation accepted = client.submit(request).translation();
        double acceptMs = Benchmark.millisSince(begin);
        Instant acceptedRead = Instant.now();
        String id = accepted.id();
        Translation job = accepted.terminal() ? accepted : client.follow(id, JOB_TIMEOUT, event -> {
        });
        double endToEndMs = Benchmark.millisSince(begin);
        Instant seen = Instant.now();
        if (job.status() != TranslationStatus.SUCCEEDED) {
            throw new PitiServeException("job " + id + " ended " + job.status().wireName() + ": " + job.error());
        }
        Map<String, Double> timings = new java.util.LinkedHashMap<>(job.timings());
        return new Sample(id, acceptMs, endToEndMs, timings, Hops.of(sent, acceptedRead, seen, job));
    }

    private void report(List<Sample> samples, double wallMs, LocalSettings settings, PrintStream out) {
        Percentiles accept = of(samples, Sample::acceptMs);
        Percentiles endToEnd = of(samples, Sample::endToEndMs);
        Percentiles model = of(samples, Sample::modelMs);
        Percentiles overhead = of(samples, Sample::overheadMs);
        Percentiles outsideWorker = of(samples, s -> s.endToEndMs() - s.timing("total"));
        boolean goalMet = overhead.p50() <= OVERHEAD_P50_GOAL_MS && overhead.p99() <= OVERHEAD_P99_GOAL_MS;

        out.printf("bench pipeline: %d jobs, %d in flight, base_steps %s, sr_steps %s, model %s%n",
                options.jobs(), options.concurrency(), options.baseSteps(), options.srSteps(),
                settings.modelDirs().isEmpty() ? "bundled " + BundledModels.DEFAULT_MODEL : settings.modelDirs());
        out.printf("goal: overhead (end-to-end minus model time) p50 <= %.0f ms, p99 <= %.0f ms%s%n",
                OVERHEAD_P50_GOAL_MS, OVERHEAD_P99_GOAL_MS,
                samples.size() < 100 ? " (p99 of fewer than 100 jobs = the slowest)" : "");
        out.printf("%-48s %10s %10s %10s%n", "milliseconds per job", "p50", "p99", "max");
        row(out, "accept (POST sent -> 202 read)", accept);
        row(out, "end-to-end (POST sent -> succeeded seen, SSE)", endToEnd);
        row(out, "model (worker: encode + base + upsampler)", model);
        row(out, "overhead (end-to-end - model)", overhead);
        for (String phase : List.of("queued", "fetch", "prepare", "store")) {
            row(out, "  of which worker " + phase, of(samples, s -> s.timing(phase)));
        }
        row(out, "  of which outside the worker (e2e - total)", outsideWorker);
        out.println("hops on the shared wall clock (milliseconds per job)");
        row(out, "  POST sent -> created (input validated, stored)", of(samples, s -> s.hops().received()));
        row(out, "  created -> 202 read (request acked by Kafka)", of(samples, s -> s.hops().published()));
        row(out, "  created -> started (Kafka to the worker)", of(samples, s -> s.hops().toStart()));
        row(out, "  started -> finished (worker run, manifest)", of(samples, s -> s.hops().toFinish()));
        row(out, "  finished -> succeeded seen (view, SSE)", of(samples, s -> s.hops().notified()));
        out.printf("throughput: %.2f jobs/s (%d jobs in %.1f s)%n", samples.size() * 1000.0 / wallMs, samples.size(),
                wallMs / 1000.0);
        out.println("overhead goal " + (goalMet ? "met" : "NOT met"));

        ObjectNode json = JSON.createObjectNode()
                .put("bench", "pipeline")
                .put("jobs", samples.size())
                .put("concurrency", options.concurrency())
                .put("base_steps", options.baseSteps())
                .put("sr_steps", options.srSteps());
        accept.putMillis(json, "accept_");
        endToEnd.putMillis(json, "e2e_");
        model.putMillis(json, "model_");
        overhead.putMillis(json, "overhead_")
                .put("outside_worker_p50_ms", Percentiles.tenth(outsideWorker.p50()))
                .put("queued_p50_ms", Percentiles.tenth(of(samples, s -> s.timing("queued")).p50()))
                .put("store_p50_ms", Percentiles.tenth(of(samples, s -> s.timing("store")).p50()))
                .put("notify_p50_ms", Percentiles.tenth(of(samples, s -> s.hops().notified()).p50()))
                .put("jobs_per_s", Math.round(samples.size() * 100_000.0 / wallMs) / 100.0)
                .put("goal_met", goalMet);
        Benchmark.printJson(json, out);
    }

    private static Percentiles of(List<Sample> samples, ToDoubleFunction<Sample> metric) {
        return Percentiles.of(samples.stream().map(metric::applyAsDouble).toList());
    }

    static void row(PrintStream out, String label, Percentiles values) {
        out.printf("%-48s %10.1f %10.1f %10.1f%n", label, values.p50(), values.p99(), values.max());
    }
}
