package io.pitiserve.bench;

import io.pitiserve.standalone.infra.LocalKafka;
import io.pitiserve.standalone.infra.LocalS3;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the local Kafka broker or the local S3 server as a process of its own, so that it can be
 * killed, stopped and restarted apart from the gateway and the workers ({@code bench chaos}):
 *
 * <pre>
 * java -cp CLASSPATH io.pitiserve.bench.InfraProcess kafka --data-dir D --port P --controller-port C [--host H]
 * java -cp CLASSPATH io.pitiserve.bench.InfraProcess s3 --data-dir D --port P --bucket B [--host H]
 * </pre>
 *
 * The S3 keys come from the environment ({@value #S3_ACCESS_KEY_ENV}, {@value #S3_SECRET_KEY_ENV}),
 * not the command line, which other users of the machine can read. A restart on the same data
 * directory and ports finds the broker's log and the objects where they were. Once the server
 * answers, the process prints {@value #READY} and a description on stdout; it runs until SIGTERM
 * (which closes the server) or SIGKILL.
 */
public final class InfraProcess {

    public static final String READY = "pitiserve-infra ready:";
    public static final String S3_ACCESS_KEY_ENV = "PITISERVE_S3_ACCESS_KEY";
    public static final String S3_SECRET_KEY_ENV = "PITISERVE_S3_SECRET_KEY";

    private InfraProcess() {
    }

    public static void main(String[] args) {
        try {
            AutoCloseable server = start(args, System.getenv());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (Exception e) {
                    System.err.println("did not stop cleanly: " + e);
                }
                stopped.countDown();
            }, "pitiserve-infra-stop"));
            stopped.await();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (RuntimeException e) {
            e.printStackTrace();
            // A half-started broker leaves non-daemon threads behind.
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts what {@code args} names and prints the ready line. */
    static AutoCloseable start(String[] args, Map<String, String> env) {
        if (args.length == 0 || !List.of("kafka", "s3").contains(args[0])) {
            throw new IllegalArgumentException("usage: InfraProcess kafka|s3 --data-dir DIR --port N "
                    + "[--controller-port N (kafka)] [--bucket NAME (s3)] [--host 127.0.0.1]");
        }
        Map<String, String> options = options(args);
        Path dataDir = Path.of(required(options, "data-dir"));
        String host = options.getOrDefault("host", "127.0.0.1");
        int port = Integer.parseInt(required(options, "port"));
        if (args[0].equals("kafka")) {
            LocalKafka kafka = LocalKafka.start(new LocalKafka.Settings(dataDir, host, port,
                    Integer.parseInt(required(options, "controller-port"))));
            System.out.println(READY + " kafka " + kafka.bootstrapServers());
            return kafka;
        }
        String accessKey = env.get(S3_ACCESS_KEY_ENV);
        String secretKey = env.get(S3_SECRET_KEY_ENV);
        if (accessKey == null || secretKey == null) {
            throw new IllegalArgumentException("s3 needs " + S3_ACCESS_KEY_ENV + " and " + S3_SECRET_KEY_ENV
                    + " in the environment");
        }
        LocalS3 s3 = LocalS3.start(new LocalS3.Settings(dataDir, host, port, required(options, "bucket"), accessKey,
                secretKey));
        System.out.println(READY + " s3 " + s3.endpoint());
        return s3;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}
