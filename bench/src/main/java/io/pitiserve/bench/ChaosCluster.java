package io.pitiserve.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

import io.pitiserve.standalone.LocalCredentials;
import io.pitiserve.standalone.LocalStack;
import io.pitiserve.bench.ScaleOutBenchmark.WorkerProcess;
import io.pitiserve.standalone.infra.FreePorts;
import io.pitiserve.worker.engine.ModelManifest;

/**
 * The processes of {@code bench chaos} apart from the workers: the S3 server and the Kafka broker
 * ({@link InfraProcess}, launched from this JVM's own class path) and the gateway
 * ({@code java -jar pitiserve-gateway.jar}), each with its log under {@code logDir}. The broker and
 * the S3 server keep their data directory and ports across a restart. Closing kills what runs.
 */
final class ChaosCluster implements AutoCloseable {

    private static final String HOST = "127.0.0.1";
    private static final String BUCKET = "pitiserve";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

    private final Path dataDir;
    private final Path logDir;
    private final Path gatewayJar;
    private final LocalCredentials credentials;
    private final int s3Port = FreePorts.pick(HOST);
    private final int kafkaPort = FreePorts.pick(HOST);
    private final int controllerPort;
    private final int httpPort;
    private final List<WorkerProcess> processes = new ArrayList<>();
    private WorkerProcess s3;
    private WorkerProcess kafka;
    private WorkerProcess gateway;
    private int kafkaStarts;
    private boolean s3Stopped;

    ChaosCluster(Path dataDir, Path gatewayJar, LocalCredentials credentials) {
        this.dataDir = dataDir.toAbsolutePath();
        this.logDir = this.dataDir.resolve("chaos");
        this.gatewayJar = gatewayJar.toAbsolutePath();
        this.credentials = credentials;
        int port = FreePorts.pick(HOST);
        while (port == kafkaPort || port == s3Port) {
            port = FreePorts.pick(HOST);
        }
        this.controllerPort = port;
        port = FreePorts.pick(HOST);
        while (port == kafkaPort || port == s3Port || port == controllerPort) {
            port = FreePorts.pick(HOST);
        }
        this.httpPort = port;
    }

    Path logDir() {
        return logDir;
    }

    /** Starts the S3 server, the broker and the gateway (declaring {@code models}), each once it is needed. */
    void start(List<ModelManifest> models, Map<String, String> gatewayOverrides) {
        s3 = launch("s3", infraCommand("s3", "--port", String.valueOf(s3Port), "--bucket", BUCKET),
                Map.of(InfraProcess.S3_ACCESS_KEY_ENV, credentials.s3AccessKey(),
                        InfraProcess.S3_SECRET_KEY_ENV, credentials.s3SecretKey()));
        awaitReady(s3);
        startKafka();
        Map<String, String> props = new LinkedHashMap<>(common());
        props.put("server.address", HOST);
        props.put("server.port", String.valueOf(httpPort));
        props.put("pitiserve.s3.create-bucket", "true");
        props.put("pitiserve.gateway.tenants[0].name", LocalStack.TENANT);
        props.put("pitiserve.gateway.tenants[0].api-key-sha256", credentials.apiKeySha256());
        props.put("pitiserve.gateway.tenants[0].webhook-secret", credentials.webhookSecret());
        // The bench's one tenant polls and submits far beyond a tenant's default quotas, as in local mode.
        props.put("pitiserve.gateway.quotas.tenants." + LocalStack.TENANT + ".requests", "1000000");
        props.put("pitiserve.gateway.quotas.tenants." + LocalStack.TENANT + ".max-jobs-in-flight", "1000000");
        props.put("pitiserve.gateway.state-dir", dataDir.resolve("gateway").toString());
        props.put("server.tomcat.basedir", logDir.resolve("tomcat-gateway").toString());
        props.put("pitiserve.webhooks.require-https", "false");
        props.put("pitiserve.webhooks.allowed-cidrs[0]", "127.0.0.0/8");
        for (int i = 0; i < models.size(); i++) {
            props.put("pitiserve.gateway.models[" + i + "].name", models.get(i).name());
            props.put("pitiserve.gateway.models[" + i + "].task", models.get(i).input().kind());
            props.put("pitiserve.gateway.models[" + i + "].version", models.get(i).version());
        }
        props.putAll(gatewayOverrides);
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx384m", "-XX:+UseSerialGC", "-jar",
                gatewayJar.toString()));
        // Secrets travel in the environment (SPRING_APPLICATION_JSON), not on the command line.
        gateway = launch("gateway", command, Map.of("SPRING_APPLICATION_JSON", Benchmark.JSON.writeValueAsString(props)));
        awaitGateway();
    }

    /** What a worker needs to reach the broker and the S3 server, as {@link ScaleOutBenchmark.Fleet} takes it. */
    Map<String, String> workerProperties() {
        return common();
    }

    private Map<String, String> common() {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("spring.kafka.bootstrap-servers", bootstrapServers());
        props.put("pitiserve.kafka.request-partitions", "8");
        props.put("pitiserve.kafka.event-partitions", "4");
        props.put("pitiserve.kafka.control-partitions", "1");
        props.put("pitiserve.s3.endpoint", "http://" + HOST + ":" + s3Port);
        props.put("pitiserve.s3.region", "us-east-1");
        props.put("pitiserve.s3.bucket", BUCKET);
        props.put("pitiserve.s3.access-key", credentials.s3AccessKey());
        props.put("pitiserve.s3.secret-key", credentials.s3SecretKey());
        props.put("pitiserve.s3.path-style", "true");
        return props;
    }

    URI apiUrl() {
        return URI.create("http://" + HOST + ":" + httpPort);
    }

    String bootstrapServers() {
        return HOST + ":" + kafkaPort;
    }

    WorkerProcess gateway() {
        return gateway;
    }

    /** SIGKILL to the broker; nothing is flushed or closed. */
    void killBroker() {
        kafka.kill();
    }

    /** Starts the broker again on the same ports and log directory and waits until it answers. */
    void startKafka() {
        kafkaStarts++;
        kafka = launch(kafkaStarts == 1 ? "kafka" : "kafka-" + kafkaStarts, infraCommand("kafka", "--port",
                String.valueOf(kafkaPort), "--controller-port", String.valueOf(controllerPort)), Map.of());
        awaitReady(kafka);
    }

    /** SIGSTOP to the S3 server: connections are accepted by the kernel and then hang. */
    void stopS3() {
        signal(s3, "STOP");
        s3Stopped = true;
    }

    /** SIGCONT: the S3 server carries on where it stopped. */
    void continueS3() {
        signal(s3, "CONT");
        s3Stopped = false;
    }

    @Override
    public void close() {
        if (s3Stopped && s3.alive()) {
            continueS3();
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            WorkerProcess process = processes.get(i);
            if (process.alive()) {
                process.terminate();
                try {
                    process.awaitExit(Duration.ofSeconds(30));
                } catch (IllegalStateException e) {
                    process.kill();
                }
            }
        }
    }

    private WorkerProcess launch(String name, List<String> command, Map<String, String> env) {
        WorkerProcess process = WorkerProcess.start(name, command, env, logDir.resolve(name + ".log"));
        processes.add(process);
        return process;
    }

    private List<String> infraCommand(String what, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx256m", "-XX:+UseSerialGC",
                "-Dlogback.configurationFile=pitiserve-standalone-logback.xml"));
        String classPath = System.getProperty("java.class.path");
        if (isBootJar(classPath)) {
            // Running from the executable pitiserve.jar: its classes and libraries are nested.
            command.addAll(List.of("-Dloader.main=" + InfraProcess.class.getName(), "-cp", classPath,
                    "org.springframework.boot.loader.launch.PropertiesLauncher"));
        } else {
            command.addAll(List.of("-cp", classPath, InfraProcess.class.getName()));
        }
        command.addAll(List.of(what, "--data-dir", dataDir.toString(), "--host", HOST));
        command.addAll(List.of(args));
        return command;
    }

    private static boolean isBootJar(String classPath) {
        if (classPath.contains(File.pathSeparator) || !classPath.endsWith(".jar")) {
            return false;
        }
        try (JarFile jar = new JarFile(classPath)) {
            Manifest manifest = jar.getManifest();
            return manifest != null && manifest.getMainAttributes().getValue("Spring-Boot-Classes") != null;
        } catch (IOException e) {
            return false;
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static void awaitReady(WorkerProcess process) {
        ScaleOutBenchmark.await(process.name() + " ready (see " + process.log() + ")", START_TIMEOUT, () -> {
            if (!process.alive()) {
                throw new IllegalStateException(process.name() + " exited with " + process.exitCode() + "; see "
                        + process.log());
            }
            try {
                return Files.readString(process.log()).contains(InfraProcess.READY);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private void awaitGateway() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI readiness = apiUrl().resolve("/actuator/health/readiness");
        ScaleOutBenchmark.await("the gateway ready (see " + gateway.log() + ")", START_TIMEOUT, () -> {
            if (!gateway.alive()) {
                throw new IllegalStateException("the gateway exited with " + gateway.exitCode() + "; see "
                        + gateway.log());
            }
            try {
                HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(readiness)
                        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() == 200) {
                    return true;
                }
                return pauseThenFalse();
            } catch (IOException e) {
                // not listening yet
                return pauseThenFalse();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        });
    }

    private static boolean pauseThenFalse() {
        try {
            TimeUnit.MILLISECONDS.sleep(500);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void signal(WorkerProcess process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + signal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
