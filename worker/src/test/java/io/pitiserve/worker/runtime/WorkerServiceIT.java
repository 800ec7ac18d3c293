package io.pitiserve.worker.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.pitiserve.common.digest.Sha256;
import io.pitiserve.common.events.CancellationRequested;
import io.pitiserve.common.events.EncodedEvent;
import io.pitiserve.common.events.EventCodec;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationCancelled;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.catalogue.CatalogueCodec;
import io.pitiserve.common.catalogue.ModelAnnouncement;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.events.UnreadableEventException;
import io.pitiserve.common.image.CocoStuffPalette;
import io.pitiserve.common.storage.ObjectStore;
import io.pitiserve.worker.TestResources;
import io.pitiserve.worker.runtime.job.JobRunner;
import io.pitiserve.worker.runtime.job.Retrier;
import io.pitiserve.worker.runtime.kafka.KafkaEventPublisher;
import io.pitiserve.worker.runtime.kafka.KafkaRequestConsumer;
import io.pitiserve.worker.models.ServedModels;
import io.pitiserve.testsupport.kafka.BrokerForTest;
import io.pitiserve.testsupport.kafka.TestBroker;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The worker service end to end: a real Kafka broker (@BrokerForTest), a real S3 server (s3proxy) in this JVM
 * and the micro model; requests go in on the model's request lane, events come out on the events topic.
 */
@SpringBootTest(classes = WorkerApplication.class, properties = {
        "spring.main.banner-mode=off",
        "pitiserve.kafka.request-partitions=2",
        "pitiserve.kafka.event-partitions=1",
        "pitiserve.kafka.control-partitions=1",
        "pitiserve.worker.id=worker-it",
        "pitiserve.worker.drain-timeout=5s",
        "pitiserve.worker.progress-interval=0ms",
        "logging.level.org.gaul=WARN",
        "logging.level.ai.djl=WARN",
        "logging.pattern.level=%5p [%X{jobId:-}]"
})
@BrokerForTest(partitions = 1)
class WorkerServiceIT {

    private static final String ACCESS_KEY = "worker-it-access";
    private static final String SECRET_KEY = "worker-it-secret-0123456789";
    private static final String BUCKET = "pitiserve-worker-it";
    private static final String TENANT = "acme";
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** The request lane of the micro model the worker serves. */
    private static final String LANE = Topics.defaults().lane("micro-mask");

    private static S3Proxy s3proxy;
    private static TopicTap events;
    private static TopicTap deadLetters;
    private static KafkaProducer<byte[], byte[]> producer;

    private final EventCodec codec = new EventCodec("/pitiserve/worker-it");

    @Autowired
    private TestBroker broker;
    @Autowired
    private ObjectStore store;
    @Autowired
    private MeterRegistry meters;
    @Autowired
    private JobRunner runner;
    @Autowired
    private ServedModels models;
    @Autowired
    private KafkaEventPublisher publisher;
    @Autowired
    private Retrier retrier;
    @Autowired
    private io.pitiserve.worker.runtime.tracing.JobTracing tracing;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        startS3();
        registry.add("pitiserve.s3.endpoint", () -> "http://127.0.0.1:" + s3proxy.getPort());
        registry.add("pitiserve.s3.bucket", () -> BUCKET);
        registry.add("pitiserve.s3.access-key", () -> ACCESS_KEY);
        registry.add("pitiserve.s3.secret-key", () -> SECRET_KEY);
        registry.add("pitiserve.s3.path-style", () -> "true");
        registry.add("pitiserve.s3.create-bucket", () -> "true");
        registry.add("pitiserve.worker.model-dir", WorkerServiceIT::microModel);
    }

    private static synchronized void startS3() throws Exception {
        if (s3proxy == null) {
            s3proxy = S3Proxy.builder()
                    .blobStore(BlobStores.create("transient", new Properties()))
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .build();
            s3proxy.start();
        }
    }

    private static String microModel() {
        return TestResources.microMask().toString();
    }

    @BeforeAll
    static void openClients(@Autowired TestBroker broker) {
        String servers = broker.bootstrapServers();
        events = new TopicTap(servers, "pitiserve.events");
        deadLetters = new TopicTap(servers, "pitiserve.dead-letter");
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    @AfterAll
    static void closeClients() throws Exception {
        producer.close();
        events.close();
        deadLetters.close();
        s3proxy.stop();
    }

    @Test
    void aRequestedMaskIsTranslatedStoredAndAnnouncedAsStartedProgressAndSucceeded() throws Exception {
        String jobId = newJobId();
        TranslationRequested request = request(jobId, storeInput(jobId, maskPng()), params("5", "3", true));

        publishRequest(request, null);

        TranslationSucceeded succeeded = awaitTerminal(jobId, TranslationSucceeded.class);
        List<JobEvent> all = eventsOf(jobId);
        assertThat(all.get(0)).isInstanceOfSatisfying(TranslationStarted.class, started -> {
            assertThat(started.worker()).isEqualTo("worker-it");
            assertThat(started.attempt()).isEqualTo(1);
        });
        assertThat(all).filteredOn(TranslationProgress.class::isInstance).map(e -> (TranslationProgress) e)
                .extracting(p -> p.stage() + " " + p.step() + "/" + p.of())
                .contains("base 5/5").doesNotContain("upsampler 3/3");
        assertThat(all.get(all.size() - 1)).isEqualTo(succeeded);

        assertThat(succeeded.model()).isEqualTo("micro-mask@2026-11-27.1");
        assertThat(succeeded.seed()).isEqualTo(42L);
        assertThat(succeeded.metadata()).containsEntry("order", "o-17");
        assertThat(succeeded.timings()).containsKeys("queued", "encode", "base", "upsampler", "total");
        assertThat(succeeded.manifestKey()).isEqualTo("results/" + jobId + "/manifest.json");
        assertThat(succeeded.results()).extracting(TranslationSucceeded.ResultImage::key)
                .containsExactly("results/" + jobId + "/sample-0.png", "results/" + jobId + "/base-0.png");
        for (TranslationSucceeded.ResultImage image : succeeded.results()) {
            byte[] png = store.get(image.key()).orElseThrow();
            assertThat(png).hasSize((int) image.bytes());
            assertThat(Sha256.hex(png)).isEqualTo(image.sha256());
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(decoded.getWidth()).isEqualTo(image.width());
            assertThat(decoded.getHeight()).isEqualTo(image.height());
        }
        assertThat(succeeded.results().get(0).width()).isEqualTo(64);
        assertThat(succeeded.results().get(1).width()).isEqualTo(16);
        TranslationSucceeded manifest = EventCodec.fromJson(store.get(succeeded.manifestKey()).orElseThrow(),
                TranslationSucceeded.class);
        assertThat(manifest).isEqualTo(succeeded);
    }

    @Test
    void aRedeliveredRequestForAFinishedJobReEmitsSucceededFromTheManifestWithoutRunningAgain() throws Exception {
        String jobId = newJobId();
        TranslationRequested request = request(jobId, storeInput(jobId, maskPng()), params("5", "3", false));
        publishRequest(request, null);
        TranslationSucceeded first = awaitTerminal(jobId, TranslationSucceeded.class);
        double replayedBefore = replayed();

        publishRequest(request, null);

        await().atMost(WAIT).until(() -> eventsOf(jobId).stream().filter(TranslationSucceeded.class::isInstance).count() == 2);
        List<JobEvent> all = eventsOf(jobId);
        assertThat(all).filteredOn(TranslationStarted.class::isInstance).hasSize(1);
        assertThat(all.get(all.size() - 1)).isEqualTo(first);
        assertThat(replayed()).isEqualTo(replayedBefore + 1);
    }

    @Test
    void aJobPublishedTwiceIsComputedOnceEvenWhenBothCopiesAreInFlightTogether() throws Exception {
        String topic = createTopic("it.twice.requests");
        String jobId = newJobId();
        EncodedEvent request = codec.encode(request(jobId, storeInput(jobId, maskPng()), params("20", "5", false)),
                null);
        publish(topic, 0, request);
        publish(topic, 0, request);

        // Two jobs in flight and both records in one poll: without a guard both copies would run at once.
        KafkaRequestConsumer consumer = consumer(topic, "it-twice", 2, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2));
        consumer.start();
        try {
            await().atMost(WAIT).until(() -> eventsOf(jobId).stream().filter(TranslationSucceeded.class::isInstance)
                    .count() == 2);
            await().atMost(WAIT).until(() -> committed("it-twice", new TopicPartition(topic, 0)) == 2);
        } finally {
            consumer.stop();
        }
        List<JobEvent> all = eventsOf(jobId);
        assertThat(all).filteredOn(TranslationStarted.class::isInstance).hasSize(1);
        List<JobEvent> succeeded = all.stream().filter(TranslationSucceeded.class::isInstance).toList();
        assertThat(succeeded.get(1)).isEqualTo(succeeded.get(0));
    }

    @Test
    void aBadInputFailsWithItsCodeItsOffsetIsCommittedAndTheNextJobStillRuns() throws Exception {
        String badJob = newJobId();
        TranslationRequested bad = request(badJob,
                storeInput(badJob, "this is not an image".getBytes(StandardCharsets.UTF_8)), params("5", "3", false));
        RecordMetadata badRecord = publishRequest(bad, 0);

        TranslationFailed failed = awaitTerminal(badJob, TranslationFailed.class);
        assertThat(failed.code()).isEqualTo("unsupported_format");
        assertThat(failed.message()).isNotBlank();

        String nextJob = newJobId();
        publishRequest(request(nextJob, storeInput(nextJob, maskPng()), params("5", "3", false)), 0);
        awaitTerminal(nextJob, TranslationSucceeded.class);
        await().atMost(WAIT).until(() -> committed(new TopicPartition(LANE, 0)) > badRecord.offset());
    }

    @Test
    void aTaskTheModelDoesNotServeFailsAsUnknownModelAndABadRespacingAsInvalidParameter() throws Exception {
        String sketchJob = newJobId();
        TranslationParams sketch = new TranslationParams("sketch", null, 1, 1.3, "cfg", "5", "3", "ddpm", 0, 42L,
                false, null, Map.of());
        publishRequest(request(sketchJob, storeInput(sketchJob, maskPng()), sketch), null);
        String respacedJob = newJobId();
        publishRequest(request(respacedJob, storeInput(respacedJob, maskPng()), params("five", "3", false)), null);

        assertThat(awaitTerminal(sketchJob, TranslationFailed.class).code()).isEqualTo("unknown_model");
        assertThat(awaitTerminal(respacedJob, TranslationFailed.class).code()).isEqualTo("invalid_parameter");
    }

    @Test
    void garbageOnTheRequestsTopicGoesToTheDeadLetterTopicWithItsReasonAndTheNextJobStillRuns() throws Exception {
        byte[] garbage = ("garbage-" + newJobId()).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(LANE, 1, null, garbage)).get();

        ConsumerRecord<byte[], byte[]> letter = await().atMost(WAIT).until(() -> deadLetters.records().stream()
                .filter(r -> java.util.Arrays.equals(r.value(), garbage)).findFirst().orElse(null), r -> r != null);
        String reason = new String(letter.headers().lastHeader(KafkaEventPublisher.DEAD_LETTER_REASON).value(),
                StandardCharsets.UTF_8);
        assertThat(reason).contains("ce_type");

        String nextJob = newJobId();
        publishRequest(request(nextJob, storeInput(nextJob, maskPng()), params("5", "3", false)), 1);
        awaitTerminal(nextJob, TranslationSucceeded.class);
    }

    @Test
    void aJobWhoseDeadlinePassedFailsAsDeadlineExceededWithoutRunningItsOffsetIsCommittedAndTheNextJobRuns()
            throws Exception {
        String lateJob = newJobId();
        TranslationParams late = withDeadline(params("5", "3", false), 9, Instant.now().minusSeconds(1));
        RecordMetadata lateRecord = publishRequest(request(lateJob, storeInput(lateJob, maskPng()), late), 0);

        TranslationFailed failed = awaitTerminal(lateJob, TranslationFailed.class);
        assertThat(failed.code()).isEqualTo("deadline_exceeded");
        assertThat(failed.message()).contains("deadline").contains("passed");
        assertThat(eventsOf(lateJob)).noneMatch(TranslationStarted.class::isInstance);
        assertThat(store.exists("results/" + lateJob + "/manifest.json")).isFalse();

        String nextJob = newJobId();
        TranslationParams onTime = withDeadline(params("5", "3", false), 0, Instant.now().plusSeconds(600));
        publishRequest(request(nextJob, storeInput(nextJob, maskPng()), onTime), 0);
        awaitTerminal(nextJob, TranslationSucceeded.class);
        await().atMost(WAIT).until(() -> committed(new TopicPartition(LANE, 0)) > lateRecord.offset());
    }

    private static TranslationParams withDeadline(TranslationParams p, int priority, Instant deadline) {
        return new TranslationParams(p.task(), p.model(), p.numSamples(), p.guidanceScale(), p.guidance(),
                p.baseSteps(), p.srSteps(), p.sampler(), p.eta(), p.seed(), p.returnBase(), p.webhook(), p.metadata(),
                priority, deadline);
    }

    @Test
    void aJobCancelledBeforeItArrivesIsAnsweredCancelledWithoutStarting() throws Exception {
        String jobId = newJobId();
        TranslationRequested request = request(jobId, storeInput(jobId, maskPng()), params("5", "3", false));
        publishCancellation(jobId);

        publishRequest(request, null);

        awaitTerminal(jobId, TranslationCancelled.class);
        assertThat(eventsOf(jobId)).noneMatch(TranslationStarted.class::isInstance);
        assertThat(store.exists("results/" + jobId + "/manifest.json")).isFalse();
    }

    @Test
    void aJobCancelledWhileItRunsStopsBetweenStepsAndIsAnsweredCancelled() throws Exception {
        String jobId = newJobId();
        TranslationRequested request = request(jobId, storeInput(jobId, maskPng()), params("1000", "1000", false));
        publishRequest(request, null);
        await().atMost(WAIT).until(() -> eventsOf(jobId).stream().anyMatch(TranslationProgress.class::isInstance));

        publishCancellation(jobId);

        TranslationCancelled cancelled = awaitTerminal(jobId, TranslationCancelled.class);
        assertThat(cancelled.reason()).contains("cancelled during");
        assertThat(eventsOf(jobId)).noneMatch(TranslationSucceeded.class::isInstance);
        assertThat(store.exists("results/" + jobId + "/manifest.json")).isFalse();
    }

    @Test
    void aJobStillRunningWhenItsConsumerStopsIsLeftUncommittedAndRunsAgainOnTheNextDelivery() throws Exception {
        String topic = createTopic("it.drain.requests");
        String jobId = newJobId();
        TranslationRequested request = request(jobId, storeInput(jobId, maskPng()), params("1000", "1000", false));
        publish(topic, 0, codec.encode(request, null));

        KafkaRequestConsumer first = drainingConsumer(topic);
        first.start();
        await().atMost(WAIT).until(() -> eventsOf(jobId).stream().anyMatch(TranslationProgress.class::isInstance));
        first.stop();

        assertThat(committed("it-drain", new TopicPartition(topic, 0))).isEqualTo(-1);

        KafkaRequestConsumer second = drainingConsumer(topic);
        second.start();
        try {
            await().atMost(WAIT).until(() -> eventsOf(jobId).stream().anyMatch(
                    e -> e instanceof TranslationStarted started && started.attempt() == 2));
            publishCancellation(jobId);
            awaitTerminal(jobId, TranslationCancelled.class);
            await().atMost(WAIT).until(() -> committed("it-drain", new TopicPartition(topic, 0)) == 1);
        } finally {
            second.stop();
        }
        List<JobEvent> all = eventsOf(jobId);
        assertThat(all).filteredOn(TranslationStarted.class::isInstance).hasSize(2);
        assertThat(all).filteredOn(e -> e instanceof TranslationSucceeded || e instanceof TranslationFailed
                || e instanceof TranslationCancelled).hasSize(1);
    }

    @Test
    void aJobLongerThanThePollIntervalKeepsItsPartitionWhileAFinishedJobBehindItStaysUncommittedUntilItEnds()
            throws Exception {
        String topic = createTopic("it.poll.requests");
        String longJob = newJobId();
        String shortJob = newJobId();
        TranslationParams fourSamples = new TranslationParams("mask", null, 4, 1.3, "cfg", "1000", "1000", "ddpm", 0,
                42L, false, null, Map.of());
        publish(topic, 0, codec.encode(request(longJob, storeInput(longJob, maskPng()), fourSamples), null));
        publish(topic, 0, codec.encode(request(shortJob, storeInput(shortJob, maskPng()),
                params("5", "3", false)), null));
        TopicPartition partition = new TopicPartition(topic, 0);

        // A poll interval far shorter than the long job: a loop that waited for a job would lose the partition.
        KafkaRequestConsumer consumer = consumer(topic, "it-poll", 2, Map.of(
                ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 1000,
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2));
        consumer.start();
        try {
            // The short job, behind the long one, is batched with it and finishes first.
            awaitTerminal(shortJob, TranslationSucceeded.class);
            assertThat(eventsOf(longJob)).noneMatch(e -> e instanceof TranslationSucceeded
                    || e instanceof TranslationFailed || e instanceof TranslationCancelled);
            // For well over the poll interval, with the long job running, nothing is committed.
            await().during(Duration.ofMillis(2500)).atMost(WAIT)
                    .until(() -> committed("it-poll", partition) == -1);
            assertThat(eventsOf(longJob)).filteredOn(TranslationProgress.class::isInstance).isNotEmpty();

            publishCancellation(longJob);
            awaitTerminal(longJob, TranslationCancelled.class);
            await().atMost(WAIT).until(() -> committed("it-poll", partition) == 2);
        } finally {
            consumer.stop();
        }
        // Never revoked and delivered again: one start each.
        assertThat(eventsOf(longJob)).filteredOn(TranslationStarted.class::isInstance).hasSize(1);
        assertThat(eventsOf(shortJob)).filteredOn(TranslationStarted.class::isInstance).hasSize(1);
    }

    @Test
    void theWorkerAnnouncesItsModelOnTheCatalogueUnderALease() throws Exception {
        try (TopicTap catalogue = new TopicTap(broker.bootstrapServers(), Topics.defaults().models())) {
            ConsumerRecord<byte[], byte[]> record = await().atMost(WAIT).until(() -> catalogue.records().stream()
                    .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals("micro-mask/worker-it"))
                    .reduce((first, second) -> second).orElse(null), java.util.Objects::nonNull);

            ModelAnnouncement announcement = CatalogueCodec.fromJson(record.value());
            assertThat(announcement.model()).isEqualTo("micro-mask");
            assertThat(announcement.task()).isEqualTo("mask");
            assertThat(announcement.worker()).isEqualTo("worker-it");
            assertThat(announcement.defaults().baseSteps()).isNotBlank();
            assertThat(announcement.leaseUntil()).isAfter(announcement.announcedAt());
        }
    }

    @Test
    void aBurstOnOneModelsLaneDoesNotHoldBackTheOtherLanesJob() throws Exception {
        String burstLane = createTopic("it.fair.burst.requests");
        String otherLane = createTopic("it.fair.other.requests");
        List<String> burst = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String id = newJobId();
            burst.add(id);
            publish(burstLane, 0, codec.encode(request(id, storeInput(id, maskPng()), params("3", "2", false)), null));
        }
        String other = newJobId();
        publish(otherLane, 0, codec.encode(request(other, storeInput(other, maskPng()), params("3", "2", false)), null));

        // One job at a time, every record of both lanes fetched at once: the order of starts is the lanes'.
        KafkaRequestConsumer consumer = consumer(List.of(burstLane, otherLane), "it-fair", 1,
                Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10));
        consumer.start();
        try {
            awaitTerminal(other, TranslationSucceeded.class);
            for (String id : burst) {
                awaitTerminal(id, TranslationSucceeded.class);
            }
        } finally {
            consumer.stop();
        }
        List<String> starts = new ArrayList<>(burst);
        starts.add(other);
        Map<String, Instant> startedAt = new java.util.HashMap<>();
        for (String id : starts) {
            startedAt.put(id, eventsOf(id).stream().filter(TranslationStarted.class::isInstance).findFirst()
                    .orElseThrow().time());
        }
        starts.sort(java.util.Comparator.comparing(startedAt::get));
        // Taken in turn, the other lane's job starts second, third at worst (a first poll may see one lane
        // only); behind the burst it would have been seventh.
        assertThat(starts.indexOf(other)).isLessThanOrEqualTo(2);
    }

    // --- helpers ---

    /** A requests topic of one partition, for a consumer of the test's own. */
    private String createTopic(String topic) throws Exception {
        try (AdminClient admin = AdminClient.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        return topic;
    }

    /** A second requests consumer on its own topic and group, with a short drain timeout. */
    private KafkaRequestConsumer drainingConsumer(String topic) {
        return consumer(topic, "it-drain", 1, Map.of(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1));
    }

    /** A requests consumer on {@code topic} in {@code group} with {@code concurrency} jobs in flight. */
    private KafkaRequestConsumer consumer(String topic, String group, int concurrency, Map<String, Object> extra) {
        return consumer(List.of(topic), group, concurrency, extra);
    }

    /** A requests consumer of {@code topics} (each a lane of the micro model) in {@code group}. */
    private KafkaRequestConsumer consumer(List<String> topics, String group, int concurrency,
                                          Map<String, Object> extra) {
        Map<String, Object> config = new java.util.HashMap<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, group,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        config.putAll(extra);
        Map<String, io.pitiserve.worker.engine.PitiModel> lanes = new java.util.LinkedHashMap<>();
        topics.forEach(topic -> lanes.put(topic, models.models().get(0)));
        return new KafkaRequestConsumer(() -> new KafkaConsumer<>(config), lanes, codec, runner, publisher, retrier,
                concurrency, Duration.ofMillis(100), Duration.ofMillis(300), tracing, java.time.Clock.systemUTC());
    }

    private TranslationParams params(String baseSteps, String srSteps, boolean returnBase) {
        return new TranslationParams("mask", null, 1, 1.3, "cfg", baseSteps, srSteps, "ddpm", 0, 42L, returnBase, null,
                Map.of("order", "o-17"));
    }

    private TranslationRequested request(String jobId, String inputKey, TranslationParams params) {
        byte[] input = store.get(inputKey).orElseThrow();
        return new TranslationRequested(jobId, TENANT, Instant.now(), inputKey, Sha256.hex(input), "image/png", params);
    }

    private String storeInput(String jobId, byte[] bytes) {
        String key = "inputs/" + TENANT + "/" + jobId;
        store.put(key, bytes, "image/png");
        return key;
    }

    private RecordMetadata publishRequest(TranslationRequested request, Integer partition) throws Exception {
        return publish(LANE, partition, codec.encode(request, null));
    }

    private void publishCancellation(String jobId) throws Exception {
        publish("pitiserve.control", null, codec.encode(new CancellationRequested(jobId, TENANT, Instant.now()), null));
    }

    private RecordMetadata publish(String topic, Integer partition, EncodedEvent event) throws Exception {
        RecordHeaders headers = new RecordHeaders();
        event.headers().forEach(headers::add);
        return producer.send(new ProducerRecord<>(topic, partition, event.key(), event.value(), headers)).get();
    }

    private List<JobEvent> eventsOf(String jobId) {
        List<JobEvent> found = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : events.records()) {
            if (!jobId.equals(new String(record.key(), StandardCharsets.UTF_8))) {
                continue;
            }
            Map<String, byte[]> headers = new java.util.HashMap<>();
            record.headers().forEach(h -> headers.put(h.key(), h.value()));
            try {
                found.add(codec.decode(record.value(), headers));
            } catch (UnreadableEventException e) {
                throw new AssertionError("the worker published an unreadable event: " + e.getMessage(), e);
            }
        }
        return found;
    }

    private <T extends JobEvent> T awaitTerminal(String jobId, Class<T> type) {
        JobEvent terminal = await().atMost(WAIT).until(() -> eventsOf(jobId).stream()
                .filter(e -> e instanceof TranslationSucceeded || e instanceof TranslationFailed
                        || e instanceof TranslationCancelled)
                .findFirst().orElse(null), e -> e != null);
        assertThat(terminal).isInstanceOf(type);
        return type.cast(terminal);
    }

    private long committed(TopicPartition partition) throws Exception {
        return committed("pitiserve-worker", partition);
    }

    private long committed(String group, TopicPartition partition) throws Exception {
        try (AdminClient admin = AdminClient.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get().get(partition);
            return offset == null ? -1 : offset.offset();
        }
    }

    private double replayed() {
        var counter = meters.find("pitiserve.worker.jobs").tag("outcome", "replayed").counter();
        return counter == null ? 0 : counter.count();
    }

    private static String newJobId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder id = new StringBuilder("tr_");
        for (int i = 0; i < 26; i++) {
            id.append(alphabet.charAt(ThreadLocalRandom.current().nextInt(alphabet.length())));
        }
        return id.toString();
    }

    /** A 64 x 64 colour-coded mask: four quadrants of COCO-Stuff class colours. */
    private static byte[] maskPng() throws IOException {
        CocoStuffPalette palette = CocoStuffPalette.standard();
        int[] labels = {0, 2, 105, 156};
        BufferedImage image = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                image.setRGB(x, y, palette.rgbOf(labels[(y / 32) * 2 + x / 32]));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
