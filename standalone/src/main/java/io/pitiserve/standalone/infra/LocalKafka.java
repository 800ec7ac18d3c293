package io.pitiserve.standalone.infra;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one node) running inside this
 * JVM, with its log under a data directory so topics and offsets survive a restart.
 *
 * <p>The log directory is formatted once (a standalone dynamic quorum); later starts find it
 * formatted and keep the cluster id.
 */
public final class LocalKafka implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalKafka.class);

    /** Where the broker keeps its log and on which loopback ports it listens. */
    public record Settings(Path dataDir, String host, int brokerPort, int controllerPort,
                           Map<String, String> overrides) {
        public Settings {
            if (brokerPort <= 0 || controllerPort <= 0) {
                throw new IllegalArgumentException("Kafka needs fixed ports (pick free ones first), got broker "
                        + brokerPort + ", controller " + controllerPort);
            }
            if (brokerPort == controllerPort) {
                throw new IllegalArgumentException("broker and controller ports must differ: " + brokerPort);
            }
            overrides = Map.copyOf(overrides);
        }

        public Settings(Path dataDir, String host, int brokerPort, int controllerPort) {
            this(dataDir, host, brokerPort, controllerPort, Map.of());
        }
    }

    private final Settings settings;
    private final KafkaRaftServer server;

    private LocalKafka(Settings settings, KafkaRaftServer server) {
        this.settings = settings;
        this.server = server;
    }

    /**
     * Formats the log directory if it is new, starts the broker and waits until it answers a
     * client. The caller must exit the JVM if this throws: a half-started broker leaves
     * non-daemon threads behind.
     */
    public static LocalKafka start(Settings settings) {
        long started = System.nanoTime();
        Properties props = brokerProperties(settings);
        format(settings, props);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        LocalKafka kafka = new LocalKafka(settings, server);
        try {
            server.startup();
            kafka.awaitReady(Duration.ofSeconds(60));
        } catch (RuntimeException e) {
            kafka.close();
            throw new IllegalStateException("Kafka broker could not start on " + kafka.bootstrapServers()
                    + " (controller " + settings.host() + ":" + settings.controllerPort() + "): " + e.getMessage(), e);
        }
        log.info("Kafka broker ready at {} in {} ms (log in {})", kafka.bootstrapServers(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), logDir(settings));
        return kafka;
    }

    /** {@code host:port} of the PLAINTEXT listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return settings.host() + ":" + settings.brokerPort();
    }

    public Settings settings() {
        return settings;
    }

    /** Stops the broker and waits until its threads are gone. */
    @Override
    public void close() {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            log.warn("Kafka broker did not shut down cleanly: {}", e.toString());
        }
    }

    static Path logDir(Settings settings) {
        return settings.dataDir().resolve("kafka");
    }

    static Properties brokerProperties(Settings settings) {
        String host = settings.host();
        String controller = host + ":" + settings.controllerPort();
        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.bootstrap.servers", controller);
        props.put("listeners", "PLAINTEXT://" + host + ":" + settings.brokerPort() + ",CONTROLLER://" + controller);
        props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + settings.brokerPort()
                + ",CONTROLLER://" + controller);
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", logDir(settings).toAbsolutePath().toString());
        // One node: every replication factor and every minimum ISR is 1.
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("offsets.topic.num.partitions", "4");
        props.put("num.partitions", "1");
        // A laptop process: no wait before the first rebalance, a small cleaner buffer (the
        // default reserves 128 MB for compaction of a handful of small topics).
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.putAll(settings.overrides());
        return props;
    }

    private static void format(Settings settings, Properties props) {
        Path dir = logDir(settings);
        if (Files.exists(dir.resolve("meta.properties"))) {
            return;
        }
        try {
            Files.createDirectories(dir);
            Path config = Files.createTempFile("pitiserve-kafka", ".properties");
            try {
                try (OutputStream out = Files.newOutputStream(config)) {
                    props.store(out, "piti-serve local broker");
                }
                ByteArrayOutputStream output = new ByteArrayOutputStream();
                int rc;
                try (PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8)) {
                    rc = StorageTool.execute(new String[] {
                        "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString(),
                        "--standalone", "--ignore-formatted"}, print);
                }
                if (rc != 0) {
                    throw new IllegalStateException("cannot format Kafka log directory " + dir + ": "
                            + output.toString(StandardCharsets.UTF_8).strip());
                }
                log.debug("formatted Kafka log directory {}: {}", dir, output.toString(StandardCharsets.UTF_8).strip());
            } finally {
                Files.deleteIfExists(config);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Kafka log directory " + dir, e);
        }
    }

    private void awaitReady(Duration timeout) {
        Properties client = new Properties();
        client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        client.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        client.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        try (Admin admin = Admin.create(client)) {
            admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("Kafka broker at " + bootstrapServers() + " did not become ready within "
                    + timeout.toSeconds() + " s: " + e, e);
        }
    }
}
