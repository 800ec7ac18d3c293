package io.pitiserve.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.pitiserve.common.cli.CommandLine;
import io.pitiserve.common.cli.CommandLine.UsageException;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.StandaloneCommand;
import io.pitiserve.worker.models.BundledModels;

/**
 * Entry point of {@code pitiserve-bench.jar}: every piti-serve benchmark, by name. Each prints a
 * table and, as its last line, one JSON object.
 *
 * <p>Exit codes: 0 done, 2 bad command line, 1 anything else (one {@code error:} line on stderr).
 */
public final class BenchCommand {

    static final String USAGE = """
            usage: java -jar bench/target/pitiserve-bench.jar <bench> [options]

            benches:
              pipeline
                      a whole local piti-serve (as pitiserve.jar demo) on free ports; --warm-up
                      one-step jobs, then --jobs jobs of the bundled mask through the REST API,
                      each followed over SSE; prints
                      accept, end-to-end, model time and overhead (end-to-end - model)
                      percentiles
              gateway
                      the same with the worker paused; --requests multipart submissions of a
                      synthetic mask PNG; prints accepted submissions/s and latency percentiles
              scaleout
                      the same, but the jobs run on worker PROCESSES (pitiserve-worker.jar serve):
                      1 worker, then 2, then 3 under load, one drained with SIGTERM, one killed
                      with SIGKILL; prints jobs/s per worker count, the drain time and whether
                      every accepted job ended in exactly one terminal outcome (exit 1 if not)
              fleet
                      the same with two models on their own lanes (demo-mask and demo-sketch, one
                      worker serving both): jobs/s and latency per model under a steady mixed
                      load, then how much a burst of mask jobs slows the sketch jobs
              chaos
                      S3 server, broker, gateway and workers each as a PROCESS under a stream of
                      jobs with webhooks: workers stopped with SIGTERM and SIGKILL, the broker
                      SIGKILLed and restarted, S3 stopped, the webhook receiver refusing then
                      failing half the time; checks every accepted job ended in exactly one
                      terminal outcome, none lost, one webhook-id per job across retries, every
                      SIGTERM exited 143 without a JVM crash (exit 1 if not)
              ab
                      the stack as for demo; one evaluation job per --models model over the
                      bundled held-out world set (POST /v1/evaluations): mIoU, FD, network
                      evaluations, released GFLOP and seconds per image, side by side
              edge
                      the stack as for pipeline; GET /v1/models probes on new connections, idle
                      and then while --hostile slow or unauthenticated connections are held open
              webhooks
                      the same with the worker paused; jobs with a webhook to a local receiver
                      whose succeeded events the bench publishes; prints completion-to-delivery
                      percentiles (one at a time, then a burst) and deliveries/s
              batching
                      the engine alone: jobs one at a time, in request-level batches and under
                      the step-level continuous batching scheduler at several loads; jobs/s,
                      latency percentiles, decoder rows per call and the speed-ups
              engine
                      the engine alone on the bundled tiny model: decoder forward, per-step
                      overhead (ddpm and dpmpp_2m), images/s at batch 1, 4, 8
                      (every bench: a table, then one JSON object as the last line)

            options of every bench but batching and engine:
              --data-dir DIR            broker log, S3 objects, state, credentials
                                        (a temporary directory, removed afterwards)
              --host ADDR               address every server binds to (127.0.0.1)
              --http-port N             REST API (any free port)
              --kafka-port N            Kafka PLAINTEXT listener
              --kafka-controller-port N Kafka KRaft controller listener
              --s3-port N               S3 API
              --bucket NAME             bucket for inputs and results (pitiserve)
              --model DIR[,DIR...]      model directories the worker serves, each on its own lane (default:
                                        the bundled demo-mask and demo-sketch models)
              --set KEY=VALUE           any Spring property for gateway and worker, repeatable
                                        (e.g. --set pitiserve.worker.threads=2)

            options of bench pipeline (and --base-steps S (10), --sr-steps S (5)):
              --jobs N                  measured jobs (20)
              --concurrency C           jobs in flight (1)
              --warm-up N               unmeasured one-step jobs first, 4 in flight (400)

            options of bench scaleout (and --base-steps S (10), --sr-steps S (5)):
              --jobs-per-phase N        jobs timed with 1, 2 and 3 workers each (10)
              --worker-jar FILE         worker/target/pitiserve-worker.jar
              --threads N               PyTorch threads per worker (1)
              --queue-depth N           jobs kept accepted but unfinished during the load (12)

            options of bench fleet (and --base-steps S (10), --sr-steps S (5)):
              --jobs N                  measured jobs of each model per phase (20)
              --concurrency C           jobs in flight per model (2)
              --burst N                 mask jobs submitted at once in the burst phase (20)

            options of bench chaos (and --worker-jar, --queue-depth (4) as for scaleout):
              --gateway-jar FILE        the gateway's jar (gateway/target/pitiserve-gateway.jar)
              --workers N               worker processes at once (2)
              --terms N / --kills N     worker SIGTERM rounds (4) and SIGKILL rounds (6)
              --broker-kills N          broker SIGKILL rounds (2), each down --broker-down-s (5)
              --s3-outage-s N           S3 server stopped (SIGSTOP) this long (30; 0: never)
              --webhook-refuse-s N      receiver refuses connections this long (20; 0: never)
              --webhook-flaky-s N       then answers 500 to half the requests this long (40)
              --webhook-retries LIST    the gateway's webhook retry schedule (1s,2s,5s,10s,20s,30s,60s)
              --max-delay-ms N          each fault comes uniformly within this once its worker
                                        runs a job, or after the last fault (8000)
              --seed N                  seed of the random moments (the time)

            options of bench ab (one evaluation job per model over the bundled held-out world set):
              --models M,M,...          served models to compare (demo-mask,spade-mask: PITI
                                        against the single-pass baseline)
              --settings S,S,...        default (the model's own) or sampler:base:sr[:scale]
                                        (default; with one model: default,dpmpp_2m:8:8)
              --limit N                 held-out scenes per setting, 1..16 (16)
              --timeout SECONDS         per evaluation (1800)

            options of bench edge:
              --hostile N               connections held open in the second round (500)
              --probes N                timed probes per round (200)

            options of bench webhooks:
              --deliveries N            jobs completed at once (1000)
              --latency-samples N       jobs completed one at a time first (200)

            options of bench batching (the engine in this process, no Kafka or S3; --model as above):
              --levels L,L,...          concurrent jobs offered (1,4,16,64); --headline L for the JSON (16)
              --jobs J,J,...            jobs per run, one per level (default: the burst, then Poisson
                                        arrivals: 4,8,24,64)   --min-jobs N  at least (4)
              --think-ms MS             mean pause of a client between jobs, Poisson (100)
              --base-steps S            (10)   --sr-steps S (2)
              --threads N               thread budget of every mode (the machine's cores)
              --modes M,M,...           sequential,request,continuous,latency (all four)
              --request-batch N         fixed batch size of request-level batching (4)
              --request-calls C         scheduler: its decoder calls have the scheduler's call rows;
                                        whole: one call per step for the batch (scheduler)
              --batch-wait-ms MS        longest wait to fill a request-level batch (50)
              --max-jobs N              jobs the step scheduler admits at once (16)
              --base-rows R,C           base rows per step, rows per decoder call (16,2)
              --sr-rows R,C             upsampler rows per step, rows per decoder call (8,1)

            options of bench gateway:
              --requests N              measured submissions (2000)
              --concurrency C           clients, one keep-alive connection each (32)
              --input-kb K              size the mask PNG is grown to (16)
              --warm-up N               unmeasured submissions first (500)

            options of engine (the engine in this process, no Kafka or S3):
              --model DIR --threads N --steps N --base-steps S --sr-steps S --device cpu|gpu
              --precision fp32|bf16|fp16 --sampler NAME
              --released DIR            also time a released-size model directory

            PITISERVE_LOG_LEVEL (WARN) sets the log level of the services a bench starts; logs go to stderr.
            """;

    private static final Set<String> PIPELINE_BENCH_OPTIONS = Set.of("jobs", "concurrency", "base-steps", "sr-steps", "warm-up");
    private static final Set<String> EDGE_BENCH_OPTIONS = Set.of("hostile", "probes");
    private static final Set<String> AB_BENCH_OPTIONS = Set.of("models", "settings", "limit", "timeout");
    /** The single-pass baseline bench ab compares demo-mask with when it is bundled. */
    private static final String AB_BASELINE = "spade-mask";
    private static final Set<String> GATEWAY_BENCH_OPTIONS = Set.of("requests", "concurrency", "input-kb", "warm-up");
    private static final Set<String> SCALEOUT_BENCH_OPTIONS = Set.of("jobs-per-phase", "worker-jar", "threads", "queue-depth",
            "base-steps", "sr-steps");
    private static final Set<String> WEBHOOK_BENCH_OPTIONS = Set.of("deliveries", "latency-samples");
    private static final Set<String> FLEET_BENCH_OPTIONS = Set.of("jobs", "concurrency", "burst", "base-steps", "sr-steps");
    private static final Set<String> CHAOS_BENCH_OPTIONS = Set.of("worker-jar", "gateway-jar", "workers", "terms", "kills",
            "broker-kills", "broker-down-s", "s3-outage-s", "webhook-refuse-s", "webhook-flaky-s", "webhook-retries",
            "max-delay-ms", "queue-depth", "seed", "base-steps", "sr-steps");
    private static final Set<String> BATCHING_BENCH_OPTIONS = Set.of("model", "levels", "headline", "min-jobs", "think-ms",
            "base-steps", "sr-steps", "threads", "modes", "request-batch", "request-calls", "batch-wait-ms", "max-jobs",
            "base-rows", "sr-rows", "jobs");

    private BenchCommand() {
    }

    public static void main(String[] args) {
        StandaloneCommand.configureProcess(true);
        int code = run(List.of(args), System.out, System.err);
        // Kafka and Spring leave non-daemon threads; exit explicitly, also after a failed start.
        System.exit(code);
    }

    /** The exit code of {@code bench ARGS}: the bench's name, then its options. */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        int help = CommandLine.helpExitCode(args, USAGE, out);
        if (help >= 0) {
            return help;
        }
        try {
            if (args.get(0).equals("engine")) {
                return new EngineBenchmark(out, err).run(args.subList(1, args.size()));
            }
            return bench(args, out, err);
        } catch (UsageException e) {
            err.println("error: " + e.getMessage() + " (see --help)");
            return 2;
        } catch (RuntimeException | Error e) {
            err.println("error: " + StandaloneCommand.oneLine(e));
            return 1;
        }
    }

    private static int bench(List<String> args, PrintStream out, PrintStream err) {
        String which = args.get(0);
        if (which.equals("batching")) {
            return batchingBench(new CommandLine(args.subList(1, args.size()), BATCHING_BENCH_OPTIONS, Set.of()), out,
                    err);
        }
        Set<String> options = new LinkedHashSet<>(StandaloneCommand.COMMON_OPTIONS);
        switch (which) {
            case "pipeline" -> options.addAll(PIPELINE_BENCH_OPTIONS);
            case "gateway" -> options.addAll(GATEWAY_BENCH_OPTIONS);
            case "scaleout" -> options.addAll(SCALEOUT_BENCH_OPTIONS);
            case "webhooks" -> options.addAll(WEBHOOK_BENCH_OPTIONS);
            case "edge" -> options.addAll(EDGE_BENCH_OPTIONS);
            case "fleet" -> options.addAll(FLEET_BENCH_OPTIONS);
            case "chaos" -> options.addAll(CHAOS_BENCH_OPTIONS);
            case "ab" -> options.addAll(AB_BENCH_OPTIONS);
            default -> throw new UsageException("bench needs 'pipeline', 'gateway', 'scaleout', "
                    + "'fleet', 'webhooks', 'edge', 'chaos', 'ab', 'batching' or 'engine'"
                    + ", got '" + which + "'");
        }
        CommandLine line = new CommandLine(args.subList(1, args.size()), options, Set.of());
        if (which.equals("chaos")) {
            return inDataDir(line, settings -> chaos(line).run(settings, out, err));
        }
        Benchmark benchmark;
        try {
            benchmark = switch (which) {
                case "pipeline" -> new PipelineBenchmark(new PipelineBenchmark.Options(line.integer("jobs", 20),
                        line.integer("concurrency", 1), line.string("base-steps", "10"),
                        line.string("sr-steps", "5"), line.integer("warm-up", PipelineBenchmark.DEFAULT_WARM_UP)));
                case "scaleout" -> new ScaleOutBenchmark(new ScaleOutBenchmark.Options(
                        line.integer("jobs-per-phase", 10),
                        Path.of(line.string("worker-jar", "worker/target/pitiserve-worker.jar")),
                        line.has("model") ? Path.of(line.string("model", null)) : null, line.integer("threads", 1),
                        line.string("base-steps", "10"), line.string("sr-steps", "5"), Duration.ofSeconds(6),
                        Duration.ofSeconds(60), line.integer("queue-depth", 12)));
                case "fleet" -> new FleetBenchmark(new FleetBenchmark.Options(line.integer("jobs", 20),
                        line.integer("concurrency", 2), line.integer("burst", 20), line.string("base-steps", "10"),
                        line.string("sr-steps", "5")));
                case "ab" -> abBench(line);
                case "edge" -> new EdgeBenchmark(new EdgeBenchmark.Options(line.integer("hostile", 500),
                        line.integer("probes", 200)));
                case "webhooks" -> new WebhookBenchmark(new WebhookBenchmark.Options(line.integer("deliveries", 1000),
                        line.integer("latency-samples", 200)));
                default -> new GatewayBenchmark(new GatewayBenchmark.Options(line.integer("requests", 2000),
                        line.integer("concurrency", 32), line.integer("input-kb", 16),
                        line.integer("warm-up", GatewayBenchmark.Options.DEFAULT_WARM_UP)));
            };
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return inDataDir(line, settings -> benchmark.run(settings, out, err));
    }

    /**
     * bench ab: demo-mask against the bundled single-pass baseline (spade-mask) at their defaults; without
     * the baseline, demo-mask at its default and a DPM-Solver++ setting, unless told otherwise.
     */
    private static AbBenchmark abBench(CommandLine line) {
        String bundled = BundledModels.has(AB_BASELINE) ? BundledModels.DEFAULT_MODEL + "," + AB_BASELINE
                : BundledModels.DEFAULT_MODEL;
        List<String> models = List.of(line.string("models", bundled).split(","));
        String settings = line.string("settings", models.size() > 1 ? "default" : "default,dpmpp_2m:8:8");
        return new AbBenchmark(new AbBenchmark.Options(models, List.of(settings.split(",")),
                line.integer("limit", 16), Duration.ofSeconds(line.integer("timeout", 1800))));
    }

    /** Runs a bench in --data-dir, or else in a temporary directory deleted afterwards. */
    private static int inDataDir(CommandLine line, java.util.function.ToIntFunction<LocalSettings> bench) {
        boolean temporary = !line.has("data-dir");
        Path dataDir;
        try {
            dataDir = temporary ? Files.createTempDirectory("pitiserve-bench-") : null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary data directory", e);
        }
        try {
            return bench.applyAsInt(StandaloneCommand.settings(line, temporary ? dataDir : Path.of("."), true));
        } finally {
            if (temporary) {
                StandaloneCommand.deleteRecursively(dataDir);
            }
        }
    }

    private static ChaosBenchmark chaos(CommandLine line) {
        try {
            return new ChaosBenchmark(new ChaosBenchmark.Options(
                    Path.of(line.string("worker-jar", "worker/target/pitiserve-worker.jar")),
                    Path.of(line.string("gateway-jar", "gateway/target/pitiserve-gateway.jar")),
                    line.has("model") ? Path.of(line.string("model", null)) : null, line.integer("workers", 2),
                    line.integer("terms", 4), line.integer("kills", 6), line.integer("broker-kills", 2),
                    Duration.ofSeconds(line.integer("broker-down-s", 5)),
                    Duration.ofSeconds(line.integer("s3-outage-s", 30)),
                    Duration.ofSeconds(line.integer("webhook-refuse-s", 20)),
                    Duration.ofSeconds(line.integer("webhook-flaky-s", 40)),
                    line.string("webhook-retries", "1s,2s,5s,10s,20s,30s,60s"),
                    Duration.ofMillis(line.integer("max-delay-ms", 8000)), line.integer("queue-depth", 4),
                    line.string("base-steps", "10"), line.string("sr-steps", "5"), Duration.ofSeconds(30),
                    line.has("seed") ? Long.parseLong(line.string("seed", "0")) : System.currentTimeMillis()));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static int batchingBench(CommandLine line, PrintStream out, PrintStream err) {
        BatchingBenchmark.Options options;
        try {
            options = new BatchingBenchmark.Options(line.has("model") ? Path.of(line.string("model", null)) : null,
                    line.integer("threads", Runtime.getRuntime().availableProcessors()),
                    BatchingBenchmark.Options.integers("--levels", line.string("levels", "1,4,16,64")),
                    line.has("jobs") ? BatchingBenchmark.Options.integers("--jobs", line.string("jobs", null)) : null,
                    line.integer("min-jobs", 4), line.integer("think-ms", 100),
                    line.string("base-steps", "10"), line.string("sr-steps", "2"), line.integer("request-batch", 4),
                    requestCalls(line.string("request-calls", "scheduler")),
                    line.integer("batch-wait-ms", 50), line.integer("max-jobs", 16),
                    BatchingBenchmark.Options.limits("--base-rows", line.string("base-rows", "16,2")),
                    BatchingBenchmark.Options.limits("--sr-rows", line.string("sr-rows", "8,1")),
                    List.of(line.string("modes", String.join(",", BatchingBenchmark.ALL_MODES)).split(",")),
                    line.integer("headline", 16), 7);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (options.model() != null && !Files.isRegularFile(options.model().resolve("model.json"))) {
            throw new UsageException("--model " + options.model() + " holds no model.json");
        }
        return new BatchingBenchmark(options).run(out, err);
    }

    private static boolean requestCalls(String value) {
        return switch (value) {
            case "whole" -> true;
            case "scheduler" -> false;
            default -> throw new UsageException("--request-calls must be scheduler or whole, got '" + value
                    + "'");
        };
    }
}
