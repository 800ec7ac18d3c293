package io.pitiserve.standalone;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.pitiserve.gateway.GatewayApplication;
import io.pitiserve.standalone.infra.FreePorts;
import io.pitiserve.standalone.infra.LocalKafka;
import io.pitiserve.standalone.infra.LocalS3;
import io.pitiserve.worker.engine.ModelManifest;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.models.BundledModels;
import io.pitiserve.worker.runtime.WorkerApplication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * A whole piti-serve in one JVM: an S3 server, a KRaft Kafka broker, the gateway and one worker,
 * each of the last two in its own Spring context configured to use the first two. This is what
 * {@code serve} and {@code demo} run and what the end-to-end test starts.
 *
 * <p>Started in dependency order, closed in reverse: worker (drains its jobs), gateway, broker,
 * S3 server. A failed start closes what had started and rethrows; the caller still exits the JVM,
 * because a broker that failed half-way can leave non-daemon threads behind.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    /** The name of the one tenant of a local installation. */
    public static final String TENANT = "local";

    private final LocalSettings settings;
    private final LocalCredentials credentials;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final Map<String, Long> startMillis = new LinkedHashMap<>();
    private LocalS3 s3;
    private LocalKafka kafka;
    private ConfigurableApplicationContext gateway;
    private ConfigurableApplicationContext worker;
    private int extraGateways;
    private boolean closed;

    private LocalStack(LocalSettings settings, LocalCredentials credentials) {
        this.settings = settings;
        this.credentials = credentials;
    }

    /** Starts every part; {@code env} supplies {@code PITISERVE_API_KEY} and {@code PITISERVE_WEBHOOK_SECRET}. */
    public static LocalStack start(LocalSettings settings, Map<String, String> env) {
        StandaloneLogging.bridgeJavaUtilLogging();
        LocalCredentials credentials = LocalCredentials.load(settings.dataDir(), env);
        LocalStack stack = new LocalStack(settings, credentials);
        try {
            stack.startAll();
            return stack;
        } catch (RuntimeException | Error e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() {
        String host = settings.host();
        s3 = timed("s3", () -> LocalS3.start(new LocalS3.Settings(settings.dataDir(), host, settings.s3Port(),
                settings.bucket(), credentials.s3AccessKey(), credentials.s3SecretKey())));
        started.add(s3);

        int brokerPort = settings.kafkaPort() > 0 ? settings.kafkaPort() : FreePorts.pick(host);
        int controllerPort = settings.kafkaControllerPort();
        while (controllerPort <= 0 || controllerPort == brokerPort) {
            controllerPort = FreePorts.pick(host);
        }
        int quorumPort = controllerPort;
        kafka = timed("kafka", () -> LocalKafka.start(
                new LocalKafka.Settings(settings.dataDir(), host, brokerPort, quorumPort)));
        started.add(kafka);

        gateway = timed("gateway", () -> runGateway("local-gateway", gatewayProperties()));
        started.add(gateway);

        worker = timed("worker", () -> run(WorkerApplication.builder().main(WorkerApplication.class),
                WebApplicationType.NONE, "local-worker", workerProperties()));
        started.add(worker);
    }

    /**
     * Starts one more gateway instance on a free port, as a second replica would run: the same
     * broker, bucket, tenants and application id, its own state directory ({@code gateway-N}). It
     * stops with the stack.
     *
     * @return its application context; {@link #apiUrl(ConfigurableApplicationContext)} gives its URL
     */
    public synchronized ConfigurableApplicationContext addGateway() {
        int instance = ++extraGateways + 1;
        Map<String, Object> props = gatewayProperties();
        props.put("server.port", "0");
        props.put("pitiserve.gateway.state-dir", settings.dataDir().resolve("gateway-" + instance).toString());
        props.put("server.tomcat.basedir", settings.dataDir().resolve("tomcat-" + instance).toString());
        ConfigurableApplicationContext another = runGateway("local-gateway-" + instance, props);
        started.add(another);
        return another;
    }

    /** The REST API's base URL, e.g. {@code http://127.0.0.1:8080}. */
    public URI apiUrl() {
        return apiUrl(gateway);
    }

    /** The REST API's base URL of one of this stack's gateways. */
    public URI apiUrl(ConfigurableApplicationContext gatewayContext) {
        int port = ((WebServerApplicationContext) gatewayContext).getWebServer().getPort();
        return URI.create("http://" + settings.host() + ":" + port);
    }

    public URI s3Endpoint() {
        return s3.endpoint();
    }

    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    public LocalSettings settings() {
        return settings;
    }

    public LocalCredentials credentials() {
        return credentials;
    }

    public String bucket() {
        return settings.bucket();
    }

    /** Where the S3 objects live on disk. */
    public Path objectsDir() {
        return s3.root();
    }

    /** Milliseconds each part took to start, in start order. */
    public Map<String, Long> startMillis() {
        return Map.copyOf(startMillis);
    }

    public ConfigurableApplicationContext gatewayContext() {
        return gateway;
    }

    public ConfigurableApplicationContext workerContext() {
        return worker;
    }

    /** Stops worker, gateway, broker and S3 server, in that order; safe to call twice. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = started.size() - 1; i >= 0; i--) {
            AutoCloseable part = started.get(i);
            try {
                part.close();
            } catch (Exception e) {
                log.warn("{} did not stop cleanly: {}", part.getClass().getSimpleName(), e.toString());
            }
        }
        started.clear();
    }

    private Map<String, Object> commonProperties(String applicationName) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("spring.application.name", applicationName);
        props.put("spring.kafka.bootstrap-servers", kafka.bootstrapServers());
        // A laptop does not need 48 partitions; gateway and worker must agree on the number.
        props.put("pitiserve.kafka.request-partitions", "8");
        props.put("pitiserve.kafka.event-partitions", "4");
        props.put("pitiserve.kafka.control-partitions", "1");
        props.put("pitiserve.s3.endpoint", s3.endpoint().toString());
        props.put("pitiserve.s3.region", "us-east-1");
        props.put("pitiserve.s3.bucket", settings.bucket());
        props.put("pitiserve.s3.access-key", credentials.s3AccessKey());
        props.put("pitiserve.s3.secret-key", credentials.s3SecretKey());
        props.put("pitiserve.s3.path-style", "true");
        props.put("pitiserve.s3.create-bucket", "true");
        return props;
    }

    private Map<String, Object> gatewayProperties() {
        Map<String, Object> props = commonProperties("pitiserve-gateway");
        props.put("server.address", settings.host());
        props.put("server.port", String.valueOf(settings.httpPort()));
        props.put("pitiserve.gateway.tenants[0].name", TENANT);
        props.put("pitiserve.gateway.tenants[0].api-key-sha256", credentials.apiKeySha256());
        props.put("pitiserve.gateway.tenants[0].webhook-secret", credentials.webhookSecret());
        // The one local tenant is the machine's owner: no request rate or jobs-in-flight quota to speak of
        // (the benches queue thousands of jobs); the step limits and the job cost ceiling stay.
        props.put("pitiserve.gateway.quotas.tenants." + TENANT + ".requests", "1000000");
        props.put("pitiserve.gateway.quotas.tenants." + TENANT + ".max-jobs-in-flight", "1000000");
        props.put("pitiserve.gateway.state-dir", settings.dataDir().resolve("gateway").toString());
        // Tomcat's base directory with the rest of the data, not a new one in /tmp on every start.
        props.put("server.tomcat.basedir", settings.dataDir().resolve("tomcat").toString());
        // Local mode: receivers on this machine (plain http on loopback) are allowed; the gateway logs it.
        props.put("pitiserve.webhooks.require-https", "false");
        props.put("pitiserve.webhooks.allowed-cidrs[0]", "127.0.0.0/8");
        props.put("pitiserve.webhooks.allowed-cidrs[1]", "::1/128");
        // Every model the local worker serves is declared, so each task has its default at once.
        List<ModelManifest> models = servedModels();
        for (int i = 0; i < models.size(); i++) {
            props.put("pitiserve.gateway.models[" + i + "].name", models.get(i).name());
            props.put("pitiserve.gateway.models[" + i + "].task", models.get(i).input().kind());
            props.put("pitiserve.gateway.models[" + i + "].version", models.get(i).version());
        }
        props.putAll(settings.properties());
        return props;
    }

    /**
     * The bundled demo models the local worker serves when no model directory is given, in order: the first
     * of each task is its default, so masks go to demo-mask unless a request names spade-mask.
     */
    static List<String> bundledDemoModels() {
        return java.util.stream.Stream.of(BundledModels.DEFAULT_MODEL, BundledModels.DEMO_SKETCH, BundledModels.SPADE_MASK)
                .filter(BundledModels::has).toList();
    }

    /** What the local worker serves: the model directories, else the bundled demo models. */
    private List<ModelManifest> servedModels() {
        if (!settings.modelDirs().isEmpty()) {
            return settings.modelDirs().stream().map(PitiModel::readManifest).toList();
        }
        return bundledDemoModels().stream().map(BundledModels::manifest).toList();
    }

    private Map<String, Object> workerProperties() {
        Map<String, Object> props = commonProperties("pitiserve-worker");
        if (!settings.modelDirs().isEmpty()) {
            props.put("pitiserve.worker.models", String.join(",",
                    settings.modelDirs().stream().map(Path::toString).toList()));
        } else {
            props.put("pitiserve.worker.models", String.join(",",
                    bundledDemoModels().stream().map(name -> "bundled:" + name).toList()));
        }
        props.put("pitiserve.worker.model-cache-dir", settings.dataDir().resolve("models").toString());
        props.putAll(settings.properties());
        return props;
    }

    /** Runs the gateway app in this JVM (see {@link #run}). */
    private static ConfigurableApplicationContext runGateway(String name, Map<String, Object> props) {
        return run(new SpringApplicationBuilder(GatewayApplication.class).main(GatewayApplication.class),
                WebApplicationType.SERVLET, name, props);
    }

    /**
     * Runs an app in this JVM with {@code props} as its properties (below system properties and the
     * environment, see {@link #properties}): no banner, and no shutdown hook of its own, since the
     * stack closes what it started, in order.
     */
    private static ConfigurableApplicationContext run(SpringApplicationBuilder app, WebApplicationType web,
            String name, Map<String, Object> props) {
        return app.web(web).bannerMode(Banner.Mode.OFF).registerShutdownHook(false)
                .initializers(properties(name, props)).run();
    }

    /**
     * Our settings rank just below system properties and environment variables, so that
     * {@code -Dserver.port=...} or {@code PITISERVE_WORKER_THREADS=2} still win, and above every
     * properties file on the classpath.
     */
    private static ApplicationContextInitializer<ConfigurableApplicationContext> properties(String name,
                                                                                          Map<String, Object> values) {
        return context -> {
            var sources = context.getEnvironment().getPropertySources();
            MapPropertySource source = new MapPropertySource(name, values);
            if (sources.contains(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
                sources.addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, source);
            } else {
                sources.addFirst(source);
            }
        };
    }

    private <T> T timed(String part, java.util.function.Supplier<T> start) {
        long begin = System.nanoTime();
        T result = start.get();
        startMillis.put(part, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin));
        return result;
    }
}
