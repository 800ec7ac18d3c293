package io.pitiserve.standalone;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import io.pitiserve.standalone.bench.AbBenchmark;
import io.pitiserve.standalone.bench.BatchingBenchmark;
import io.pitiserve.standalone.bench.Benchmark;
import io.pitiserve.standalone.bench.ChaosBenchmark;
import io.pitiserve.standalone.bench.FleetBenchmark;
import io.pitiserve.standalone.bench.EdgeBenchmark;
import io.pitiserve.standalone.bench.GatewayBenchmark;
import io.pitiserve.standalone.bench.PipelineBenchmark;
import io.pitiserve.standalone.bench.ScaleOutBenchmark;
import io.pitiserve.standalone.bench.WebhookBenchmark;
import io.pitiserve.worker.models.BundledModels;

/**
 * Entry point of {@code pitiserve.jar}: {@code serve} runs a whole piti-serve in this process,
 * {@code demo} does the same on free ports, sends the bundled example mask through the REST API
 * and writes the result PNGs, {@code bench pipeline | gateway} measure a local piti-serve through
 * its REST API.
 *
 * <p>Exit codes: 0 done, 2 bad command line, 1 anything else (one {@code error:} line on stderr).
 */
public final class StandaloneCommand {

    static final String USAGE = """
            usage: java -jar pitiserve.jar <command> [options]

            commands:
              serve   run Kafka (KRaft), an S3 server, the gateway and a worker in this process
                      until Ctrl-C / SIGTERM
              demo    the same on free ports with a temporary data directory, then submit the
                      bundled example mask (or sketch) over HTTP, follow the job, download the
                      results into --out and stop
              bench pipeline
                      the same on free ports; --warm-up one-step jobs, then --jobs jobs of
                      the bundled mask through the REST API, each followed over SSE; prints
                      accept, end-to-end, model time and overhead (end-to-end - model)
                      percentiles
              bench gateway
                      the same with the worker paused; --requests multipart submissions of a
                      synthetic mask PNG; prints accepted submissions/s and latency percentiles
              bench scaleout
                      the same, but the jobs run on worker PROCESSES (pitiserve-worker.jar serve):
                      1 worker, then 2, then 3 under load, one drained with SIGTERM, one killed
                      with SIGKILL; prints jobs/s per worker count, the drain time and whether
                      every accepted job ended in exactly one terminal outcome (exit 1 if not)
              bench fleet
                      the same with two models on their own lanes (demo-mask and demo-sketch, one
                      worker serving both): jobs/s and latency per model under a steady mixed
                      load, then how much a burst of mask jobs slows the sketch jobs
              bench chaos
                      S3 server, broker, gateway and workers each as a PROCESS under a stream of
                      jobs with webhooks: workers stopped with SIGTERM and SIGKILL, the broker
                      SIGKILLed and restarted, S3 stopped, the webhook receiver refusing then
                      failing half the time; checks every accepted job ended in exactly one
                      terminal outcome, none lost, one webhook-id per job across retries, every
                      SIGTERM exited 143 without a JVM crash (exit 1 if not)
              bench ab
                      the stack as for demo; one evaluation job per --models model over the
                      bundled held-out world set (POST /v1/evaluations): mIoU, FD, network
                      evaluations, released GFLOP and seconds per image, side by side
              bench edge
                      the stack as for pipeline; GET /v1/models probes on new connections, idle
                      and then while --hostile slow or unauthenticated connections are held open
              bench webhooks
                      the same with the worker paused; jobs with a webhook to a local receiver
                      whose succeeded events the bench publishes; prints completion-to-delivery
                      percentiles (one at a time, then a burst) and deliveries/s
              bench batching
                      the engine alone: jobs one at a time, in request-level batches and under
                      the step-level continuous batching scheduler at several loads; jobs/s,
                      latency percentiles, decoder rows per call and the speed-ups
                      (every bench: a table, then one JSON object as the last line)

            options of all:
              --data-dir DIR            broker log, S3 objects, state, credentials
                                        (serve: $PITISERVE_DATA_DIR or ~/.local/share/pitiserve;
                                         demo: a temporary directory, removed afterwards)
              --host ADDR               address every server binds to (127.0.0.1)
              --http-port N             REST API (serve 8080, demo any free port; 0 = any free port)
              --kafka-port N            Kafka PLAINTEXT listener (serve 9092)
              --kafka-controller-port N Kafka KRaft controller listener (serve 9093)
              --s3-port N               S3 API (serve 9000)
              --bucket NAME             bucket for inputs and results (pitiserve)
              --model DIR[,DIR...]      model directories the worker serves, each on its own lane (default:
                                        the bundled demo-mask and demo-sketch models)
              --set KEY=VALUE           any Spring property for gateway and worker, repeatable
                                        (e.g. --set pitiserve.worker.threads=2)

            options of demo:
              --out DIR                 where the result PNGs go (./out)
              --task mask|sketch        which bundled example to translate (mask)
              --input FILE              a mask (or sketch) PNG instead of the bundled example
              --base-steps S            base respacing (default: the model's own, 15 for the demo models)
              --sr-steps S              upsampler respacing (default: the model's own, 10 for demo-mask)
              --num-samples N           1..4 (1)
              --seed N                  (42)
              --timeout SECONDS         give up after (600)

            options of bench pipeline (and --base-steps 10, --sr-steps 5 as for demo):
              --jobs N                  measured jobs (20)
              --concurrency C           jobs in flight (1)
              --warm-up N               unmeasured one-step jobs first, 4 in flight (400)

            options of bench scaleout (and --base-steps 10, --sr-steps 5 as for demo):
              --jobs-per-phase N        jobs timed with 1, 2 and 3 workers each (10)
              --worker-jar FILE         worker/target/pitiserve-worker.jar
              --threads N               PyTorch threads per worker (1)
              --queue-depth N           jobs kept accepted but unfinished during the load (12)

            options of bench fleet (and --base-steps 10, --sr-steps 5 as for demo):
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

            environment: PITISERVE_API_KEY and PITISERVE_WEBHOOK_SECRET (whsec_...) set the local
            tenant's API key and webhook signing secret; otherwise both are generated once and kept in
            <data-dir>/credentials.properties. Local mode allows webhook receivers on loopback
            (127.0.0.0/8, ::1) over plain http; other private addresses stay refused.
            PITISERVE_LOG_LEVEL (serve INFO, demo and bench WARN) sets the log level; logs go to stderr.
            """;

    /** The bundled example mask, as a path from the repository's root (serve's hint submits it). */
    static final String EXAMPLE_MASK = "worker/src/main/resources/pitiserve/examples/mask.png";
    static final Set<String> COMMON_OPTIONS = Set.of("data-dir", "host", "http-port", "kafka-port",
            "kafka-controller-port", "s3-port", "bucket", "model");
    static final Set<String> DEMO_OPTIONS = Set.of("out", "task", "input", "base-steps", "sr-steps", "num-samples", "seed",
            "timeout");
    static final Set<String> PIPELINE_BENCH_OPTIONS = Set.of("jobs", "concurrency", "base-steps", "sr-steps", "warm-up");
    static final Set<String> EDGE_BENCH_OPTIONS = Set.of("hostile", "probes");
    static final Set<String> AB_BENCH_OPTIONS = Set.of("models", "settings", "limit", "timeout");
    /** The single-pass baseline bench ab compares demo-mask with when it is bundled. */
    static final String AB_BASELINE = "spade-mask";
    static final Set<String> GATEWAY_BENCH_OPTIONS = Set.of("requests", "concurrency", "input-kb", "warm-up");
    static final Set<String> SCALEOUT_BENCH_OPTIONS = Set.of("jobs-per-phase", "worker-jar", "threads", "queue-depth",
            "base-steps", "sr-steps");
    static final Set<String> WEBHOOK_BENCH_OPTIONS = Set.of("deliveries", "latency-samples");
    static final Set<String> FLEET_BENCH_OPTIONS = Set.of("jobs", "concurrency", "burst", "base-steps", "sr-steps");
    static final Set<String> CHAOS_BENCH_OPTIONS = Set.of("worker-jar", "gateway-jar", "workers", "terms", "kills",
            "broker-kills", "broker-down-s", "s3-outage-s", "webhook-refuse-s", "webhook-flaky-s", "webhook-retries",
            "max-delay-ms", "queue-depth", "seed", "base-steps", "sr-steps");
    static final Set<String> BATCHING_BENCH_OPTIONS = Set.of("model", "levels", "headline", "min-jobs", "think-ms",
            "base-steps", "sr-steps", "threads", "modes", "request-batch", "request-calls", "batch-wait-ms", "max-jobs",
            "base-rows", "sr-rows", "jobs");

    private StandaloneCommand() {
    }

    public static void main(String[] args) {
        // Before anything logs: one logging configuration for the broker, S3 and both contexts.
        setIfAbsent("org.springframework.boot.logging.LoggingSystem", "none");
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
        if (args.length > 0 && (args[0].equals("demo") || args[0].equals("bench"))
                && System.getenv("PITISERVE_LOG_LEVEL") == null) {
            // Demo and bench show their own progress; other components speak up only about problems.
            setIfAbsent("PITISERVE_LOG_LEVEL", "WARN");
        }
        StandaloneLogging.configure();
        int code = run(List.of(args), System.out, System.err);
        if (code >= 0) {
            // Kafka and Spring leave non-daemon threads; exit explicitly, also after a failed start.
            System.exit(code);
        }
    }

    /** The exit code, or -1 when the process should keep running (serve). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("help")) {
            out.print(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        try {
            return switch (args.get(0)) {
                case "serve" -> serve(args.subList(1, args.size()), out, err);
                case "demo" -> new DemoCommand(out, err).run(args.subList(1, args.size()));
                case "bench" -> bench(args.subList(1, args.size()), out, err);
                default -> throw new CommandLine.UsageException("unknown command '" + args.get(0) + "'");
            };
        } catch (CommandLine.UsageException e) {
            err.println("error: " + e.getMessage() + " (see --help)");
            return 2;
        } catch (RuntimeException | Error e) {
            err.println("error: " + oneLine(e));
            return 1;
        }
    }

    private static int serve(List<String> args, PrintStream out, PrintStream err) {
        CommandLine line = new CommandLine(args, COMMON_OPTIONS, Set.of());
        LocalSettings settings = settings(line, defaultDataDir(), false);
        LocalStack stack = LocalStack.start(settings, System.getenv());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("stopping piti-serve ...");
            stack.close();
            stopped.countDown();
        }, "pitiserve-shutdown"));
        printServing(stack, out);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    private static int bench(List<String> args, PrintStream out, PrintStream err) {
        String which = args.isEmpty() ? "" : args.get(0);
        if (which.equals("batching")) {
            return batchingBench(new CommandLine(args.subList(1, args.size()), BATCHING_BENCH_OPTIONS, Set.of()), out,
                    err);
        }
        Set<String> options = new LinkedHashSet<>(COMMON_OPTIONS);
        switch (which) {
            case "pipeline" -> options.addAll(PIPELINE_BENCH_OPTIONS);
            case "gateway" -> options.addAll(GATEWAY_BENCH_OPTIONS);
            case "scaleout" -> options.addAll(SCALEOUT_BENCH_OPTIONS);
            case "webhooks" -> options.addAll(WEBHOOK_BENCH_OPTIONS);
            case "edge" -> options.addAll(EDGE_BENCH_OPTIONS);
            case "fleet" -> options.addAll(FLEET_BENCH_OPTIONS);
            case "chaos" -> options.addAll(CHAOS_BENCH_OPTIONS);
            case "ab" -> options.addAll(AB_BENCH_OPTIONS);
            default -> throw new CommandLine.UsageException("bench needs 'pipeline', 'gateway', 'scaleout', "
                    + "'fleet', 'webhooks', 'edge', 'chaos', 'ab' or 'batching'"
                    + (which.isEmpty() ? "" : ", got '" + which + "'"));
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
            throw new CommandLine.UsageException(e.getMessage());
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
            return bench.applyAsInt(settings(line, temporary ? dataDir : Path.of("."), true));
        } finally {
            if (temporary) {
                deleteRecursively(dataDir);
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
            throw new CommandLine.UsageException(e.getMessage());
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
            throw new CommandLine.UsageException(e.getMessage());
        }
        if (options.model() != null && !Files.isRegularFile(options.model().resolve("model.json"))) {
            throw new CommandLine.UsageException("--model " + options.model() + " holds no model.json");
        }
        return new BatchingBenchmark(options).run(out, err);
    }

    private static boolean requestCalls(String value) {
        return switch (value) {
            case "whole" -> true;
            case "scheduler" -> false;
            default -> throw new CommandLine.UsageException("--request-calls must be scheduler or whole, got '" + value
                    + "'");
        };
    }

    static void printServing(LocalStack stack, PrintStream out) {
        LocalCredentials credentials = stack.credentials();
        Map<String, Long> millis = stack.startMillis();
        long total = millis.values().stream().mapToLong(Long::longValue).sum();
        String key = credentials.apiKeySource().equals(LocalCredentials.API_KEY_ENV)
                ? "(from " + LocalCredentials.API_KEY_ENV + ")"
                : credentials.apiKey() + "   (kept in " + credentials.apiKeySource() + ")";
        out.printf("""
                piti-serve is running (started in %.1f s: S3 %d ms, Kafka %d ms, gateway %d ms, worker %d ms)
                  API           %s   (Authorization: Bearer <API key>; OpenAPI at /swagger-ui.html)
                  API key       %s
                  Playground    %s
                  S3            %s   bucket %s, access key %s (secret in %s)
                  Kafka         %s
                  data          %s
                %s
                Ctrl-C stops.
                """,
                total / 1000.0, millis.getOrDefault("s3", 0L), millis.getOrDefault("kafka", 0L),
                millis.getOrDefault("gateway", 0L), millis.getOrDefault("worker", 0L),
                stack.apiUrl(), key, playgroundUrl(stack.apiUrl(), credentials), stack.s3Endpoint(), stack.bucket(),
                credentials.s3AccessKey(),
                stack.settings().dataDir().resolve(LocalCredentials.FILE_NAME),
                stack.kafkaBootstrapServers(), stack.settings().dataDir(), tryCommands(stack.apiUrl(), credentials));
        out.flush();
    }

    /**
     * Commands to paste into a shell at the repository's root. A generated key is exported first
     * (it is printed above anyway), so {@code $PITISERVE_API_KEY} is set whichever way the key came.
     */
    static String tryCommands(URI apiUrl, LocalCredentials credentials) {
        String export = credentials.apiKeySource().equals(LocalCredentials.API_KEY_ENV)
                ? "  # " + LocalCredentials.API_KEY_ENV + " holds the key this service was started with\n"
                : "  export " + LocalCredentials.API_KEY_ENV + "=" + credentials.apiKey() + "\n";
        return "try (from the repository's root):\n" + export
                + "  curl -s -H \"Authorization: Bearer $" + LocalCredentials.API_KEY_ENV + "\" " + apiUrl + "/v1/models\n"
                + "  curl -s -H \"Authorization: Bearer $" + LocalCredentials.API_KEY_ENV + "\" -F input=@" + EXAMPLE_MASK
                + " \\\n       -F 'params={\"task\":\"mask\"};type=application/json' " + apiUrl + "/v1/translations";
    }

    /**
     * The web playground's address. A generated key, already printed, rides in the URL fragment:
     * the page stores it in the browser and removes it from the address bar, and a fragment is never
     * sent to any server. A key from the environment stays out of the output, as above.
     */
    static String playgroundUrl(URI apiUrl, LocalCredentials credentials) {
        if (credentials.apiKeySource().equals(LocalCredentials.API_KEY_ENV)) {
            return apiUrl + "/   (enter the key from " + LocalCredentials.API_KEY_ENV + ")";
        }
        return apiUrl + "/#key=" + URLEncoder.encode(credentials.apiKey(), StandardCharsets.UTF_8);
    }

    static LocalSettings settings(CommandLine line, Path defaultDataDir, boolean freePorts) {
        Path dataDir = Path.of(line.string("data-dir", defaultDataDir.toString()));
        LocalSettings settings = new LocalSettings(
                dataDir,
                line.string("host", LocalSettings.DEFAULT_HOST),
                line.port("http-port", freePorts ? 0 : LocalSettings.DEFAULT_HTTP_PORT),
                line.port("kafka-port", freePorts ? 0 : LocalSettings.DEFAULT_KAFKA_PORT),
                line.port("kafka-controller-port", freePorts ? 0 : LocalSettings.DEFAULT_KAFKA_CONTROLLER_PORT),
                line.port("s3-port", freePorts ? 0 : LocalSettings.DEFAULT_S3_PORT),
                line.string("bucket", LocalSettings.DEFAULT_BUCKET),
                line.has("model") ? java.util.Arrays.stream(line.string("model", "").split(","))
                        .map(String::strip).filter(dir -> !dir.isEmpty()).map(Path::of).toList() : List.of(),
                line.properties());
        for (Path dir : settings.modelDirs()) {
            if (!Files.isRegularFile(dir.resolve("model.json"))) {
                throw new CommandLine.UsageException("--model " + dir + " holds no model.json");
            }
        }
        return settings;
    }

    static Path defaultDataDir() {
        String configured = System.getenv("PITISERVE_DATA_DIR");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "share");
        return base.resolve("pitiserve");
    }

    static String oneLine(Throwable e) {
        Throwable root = e;
        StringBuilder message = new StringBuilder(String.valueOf(e.getMessage() == null ? e : e.getMessage()));
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !message.toString().contains(root.getMessage())) {
            message.append(" (").append(root.getClass().getSimpleName()).append(": ").append(root.getMessage()).append(")");
        }
        return message.toString().replace('\n', ' ');
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
