package io.pitiserve.worker.runtime;

import io.pitiserve.common.digest.Sha256;
import io.pitiserve.common.events.EncodedEvent;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.common.image.CocoStuffPalette;
import io.pitiserve.common.storage.S3ObjectStore;
import io.pitiserve.common.testing.LocalS3Server;
import io.pitiserve.common.testing.TestDirectories;
import io.pitiserve.testsupport.kafka.BrokerForTest;
import io.pitiserve.testsupport.kafka.TestBroker;
import io.pitiserve.worker.TestResources;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The served worker (management port, Prometheus scrape) with a real s3proxy that goes away while a
 * job is being run and comes back: the job retries with back-off, is neither failed nor committed
 * meanwhile, and succeeds exactly once when S3 answers again. Its metrics are then on
 * {@code /actuator/prometheus}, tagged by model and stage, never by job. A stored input over the
 * input limit fails its job once, as input_too_large, from the size S3 reports.
 */
@BrokerForTest(partitions = 1)
class ObjectStoreOutageIT {

    private static final String BUCKET = "pitiserve-outage-it";
    private static final String TENANT = "acme";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static LocalS3Server s3;
    private static ConfigurableApplicationContext worker;
    private static TopicTap events;
    private static KafkaProducer<byte[], byte[]> producer;
    private static S3ObjectStore store;
    private static String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final EventCodec codec = new EventCodec("/pitiserve/outage-it");

    @BeforeAll
    static void startWorker(TestBroker broker) throws Exception {
        s3 = LocalS3Server.start();
        Path model = TestResources.microMask();
        Map<String, Object> properties = new HashMap<>(s3.properties(BUCKET));
        properties.putAll(Map.of(
                "server.port", "0",
                "server.tomcat.basedir", TestDirectories.fresh("outage-tomcat").toString(),
                "spring.kafka.bootstrap-servers", broker.bootstrapServers(),
                "pitiserve.kafka.request-partitions", "1",
                "pitiserve.kafka.event-partitions", "1",
                "pitiserve.worker.model-dir", model.toString(),
                "pitiserve.worker.retry-initial-backoff", "100ms",
                "pitiserve.worker.retry-max-backoff", "400ms",
                "logging.level.org.gaul", "WARN"));
        worker = WorkerApplication.serveBuilder().properties(properties).run();
        base = "http://127.0.0.1:" + worker.getEnvironment().getProperty("local.server.port");
        events = new TopicTap(broker.bootstrapServers(), "pitiserve.events");
        producer = producer(broker);
        store = s3.client(BUCKET);
    }

    @AfterAll
    static void stopWorker() throws Exception {
        store.close();
        producer.close();
        events.close();
        worker.close();
        s3.close();
    }

    @Test
    void aJobWhoseStoreGoesAwayRetriesWithBackOffAndSucceedsOnceWhenItIsBackAndItsMetricsAreScraped()
            throws Exception {
        String jobId = "tr_outage" + Long.toString(System.nanoTime(), 32);
        await().atMost(WAIT).until(() -> get(base + "/actuator/health/readiness").statusCode() == 200);
        byte[] input = maskPng();
        store.put("inputs/" + TENANT + "/" + jobId, input, "image/png");

        s3.stop();
        try {
            publish(producer, request(jobId, input));
            // Back-off: several spaced tries, none of which ends the job.
            await().atMost(WAIT).until(() -> storeRetries(base) >= 3);
            assertThat(eventsOf(events, jobId)).noneMatch(e -> e instanceof TranslationSucceeded
                    || e instanceof TranslationFailed);
        } finally {
            s3.startAgain();
        }

        TranslationSucceeded succeeded = await().atMost(WAIT).until(() -> eventsOf(events, jobId).stream()
                .filter(TranslationSucceeded.class::isInstance).map(TranslationSucceeded.class::cast)
                .findFirst().orElse(null), e -> e != null);
        List<JobEvent> all = eventsOf(events, jobId);
        assertThat(all).filteredOn(TranslationStarted.class::isInstance).hasSize(1);
        assertThat(all).filteredOn(TranslationSucceeded.class::isInstance).hasSize(1);
        assertThat(all).noneMatch(TranslationFailed.class::isInstance);
        assertThat(store.get(succeeded.manifestKey())).isPresent();
        assertThat(store.get(succeeded.results().get(0).key())).isPresent();

        String metrics = get(base + "/actuator/prometheus").body();
        String modelTag = "model=\"" + succeeded.model() + "\"";
        assertThat(metrics).contains(
                "pitiserve_worker_jobs_total{" + modelTag + ",outcome=\"succeeded\"}",
                "pitiserve_worker_retries_total{cause=\"store\"," + modelTag + "}",
                "pitiserve_worker_stage_duration_seconds_count{" + modelTag + ",stage=\"queued\"}",
                "pitiserve_worker_stage_duration_seconds_count{" + modelTag + ",stage=\"fetch\"}",
                "pitiserve_worker_stage_duration_seconds_count{" + modelTag + ",stage=\"base\"}",
                "pitiserve_worker_step_duration_seconds_count{" + modelTag + ",stage=\"base\"}",
                "pitiserve_worker_step_duration_seconds_count{" + modelTag + ",stage=\"upsampler\"}",
                "pitiserve_worker_batch_rows{" + modelTag + ",stage=\"base\"}",
                "pitiserve_worker_queue_lag_records{" + modelTag + "}",
                "pitiserve_worker_scheduler_jobs{" + modelTag + ",state=\"waiting\"}");
        assertThat(value(metrics, "pitiserve_worker_steps_total{" + modelTag + ",stage=\"base\"}")).isEqualTo(5);
        assertThat(value(metrics, "pitiserve_worker_step_rows_total{" + modelTag + ",stage=\"upsampler\"}"))
                .isEqualTo(3);
        assertThat(value(metrics, "pitiserve_worker_queue_lag_records{" + modelTag + "}")).isZero();
        assertThat(metrics).doesNotContain(jobId);
    }

    @Test
    void aStoredInputOverTheInputLimitFailsTheJobAsInputTooLargeWithoutRetrying() throws Exception {
        String jobId = "tr_oversized" + Long.toString(System.nanoTime(), 32);
        await().atMost(WAIT).until(() -> get(base + "/actuator/health/readiness").statusCode() == 200);
        byte[] input = new byte[8 * 1024 * 1024 + 1];
        store.put("inputs/" + TENANT + "/" + jobId, input, "image/png");
        double retriesBefore = storeRetries(base);

        publish(producer, request(jobId, input));

        TranslationFailed failed = await().atMost(WAIT).until(() -> eventsOf(events, jobId).stream()
                .filter(TranslationFailed.class::isInstance).map(TranslationFailed.class::cast)
                .findFirst().orElse(null), e -> e != null);
        assertThat(failed.code()).isEqualTo("input_too_large");
        assertThat(failed.message()).contains("inputs/" + TENANT + "/" + jobId).contains("8388609 bytes")
                .contains("the limit is 8388608 bytes");
        assertThat(eventsOf(events, jobId)).noneMatch(TranslationSucceeded.class::isInstance);
        assertThat(storeRetries(base)).isEqualTo(retriesBefore);
    }

    /** The base stage takes 5 steps, the upsampler 3, one sample: the step counters must say exactly that. */
    private TranslationRequested request(String jobId, byte[] input) throws Exception {
        String json = """
                {"job_id": "%s", "tenant": "%s", "time": "%s", "input_key": "inputs/%s/%s",
                 "input_sha256": "%s", "input_content_type": "image/png",
                 "params": {"task": "mask", "num_samples": 1, "guidance_scale": 0, "base_steps": "5", "sr_steps": "3",
                            "eta": 0, "seed": 7, "return_base": false}}
                """.formatted(jobId, TENANT, Instant.now(), TENANT, jobId,
                Sha256.hex(input));
        return EventCodec.fromJson(json.getBytes(StandardCharsets.UTF_8), TranslationRequested.class);
    }

    private void publish(KafkaProducer<byte[], byte[]> producer, TranslationRequested request) throws Exception {
        EncodedEvent event = codec.encode(request, null);
        RecordHeaders headers = new RecordHeaders();
        event.headers().forEach(headers::add);
        producer.send(new ProducerRecord<>(io.pitiserve.common.events.Topics.defaults().lane("micro-mask"), null, event.key(), event.value(), headers)).get();
    }

    private List<JobEvent> eventsOf(TopicTap events, String jobId) {
        List<JobEvent> found = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : events.records()) {
            if (jobId.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                Map<String, byte[]> headers = new HashMap<>();
                record.headers().forEach(h -> headers.put(h.key(), h.value()));
                try {
                    found.add(codec.decode(record.value(), headers));
                } catch (UnreadableEventException e) {
                    throw new AssertionError("the worker published an unreadable event", e);
                }
            }
        }
        return found;
    }

    private double storeRetries(String base) throws Exception {
        Matcher m = Pattern.compile("^pitiserve_worker_retries_total\\{cause=\"store\"[^}]*} (\\S+)$", Pattern.MULTILINE)
                .matcher(get(base + "/actuator/prometheus").body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static double value(String metrics, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertThat(m.find()).as("series " + series + " in\n" + metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static KafkaProducer<byte[], byte[]> producer(TestBroker broker) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    /** A 64 x 64 mask in horizontal bands of COCO-Stuff classes: sky over grass over sand. */
    private static byte[] maskPng() throws Exception {
        CocoStuffPalette palette = CocoStuffPalette.standard();
        int[] bands = {156, 123, 153};
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int row = 0; row < 64; row++) {
            int rgb = palette.rgbOf(bands[row * bands.length / 64]);
            for (int column = 0; column < 64; column++) {
                image.setRGB(column, row, rgb);
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }
}
