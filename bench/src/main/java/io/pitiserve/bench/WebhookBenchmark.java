package io.pitiserve.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.webhook.WebhookPayload;
import io.pitiserve.client.webhook.WebhookVerification;
import io.pitiserve.client.webhook.WebhookVerifier;
import io.pitiserve.common.events.EncodedEvent;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.standalone.LocalSettings;
import io.pitiserve.standalone.LocalStack;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code bench webhooks}: how fast the webhook dispatcher turns a job's completion into a signed
 * POST to a receiver on loopback. Jobs are submitted through the REST API with a webhook URL and
 * stay queued (the worker is paused); the benchmark then publishes their {@code succeeded} events
 * on the events topic itself, as a worker would, and a local receiver (the JDK's HttpServer)
 * verifies every request with the local tenant's secret and notes when it arrived.
 *
 * <p>Latency is completion to delivery: the event's time (set when it is published) to the
 * request's arrival at the receiver, both on this JVM's clock. First one job at a time (the
 * latency of an idle dispatcher, the figures {@code delivery_p50_ms} and {@code delivery_p99_ms}),
 * then all the others at once (deliveries per second, and the latency under that burst).
 */
public final class WebhookBenchmark implements Benchmark {

    static final double P50_GOAL_MS = 100;
    private static final Duration WAIT = Duration.ofMinutes(3);

    /**
     * @param deliveries     the burst: jobs completed at once
     * @param latencySamples jobs completed one at a time before the burst
     */
    public record Options(int deliveries, int latencySamples) {
        public Options {
            Benchmark.require(deliveries >= 1, "--deliveries must be at least 1, got " + deliveries);
            Benchmark.require(latencySamples >= 1, "--latency-samples must be at least 1, got " + latencySamples);
        }
    }

    private final Options options;

    public WebhookBenchmark(Options options) {
        this.options = options;
    }

    @Override
    public int run(LocalSettings settings, PrintStream out, PrintStream err) {
        try (LocalStack stack = Benchmark.startStack(settings, err);
             Receiver receiver = new Receiver(new WebhookVerifier(stack.credentials().webhookSecret()))) {
            stack.workerContext().stop();
            PitiServeClient client = PitiServeClient.create(stack.apiUrl(), stack.credentials().apiKey());
            String url = "http://127.0.0.1:" + receiver.port() + "/piti/hooks";
            int total = options.latencySamples() + options.deliveries();
            err.printf("submitting %d jobs with a webhook to %s (worker paused) ...%n", total, url);
            List<String> ids = submit(client, url, total);
            try (KafkaProducer<byte[], byte[]> producer = producer(stack.kafkaBootstrapServers())) {
                Topics topics = Topics.defaults();
                EventCodec codec = new EventCodec("/pitiserve/bench-worker");
                err.printf("completing %d jobs one at a time ...%n", options.latencySamples());
                for (String id : ids.subList(0, options.latencySamples())) {
                    producer.send(succeeded(codec, topics, id));
                    producer.flush();
                    receiver.await(id, WAIT);
                }
                List<String> burst = ids.subList(options.latencySamples(), total);
                err.printf("completing %d jobs at once ...%n", burst.size());
                long begin = System.nanoTime();
                for (String id : burst) {
                    producer.send(succeeded(codec, topics, id));
                }
                producer.flush();
                for (String id : burst) {
                    receiver.await(id, WAIT);
                }
                double burstWallMs = Benchmark.millisSince(begin);
                report(receiver, ids.subList(0, options.latencySamples()), burst, burstWallMs, out);
            }
            return 0;
        }
    }

    private static List<String> submit(PitiServeClient client, String url, int count) {
        TranslationRequest request = TranslationRequest.builder("mask")
                .input(GatewayBenchmark.syntheticMask(1024), "image/png").fileName("mask.png")
                .webhook(URI.create(url)).build();
        ExecutorService submitters = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(submitters.submit(() -> client.submit(request).id()));
            }
            List<String> ids = new ArrayList<>();
            for (Future<String> future : futures) {
                ids.add(future.get());
            }
            return ids;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while submitting", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a submission failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            submitters.shutdownNow();
        }
    }

    private static ProducerRecord<byte[], byte[]> succeeded(EventCodec codec, Topics topics, String id) {
        TranslationSucceeded event = new TranslationSucceeded(id, LocalStack.TENANT, Instant.now(),
                List.of(new TranslationSucceeded.ResultImage("sample", 0, "results/" + LocalStack.TENANT + "/" + id
                        + "/sample-0.png", 100_000, "0".repeat(64), 256, 256)),
                "results/" + LocalStack.TENANT + "/" + id + "/manifest.json", "tiny-mask", 1,
                Map.of("total", 1000.0), List.of(), Map.of());
        EncodedEvent encoded = codec.encode(event, null);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topics.events(), encoded.key(), encoded.value());
        encoded.headers().forEach((name, value) -> record.headers().add(name, value));
        return record;
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private void report(Receiver receiver, List<String> single, List<String> burst, double burstWallMs,
                        PrintStream out) {
        Percentiles idle = Percentiles.of(single.stream().map(receiver::latencyMs).toList());
        Percentiles loaded = Percentiles.of(burst.stream().map(receiver::latencyMs).toList());
        double perSecond = burst.size() * 1000.0 / burstWallMs;
        boolean goalMet = idle.p50() <= P50_GOAL_MS && receiver.unverified() == 0 && receiver.duplicates() == 0;

        out.printf("bench webhooks: %d jobs completed one at a time, then %d at once; signed POSTs to a receiver on"
                        + " loopback that verifies each; %d CPU cores%n", single.size(), burst.size(),
                Runtime.getRuntime().availableProcessors());
        out.printf("goal: completion-to-delivery p50 <= %.0f ms on loopback%n", P50_GOAL_MS);
        out.printf("%-48s %10s %10s %10s%n", "milliseconds, event published -> POST received", "p50", "p99", "max");
        PipelineBenchmark.row(out, "one at a time", idle);
        PipelineBenchmark.row(out, "burst of " + burst.size(), loaded);
        out.printf("burst: %d deliveries in %.2f s = %.0f deliveries/s; unverified %d, duplicates %d, statuses %s%n",
                burst.size(), burstWallMs / 1000.0, perSecond, receiver.unverified(), receiver.duplicates(),
                receiver.rejections());
        out.println("goal " + (goalMet ? "met" : "NOT met on this machine"));

        ObjectNode json = Benchmark.JSON.createObjectNode()
                .put("bench", "webhooks")
                .put("latency_samples", single.size())
                .put("deliveries", burst.size())
                .put("deliveries_per_s", Math.round(perSecond * 10.0) / 10.0);
        idle.putMillis(json, "delivery_");
        loaded.putMillis(json, "burst_")
                .put("unverified", receiver.unverified())
                .put("duplicates", receiver.duplicates())
                .put("cpu_cores", Runtime.getRuntime().availableProcessors())
                .put("goal_met", goalMet);
        Benchmark.printJson(json, out);
    }

    /** The receiver: verifies each request and notes when each job's first webhook arrived. */
    private static final class Receiver implements AutoCloseable {

        private final HttpServer server;
        private final ExecutorService executor = Executors.newFixedThreadPool(16);
        private final WebhookVerifier verifier;
        private final Map<String, Double> latencyMs = new ConcurrentHashMap<>();
        private final AtomicInteger unverified = new AtomicInteger();
        private final AtomicInteger duplicates = new AtomicInteger();
        private final Map<String, Integer> rejections = new ConcurrentHashMap<>();

        Receiver(WebhookVerifier verifier) {
            this.verifier = verifier;
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start the webhook receiver", e);
            }
            server.createContext("/", this::handle);
            server.setExecutor(executor);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private void handle(HttpExchange exchange) throws IOException {
            Instant arrived = Instant.now();
            try (exchange) {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readAllBytes();
                }
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, values.get(0)));
                WebhookVerification verification = verifier.verify(headers, body);
                if (verification instanceof WebhookVerification.Rejected rejected) {
                    unverified.incrementAndGet();
                    rejections.merge(rejected.reason().name().toLowerCase(Locale.ROOT), 1, Integer::sum);
                } else {
                    WebhookPayload payload = ((WebhookVerification.Verified) verification).payload();
                    double ms = Duration.between(payload.timestamp(), arrived).toNanos() / 1e6;
                    if (latencyMs.putIfAbsent(payload.data().id(), ms) != null) {
                        duplicates.incrementAndGet();
                    }
                }
                exchange.sendResponseHeaders(204, -1);
            }
        }

        void await(String id, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!latencyMs.containsKey(id)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no webhook for job " + id + " within " + timeout.toSeconds()
                            + " s (unverified so far: " + unverified.get() + ")");
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
        }

        double latencyMs(String id) {
            return latencyMs.get(id);
        }

        int unverified() {
            return unverified.get();
        }

        int duplicates() {
            return duplicates.get();
        }

        Map<String, Integer> rejections() {
            return new TreeMap<>(rejections);
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
