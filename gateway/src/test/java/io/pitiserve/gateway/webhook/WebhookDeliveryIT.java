package io.pitiserve.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.pitiserve.client.webhook.WebhookPayload;
import io.pitiserve.client.webhook.WebhookVerification;
import io.pitiserve.client.webhook.WebhookVerifier;
import io.pitiserve.common.events.Topics;
import io.pitiserve.common.events.TranslationFailed;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.events.TranslationStarted;
import io.pitiserve.common.events.TranslationSucceeded;
import io.pitiserve.common.webhook.WebhookTopics;
import io.pitiserve.gateway.GatewayApplication;
import io.pitiserve.gateway.auth.TenantDirectory;
import io.pitiserve.gateway.submission.JobIds;
import io.pitiserve.gateway.support.ApiClient;
import io.pitiserve.gateway.support.ApiClient.Answer;
import io.pitiserve.gateway.support.ItDirectories;
import io.pitiserve.gateway.support.KafkaTopics;
import io.pitiserve.gateway.support.S3ProxyServer;
import io.pitiserve.gateway.support.TestImages;
import io.pitiserve.gateway.support.WebhookReceiver;
import io.pitiserve.gateway.support.WebhookReceiver.Received;
import io.pitiserve.gateway.support.WebhookReceiver.Reply;
import io.pitiserve.testsupport.kafka.BrokerForTest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Webhooks end to end: the gateway with its dispatcher, a real Kafka broker (@BrokerForTest), a
 * real S3 server (s3proxy) and real HTTP receivers (the JDK's HttpServer) on loopback, which the
 * test's resolver names and the configuration allows. No worker runs: the test publishes the
 * worker's events. Retries are 1 s apart here (the schedule is configuration).
 */
@SpringBootTest(classes = GatewayApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@BrokerForTest(partitions = 2)
@Import(WebhookDeliveryIT.ControlledResolver.class)
class WebhookDeliveryIT {

    static final String ACME_KEY = "acme-webhook-key";
    static final String PLAIN_KEY = "plain-webhook-key";
    static final String OLD_SECRET = "whsec_" + Base64.getEncoder().encodeToString("an-old-secret-of-32-bytes-long!!".getBytes(StandardCharsets.US_ASCII));
    static final String NEW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final S3ProxyServer S3 = S3ProxyServer.start();
    static final Topics TOPICS = Topics.defaults();
    static final WebhookTopics WEBHOOK_TOPICS = WebhookTopics.defaults();

    /** What the test's resolver answers; nothing reaches DNS. */
    static final Map<String, String> HOSTS = new ConcurrentHashMap<>(Map.of(
            "receiver.test", "127.0.0.1",
            "metadata.test", "169.254.169.254",
            "intranet.test", "10.20.30.40"));

    @TestConfiguration
    static class ControlledResolver {
        @Bean
        HostResolver testResolver() {
            return host -> {
                String address = HOSTS.get(host);
                if (address == null) {
                    if (host.matches("[0-9.]+") || host.contains(":")) {
                        return new InetAddress[] {InetAddress.getByName(host)};
                    }
                    throw new UnknownHostException(host);
                }
                return new InetAddress[] {InetAddress.getByName(address)};
            };
        }
    }

    /** Two tenants (one signing with a rotating pair of secrets, one without any), loopback receivers allowed. */
    static final String SETTINGS = """
            pitiserve.gateway.tenants[0].name=acme
            pitiserve.gateway.tenants[0].api-key-sha256=%s
            pitiserve.gateway.tenants[0].webhook-secret=%s
            pitiserve.gateway.tenants[0].webhook-secrets[0]=%s
            pitiserve.gateway.tenants[1].name=plain
            pitiserve.gateway.tenants[1].api-key-sha256=%s
            pitiserve.gateway.application-id=webhook-it
            pitiserve.gateway.models[0].task=mask
            pitiserve.gateway.models[0].name=tiny-mask
            pitiserve.kafka.request-partitions=2
            pitiserve.kafka.event-partitions=2
            pitiserve.webhooks.require-https=false
            pitiserve.webhooks.allowed-cidrs[0]=127.0.0.0/8
            pitiserve.webhooks.retry-schedule=1s,1s,1s
            pitiserve.webhooks.connect-timeout=1s
            pitiserve.webhooks.request-timeout=1500ms
            """.formatted(TenantDirectory.hashOf(ACME_KEY), NEW_SECRET, OLD_SECRET, TenantDirectory.hashOf(PLAIN_KEY));

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws Exception {
        S3.register(registry);
        ItDirectories.registerGatewayDirectories(registry, "webhook-it-state");
        SETTINGS.lines().map(line -> line.split("=", 2)).forEach(kv -> registry.add(kv[0], () -> kv[1]));
    }

    @Autowired
    WebhookDispatcher dispatcher;

    @Value("${spring.kafka.bootstrap-servers}")
    String bootstrap;

    @LocalServerPort
    int port;

    ApiClient api;
    KafkaTopics kafka;
    WebhookReceiver receiver;

    @BeforeEach
    void connect() {
        api = new ApiClient(port);
        kafka = new KafkaTopics(bootstrap);
        receiver = WebhookReceiver.start();
        api.awaitReady();
    }

    @AfterEach
    void disconnect() {
        receiver.close();
        kafka.close();
        if (!dispatcher.isRunning()) {
            dispatcher.start();
        }
    }

    @Test
    void aSucceededJobIsPostedOnceSignedWithEveryActiveSecretWithItsResultsAndATraceparent() {
        String url = receiver.url("receiver.test", "/hooks/piti?token=t1");
        String id = submit(url, null);

        finish(id);

        Received request = awaitRequests(1).get(0);
        assertThat(request.path()).isEqualTo("/hooks/piti?token=t1");
        assertThat(request.header("content-type")).isEqualTo("application/json");
        assertThat(request.header("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
        assertThat(request.header("webhook-signature").split(" ")).hasSize(2);
        assertThat(request.header("webhook-id")).startsWith("msg_");
        assertThat(request.body().length).isLessThan(WebhookPayload.MAX_BYTES);
        for (String secret : List.of(NEW_SECRET, OLD_SECRET)) {
            WebhookVerification verification = new WebhookVerifier(secret).verify(request.headers(), request.body());
            assertThat(verification).as("verified with one of the rotating secrets").isInstanceOf(WebhookVerification.Verified.class);
        }
        assertThat(new WebhookVerifier("whsec_" + Base64.getEncoder().encodeToString(new byte[32]))
                .verify(request.headers(), request.body()).verified()).isFalse();
        WebhookPayload payload = WebhookPayload.fromJson(request.body());
        assertThat(payload.type()).isEqualTo("translation.succeeded");
        assertThat(payload.data().id()).isEqualTo(id);
        assertThat(payload.data().status()).isEqualTo("succeeded");
        assertThat(payload.data().metadata()).containsEntry("order", "42");
        assertThat(payload.data().timings()).containsKey("total");
        assertThat(payload.data().results()).singleElement().satisfies(result -> {
            assertThat(result.url()).startsWith(S3.endpoint().toString()).contains("results/acme/" + id);
            assertThat(result.expiresAt()).isAfter(Instant.now().plusSeconds(600));
            assertThat(result.sha256()).isEqualTo("ab".repeat(32));
        });
        List<JsonNode> log = awaitLog(id, 1);
        assertThat(log.get(0).get("outcome").stringValue()).isEqualTo("delivered");
        assertThat(log.get(0).get("status_code").asInt()).isEqualTo(200);
        assertThat(log.get(0).get("webhook_id").stringValue()).isEqualTo(request.header("webhook-id"));
        assertThat(log.get(0).has("latency_ms")).isTrue();
        assertThat(api.get("/v1/translations/" + id, ACME_KEY).json().get("webhook").get("url").stringValue()).isEqualTo(url);
    }

    @Test
    void aReceiverThatAnswers500ThenSucceedsGetsTheSameWebhookIdWithAFreshSignature() {
        receiver.reply(Reply.status(500));
        String id = submit(receiver.url("receiver.test", "/flaky"), null);

        finish(id);

        List<Received> requests = awaitRequests(2);
        assertThat(requests.get(1).header("webhook-id")).isEqualTo(requests.get(0).header("webhook-id"));
        assertThat(new WebhookVerifier(NEW_SECRET).verify(requests.get(1).headers(), requests.get(1).body()).verified())
                .isTrue();
        List<JsonNode> log = awaitLog(id, 2);
        assertThat(log).extracting(a -> a.get("outcome").stringValue()).containsExactly("retrying", "delivered");
        assertThat(log.get(0).get("status_code").asInt()).isEqualTo(500);
        assertThat(log.get(0).get("error").stringValue()).as("the chunked body, decoded")
                .isEqualTo("HTTP 500: {\"status\": 500}");
        assertThat(log.get(0).has("next_attempt_at")).isTrue();
        assertThat(log).extracting(a -> a.get("attempt").asInt()).containsExactly(1, 2);
    }

    @Test
    void retryAfterFromTheReceiverPostponesTheRetryBeyondTheSchedule() {
        receiver.reply(new Reply(503, Map.of("Retry-After", "3"), 0));
        String id = submit(receiver.url("receiver.test", "/busy"), null);

        finish(id);

        List<Received> requests = awaitRequests(2);
        double gapSeconds = (requests.get(1).arrivedNanos() - requests.get(0).arrivedNanos()) / 1e9;
        assertThat(gapSeconds).as("the schedule says 1 s, the receiver asked for 3 s").isGreaterThanOrEqualTo(2.9);
        JsonNode first = awaitLog(id, 2).get(0);
        assertThat(Duration.between(Instant.parse(first.get("time").stringValue()),
                Instant.parse(first.get("next_attempt_at").stringValue())).toMillis()).isGreaterThanOrEqualTo(3000);
    }

    @Test
    void a410DisablesTheUrlForTheTenantAndARedeliveryReEnablesItWithTheSameWebhookId() {
        receiver.reply(Reply.status(410));
        String url = receiver.url("receiver.test", "/retired");
        String id = submit(url, null);

        finish(id);

        awaitRequests(1);
        assertThat(awaitLog(id, 1).get(0).get("outcome").stringValue()).isEqualTo("gone");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            Answer refused = api.submit(ACME_KEY, TestImages.mask(32, 32), params(url, null));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().get("code").stringValue()).isEqualTo("webhook_url_disabled");
            assertThat(refused.json().get("parameter").stringValue()).isEqualTo("webhook.url");
        });
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> receiver.received().size() == 1);

        Answer redelivered = api.post("/v1/translations/" + id + "/webhook/redeliver", ACME_KEY);

        assertThat(redelivered.status()).isEqualTo(202);
        List<Received> requests = awaitRequests(2);
        assertThat(redelivered.json().get("webhook_id").stringValue())
                .isEqualTo(requests.get(0).header("webhook-id"))
                .isEqualTo(requests.get(1).header("webhook-id"));
        JsonNode last = awaitLog(id, 2).get(1);
        assertThat(last.get("outcome").stringValue()).isEqualTo("delivered");
        assertThat(last.get("redelivery").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() ->
                api.submit(ACME_KEY, TestImages.mask(32, 32), params(url, null)).status() == 202);
    }

    @Test
    void aReceiverSlowerThanTheRequestTimeoutIsRetried() {
        receiver.reply(new Reply(200, Map.of(), 4000));
        String id = submit(receiver.url("receiver.test", "/slow"), null);

        finish(id);

        List<JsonNode> log = awaitLog(id, 2);
        assertThat(log.get(0).get("outcome").stringValue()).isEqualTo("retrying");
        assertThat(log.get(0).get("error").stringValue()).startsWith("timeout");
        assertThat(log.get(0).has("status_code")).isFalse();
        assertThat(log.get(1).get("outcome").stringValue()).isEqualTo("delivered");
    }

    @Test
    void aReceiverThatIsDownAtFirstGetsTheWebhookOnceItIsUp() throws Exception {
        int port;
        try (ServerSocket reserved = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = reserved.getLocalPort();
        }
        String id = submit("http://receiver.test:" + port + "/late", null);

        finish(id);

        JsonNode first = awaitLog(id, 1).get(0);
        assertThat(first.get("outcome").stringValue()).isEqualTo("retrying");
        assertThat(first.get("error").stringValue()).startsWith("connection failed");
        try (WebhookReceiver late = WebhookReceiver.start(port)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> late.received().size() == 1);
            assertThat(awaitLogUntil(id, "delivered").get("attempt").asInt()).isGreaterThan(1);
        }
    }

    @Test
    void aDispatcherStoppedMidRetryDeliversThePendingRetryWhenItStartsAgain() {
        // Retry-After keeps the retry from coming due before the dispatcher is stopped.
        receiver.reply(new Reply(500, Map.of("Retry-After", "3"), 0));
        String id = submit(receiver.url("receiver.test", "/restart"), null);
        finish(id);
        Instant due = Instant.parse(awaitLog(id, 1).get(0).get("next_attempt_at").stringValue());

        dispatcher.stop();

        Duration pastDue = Duration.between(Instant.now(), due).plusSeconds(1);
        await().during(pastDue).atMost(pastDue.plusSeconds(2)).until(() -> receiver.received().size() == 1);

        dispatcher.start();

        List<Received> requests = awaitRequests(2);
        assertThat(requests.get(1).header("webhook-id")).isEqualTo(requests.get(0).header("webhook-id"));
        assertThat(awaitLogUntil(id, "delivered").get("attempt").asInt()).isEqualTo(2);
    }

    @Test
    void onlyTheEventsTheWebhookAskedForAreSentAndAProgressWebhookGetsItsOwnId() {
        String id = submit(receiver.url("receiver.test", "/filtered"), "[\"started\", \"succeeded\"]");

        kafka.publish(TOPICS.events(), new TranslationStarted(id, "acme", Instant.now(), "worker-1", 1));
        kafka.publish(TOPICS.events(), new TranslationProgress(id, "acme", Instant.now(), "base", 5, 10));
        finish(id);

        awaitRequests(2);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> receiver.received().size() == 2);
        assertThat(receiver.received()).extracting(r -> WebhookPayload.fromJson(r.body()).type())
                .containsExactlyInAnyOrder("translation.started", "translation.succeeded");
        assertThat(receiver.received()).extracting(r -> r.header("webhook-id")).doesNotHaveDuplicates();
    }

    @Test
    void aRepeatedTerminalEventIsNotDeliveredTwice() {
        String id = submit(receiver.url("receiver.test", "/once"), null);
        finish(id);
        awaitLogUntil(id, "delivered");

        finish(id);

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> receiver.received().size() == 1);
    }

    @Test
    void exhaustedRetriesEndOnTheDeadLetterTopic() {
        receiver.reply(Reply.status(500), Reply.status(502), Reply.status(503), Reply.status(504));
        String id = submit(receiver.url("receiver.test", "/dead"), null);

        kafka.publish(TOPICS.events(), new TranslationFailed(id, "acme", Instant.now(), "invalid_input", "bad mask"));

        JsonNode last = awaitLogUntil(id, "dead_lettered");
        assertThat(last.get("attempt").asInt()).isEqualTo(4);
        assertThat(receiver.received()).hasSize(4);
        assertThat(WebhookPayload.fromJson(receiver.received().get(0).body()).data().error().code()).isEqualTo("invalid_input");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(kafka.keysOf(WEBHOOK_TOPICS.deadLetter())).contains(id));
    }

    @Test
    void anEventThatArrivesBeforeItsJobIsKnownWaitsForTheStatusViewAndIsThenDelivered() {
        String id = JobIds.random();
        String url = receiver.url("receiver.test", "/early");

        finish(id);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> kafka.keysOf(WEBHOOK_TOPICS.retryTier(Duration.ZERO)).contains(id));
        kafka.publish(TOPICS.lane("tiny-mask"), new TranslationRequested(id, "acme", Instant.now(), "inputs/acme/" + id,
                "cd".repeat(32), "image/png", new TranslationParams("mask", null, 1, 1.3, "cfg", null, null, "ddpm", 0,
                7, false, new TranslationParams.Webhook(url, List.of("succeeded")), Map.of())));

        Received request = awaitRequests(1).get(0);
        assertThat(WebhookPayload.fromJson(request.body()).data().id()).isEqualTo(id);
        assertThat(awaitLogUntil(id, "delivered").get("attempt").asInt()).isEqualTo(1);
    }

    @Test
    void aNameThatResolvesToAForbiddenAddressAtDeliveryIsRefusedThere() {
        HOSTS.put("rebind.test", "127.0.0.1");
        String id = submit(receiver.url("rebind.test", "/rebind"), null);
        HOSTS.put("rebind.test", "169.254.169.254");

        finish(id);

        JsonNode attempt = awaitLog(id, 1).get(0);
        assertThat(attempt.get("outcome").stringValue()).isEqualTo("refused");
        assertThat(attempt.get("error").stringValue()).contains("169.254.169.254");
        assertThat(receiver.received()).isEmpty();
    }

    @Test
    void submissionsWithAWebhookThatCannotBeDeliveredAreRefusedWithClearCodes() {
        assertRefused(ACME_KEY, "http://metadata.test/latest/meta-data", "webhook_url_forbidden", "169.254.169.254");
        assertRefused(ACME_KEY, "http://intranet.test/hook", "webhook_url_forbidden", "private");
        assertRefused(ACME_KEY, "http://[::ffff:169.254.169.254]/hook", "webhook_url_forbidden", "169.254.169.254");
        assertRefused(ACME_KEY, "http://192.168.0.10/hook", "webhook_url_forbidden", "private");
        assertRefused(ACME_KEY, "http://nowhere.test/hook", "webhook_url_unresolvable", "does not resolve");
        assertRefused(PLAIN_KEY, receiver.url("receiver.test", "/x"), "webhook_not_configured", "secret");
    }

    @Test
    void redeliveryIsRefusedForAJobWithoutAWebhookOrNotFinished() {
        Answer plain = api.submit(ACME_KEY, TestImages.mask(32, 32), "{\"task\": \"mask\"}");
        String withHook = submit(receiver.url("receiver.test", "/later"), null);

        Answer noWebhook = api.post("/v1/translations/" + plain.json().get("id").stringValue() + "/webhook/redeliver", ACME_KEY);
        Answer unfinished = api.post("/v1/translations/" + withHook + "/webhook/redeliver", ACME_KEY);
        Answer foreign = api.post("/v1/translations/" + withHook + "/webhook/redeliver", PLAIN_KEY);

        assertThat(noWebhook.status()).isEqualTo(409);
        assertThat(noWebhook.json().get("code").stringValue()).isEqualTo("no_webhook");
        assertThat(unfinished.status()).isEqualTo(409);
        assertThat(unfinished.json().get("code").stringValue()).isEqualTo("not_finished");
        assertThat(foreign.status()).isEqualTo(404);
    }

    @Test
    void deliveriesAreCountedByOutcomeAndTimedInTheMetrics() {
        String id = submit(receiver.url("receiver.test", "/metrics"), null);
        finish(id);
        awaitLogUntil(id, "delivered");

        String metrics = api.get("/actuator/prometheus", null).body();

        assertThat(metrics).contains("pitiserve_webhook_deliveries_total{outcome=\"delivered\"")
                .contains("pitiserve_webhook_delivery_latency_seconds_bucket")
                .contains("pitiserve_webhook_retries_pending")
                .contains("pitiserve_webhook_dead_letter_size");
    }

    private void assertRefused(String key, String url, String code, String detail) {
        Answer answer = api.submit(key, TestImages.mask(32, 32), params(url, null));
        assertThat(answer.status()).as(url).isEqualTo(400);
        assertThat(answer.json().get("code").stringValue()).as(url).isEqualTo(code);
        assertThat(answer.json().get("detail").stringValue()).as(url).contains(detail);
        assertThat(answer.json().get("parameter").stringValue()).isEqualTo("webhook.url");
    }

    private String submit(String url, String events) {
        Answer answer = api.submit(ACME_KEY, TestImages.mask(32, 32), params(url, events));
        assertThat(answer.status()).as(answer.body()).isEqualTo(202);
        return answer.json().get("id").stringValue();
    }

    private static String params(String url, String events) {
        return "{\"task\": \"mask\", \"metadata\": {\"order\": \"42\"}, \"webhook\": {\"url\": \"" + url + "\""
                + (events == null ? "" : ", \"events\": " + events) + "}}";
    }

    private void finish(String id) {
        kafka.publish(TOPICS.events(), new TranslationSucceeded(id, "acme", Instant.now(),
                List.of(new TranslationSucceeded.ResultImage("sample", 0, "results/acme/" + id + "/sample-0.png", 1234,
                        "ab".repeat(32), 256, 256)),
                "results/acme/" + id + "/manifest.json", "tiny-mask", 7, Map.of("total", 812.0), List.of(),
                Map.of("order", "42")));
    }

    private List<Received> awaitRequests(int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.received().size() >= count);
        return receiver.received();
    }

    private List<JsonNode> awaitLog(String id, int count) {
        List<JsonNode> attempts = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            attempts.clear();
            attempts.addAll(deliveries(id));
            return attempts.size() >= count;
        });
        return attempts;
    }

    private JsonNode awaitLogUntil(String id, String outcome) {
        List<JsonNode> attempts = new ArrayList<>();
        await().atMost(Duration.ofSeconds(40)).until(() -> {
            attempts.clear();
            attempts.addAll(deliveries(id));
            return attempts.stream().anyMatch(a -> a.get("outcome").stringValue().equals(outcome));
        });
        return attempts.stream().filter(a -> a.get("outcome").stringValue().equals(outcome)).findFirst().orElseThrow();
    }

    private List<JsonNode> deliveries(String id) {
        JsonNode webhook = api.get("/v1/translations/" + id, ACME_KEY).json().get("webhook");
        List<JsonNode> list = new ArrayList<>();
        if (webhook != null && webhook.get("deliveries") != null) {
            webhook.get("deliveries").values().forEach(list::add);
        }
        return list;
    }

    @AfterAll
    static void stopS3() throws Exception {
        S3.close();
    }
}
