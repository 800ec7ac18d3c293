package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.sun.net.httpserver.HttpServer;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.Topics;
import io.pitiserve.worker.models.BundledModels;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One trace per job, through the real gateway, broker, worker and webhook dispatcher: the request
 * record, every event of the job and its webhook carry a W3C traceparent of the trace the
 * submission's HTTP request belongs to, and the job's view lists where its time went.
 */
class TracingIT {

    private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-([0-9a-f]{16})-0[0-9a-f]");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dataDir;

    static LocalStack stack;
    static HttpServer receiver;
    static final List<Map<String, String>> webhooks = new CopyOnWriteArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void startEverything() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
            String tracestate = exchange.getRequestHeaders().getFirst("tracestate");
            webhooks.add(Map.of("body", body, "traceparent", traceparent == null ? "" : traceparent,
                    "tracestate", tracestate == null ? "" : tracestate));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        stack = LocalStack.start(LocalSettings.onFreePorts(dataDir)
                .withModelDir(LocalStackIT.MICRO_MODEL)
                .withProperty("pitiserve.worker.progress-interval", "0ms"), Map.of());
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @Test
    void theRequestRecordEveryEventAndTheWebhookOfAJobCarryTheTraceOfItsSubmission() throws Exception {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String id = submit("00-" + traceId + "-00f067aa0ba902b7-01", "piti=1,vendor=abc");
        JsonNode job = awaitFinished(id);

        assertThat(job.path("status").asString()).as("job %s", job).isEqualTo("succeeded");
        Map<String, List<String>> records = traceparentsOf(id);
        assertThat(records.get("request")).as("the request record").hasSize(1);
        assertThat(records.get("events")).as("the events").hasSizeGreaterThanOrEqualTo(3);
        records.values().stream().flatMap(List::stream).forEach(traceparent ->
                assertThat(traceIdOf(traceparent)).as(traceparent).isEqualTo(traceId));

        await().atMost(Duration.ofSeconds(30)).until(() -> webhookFor(id) != null);
        assertThat(traceIdOf(webhookFor(id))).isEqualTo(traceId);
        assertThat(webhooks.stream().filter(w -> w.get("body").contains(id)).map(w -> w.get("tracestate")))
                .as("the tracestate of the submission's trace").isNotEmpty().containsOnly("piti=1,vendor=abc");
    }

    @Test
    void aSubmissionWithoutTraceContextStartsTheTraceItsRecordsAndStageSpansShare() throws Exception {
        String id = submit(null, null);
        JsonNode job = awaitFinished(id);

        Map<String, List<String>> records = traceparentsOf(id);
        String traceId = traceIdOf(records.get("request").get(0));
        assertThat(traceId).isNotEqualTo("0".repeat(32));
        records.get("events").forEach(traceparent -> assertThat(traceIdOf(traceparent)).isEqualTo(traceId));

        List<String> names = new ArrayList<>();
        double end = 0;
        for (JsonNode span : job.path("spans")) {
            names.add(span.path("name").asString());
            assertThat(span.path("start_ms").asDouble()).as("%s", span).isGreaterThanOrEqualTo(end - 0.2);
            assertThat(span.path("duration_ms").asDouble()).as("%s", span).isGreaterThanOrEqualTo(0);
            end = span.path("start_ms").asDouble() + span.path("duration_ms").asDouble();
        }
        assertThat(names).containsSubsequence("queued", "fetch", "encode", "base", "upsampler", "store");
        assertThat(end).isCloseTo(job.path("timings").path("queued").asDouble()
                + job.path("timings").path("total").asDouble(), org.assertj.core.data.Offset.offset(1.0));
    }

    /** Submits the example mask with a webhook, as JSON; the trace context is sent when not null. */
    private static String submit(String traceparent, String tracestate) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("input").put("base64", Base64.getEncoder().encodeToString(BundledModels.example("mask.png")));
        ObjectNode params = body.putObject("params").put("task", "mask").put("base_steps", "3").put("sr_steps", "2");
        params.putObject("webhook").put("url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook");
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.apiUrl().resolve("/v1/translations"))
                .header("Authorization", "Bearer " + stack.credentials().apiKey())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        if (tracestate != null) {
            request.header("tracestate", tracestate);
        }
        HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        return JSON.readTree(answer.body()).path("id").asString();
    }

    private static JsonNode awaitFinished(String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(stack.apiUrl().resolve("/v1/translations/" + id))
                    .header("Authorization", "Bearer " + stack.credentials().apiKey())
                    .header("Prefer", "wait=20").GET().build(), HttpResponse.BodyHandlers.ofString());
            JsonNode job = JSON.readTree(answer.body());
            if (answer.statusCode() == 200 && job.path("finished").isString() || System.nanoTime() > deadline) {
                return job;
            }
        }
    }

    /** The traceparent headers of the job's request record and of its events, up to its terminal one. */
    private static Map<String, List<String>> traceparentsOf(String id) {
        Topics topics = Topics.defaults();
        List<String> request = new ArrayList<>();
        List<String> events = new ArrayList<>();
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.lane("micro-mask"), topics.events())) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() == null || !id.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                        continue;
                    }
                    Header header = record.headers().lastHeader(EventCodec.TRACEPARENT);
                    String value = header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
                    (record.topic().equals(topics.events()) ? events : request).add(value);
                }
                return !request.isEmpty() && events.size() >= 3 && consumer.assignment().stream().allMatch(p -> consumer.position(p)
                        >= consumer.endOffsets(List.of(p)).get(p));
            });
        }
        return Map.of("request", request, "events", events);
    }

    private static String webhookFor(String id) {
        return webhooks.stream().filter(w -> w.get("body").contains(id)).map(w -> w.get("traceparent"))
                .findFirst().orElse(null);
    }

    private static String traceIdOf(String traceparent) {
        Matcher matcher = TRACEPARENT.matcher(traceparent);
        assertThat(matcher.matches()).as("a W3C traceparent: '%s'", traceparent).isTrue();
        return matcher.group(1);
    }
}
