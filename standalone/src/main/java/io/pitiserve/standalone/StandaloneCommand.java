package io.pitiserve.standalone;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import io.pitiserve.common.cli.CommandLine;

/**
 * Entry point of {@code pitiserve.jar}: {@code serve} runs a whole piti-serve in this process,
 * {@code demo} does the same on free ports, sends the bundled example mask through the REST API
 * and writes the result PNGs. The benchmarks live in {@code pitiserve-bench.jar}.
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

            environment: PITISERVE_API_KEY and PITISERVE_WEBHOOK_SECRET (whsec_...) set the local
            tenant's API key and webhook signing secret; otherwise both are generated once and kept in
            <data-dir>/credentials.properties. Local mode allows webhook receivers on loopback
            (127.0.0.0/8, ::1) over plain http; other private addresses stay refused.
            PITISERVE_LOG_LEVEL (serve INFO, demo WARN) sets the log level; logs go to stderr.
            """;

    /** The bundled example mask, as a path from the repository's root (serve's hint submits it). */
    static final String EXAMPLE_MASK = "worker/src/main/resources/pitiserve/examples/mask.png";
    /** The options of every command that runs a whole local piti-serve (serve, demo, the benches). */
    public static final Set<String> COMMON_OPTIONS = Set.of("data-dir", "host", "http-port", "kafka-port",
            "kafka-controller-port", "s3-port", "bucket", "model", CommandLine.SET);
    static final Set<String> DEMO_OPTIONS = Set.of("out", "task", "input", "base-steps", "sr-steps", "num-samples", "seed",
            "timeout");

    private StandaloneCommand() {
    }

    public static void main(String[] args) {
        configureProcess(args.length > 0 && args[0].equals("demo"));
        int code = run(List.of(args), System.out, System.err);
        if (code >= 0) {
            // Kafka and Spring leave non-daemon threads; exit explicitly, also after a failed start.
            System.exit(code);
        }
    }

    /**
     * Before anything logs: one logging configuration for the broker, S3 and both contexts, and DJL
     * offline. {@code quiet}: a command that shows its own progress (demo, the benches), so other
     * components speak up only about problems unless PITISERVE_LOG_LEVEL says otherwise.
     */
    public static void configureProcess(boolean quiet) {
        setIfAbsent("org.springframework.boot.logging.LoggingSystem", "none");
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.graph_optimizer", "false");
        if (quiet && System.getenv("PITISERVE_LOG_LEVEL") == null) {
            setIfAbsent("PITISERVE_LOG_LEVEL", "WARN");
        }
        StandaloneLogging.configure();
    }

    /** The exit code, or -1 when the process should keep running (serve). */
    public static int run(List<String> args, PrintStream out, PrintStream err) {
        int help = CommandLine.helpExitCode(args, USAGE, out);
        if (help >= 0) {
            return help;
        }
        try {
            return switch (args.get(0)) {
                case "serve" -> serve(args.subList(1, args.size()), out, err);
                case "demo" -> new DemoCommand(out, err).run(args.subList(1, args.size()));
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

    public static LocalSettings settings(CommandLine line, Path defaultDataDir, boolean freePorts) {
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

    public static String oneLine(Throwable e) {
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

    public static void deleteRecursively(Path dir) {
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
