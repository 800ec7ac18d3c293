package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pitiserve.gateway.status.StatusView;
import io.pitiserve.worker.models.BundledModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Two gateway instances over one broker and bucket, as two replicas behind a load balancer run: a
 * client may submit to one and read, follow or repeat on the other. They share the status view's
 * folding (one application id) and each keeps every job's view.
 */
class TwoGatewaysIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    Path dataDir;

    @Test
    void jobsAcceptedOnEitherGatewayAreFollowedRepeatedAndReadOnTheOther() throws Exception {
        LocalSettings settings = LocalSettings.onFreePorts(dataDir).withModelDir(LocalStackIT.MICRO_MODEL);
        try (LocalStack stack = LocalStack.start(settings, Map.of())) {
            URI first = stack.apiUrl();
            ConfigurableApplicationContext secondContext = stack.addGateway();
            URI second = stack.apiUrl(secondContext);
            String apiKey = stack.credentials().apiKey();
            // Both instances fold a share of the jobs before any is submitted.
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    !folded(stack.gatewayContext()).isEmpty() && !folded(secondContext).isEmpty());
            assertThat(folded(stack.gatewayContext())).doesNotContainAnyElementsOf(folded(secondContext));

            byte[] mask = BundledModels.example("mask.png");
            List<String> ids = new ArrayList<>();
            List<CompletableFuture<List<String>>> streams = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                URI acceptedBy = i % 2 == 0 ? first : second;
                URI followedOn = i % 2 == 0 ? second : first;
                JsonNode accepted = submit(acceptedBy, apiKey, mask, params(i), "job-" + i);
                assertThat(accepted.path("status").asString()).isEqualTo("queued");
                String id = accepted.path("id").asString();
                ids.add(id);
                streams.add(CompletableFuture.supplyAsync(() -> eventNames(followedOn, apiKey, id)));
            }

            for (int i = 0; i < ids.size(); i++) {
                // Followed over SSE on the gateway that did not accept it, to the end.
                assertThat(streams.get(i).get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).last().isEqualTo("succeeded");
                // The instance that did not fold the job reads its view back from the job-views topic
                // moments later (two producers and a consumer away), so each is read until it agrees.
                JsonNode onFirst = readUntilSucceeded(first, apiKey, ids.get(i));
                JsonNode onSecond = readUntilSucceeded(second, apiKey, ids.get(i));
                assertThat(onSecond.path("results").get(0).path("sha256"))
                        .isEqualTo(onFirst.path("results").get(0).path("sha256"));
            }

            // A repeat sent to the other gateway is the same job; other params under that key are refused.
            HttpResponse<String> repeat = post(second, apiKey, mask, params(0), "job-0");
            assertThat(repeat.statusCode()).isLessThan(300);
            JsonNode repeated = JSON.readTree(repeat.body());
            assertThat(repeated.path("id").asString()).isEqualTo(ids.get(0));
            assertThat(repeated.path("status").asString()).isEqualTo("succeeded");
            HttpResponse<String> conflict = post(second, apiKey, mask, params(1), "job-0");
            assertThat(conflict.statusCode()).isEqualTo(409);
            assertThat(JSON.readTree(conflict.body()).path("code").asString()).isEqualTo("idempotency_conflict");

            // A cancellation sent to the other gateway right after the 202 reaches the job (the most steps allowed).
            ObjectNode longJob = JSON.createObjectNode().put("task", "mask").put("base_steps", "250")
                    .put("sr_steps", "100");
            String cancelled = submit(first, apiKey, mask, longJob, "long-job").path("id").asString();
            HttpResponse<String> cancel = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            second.resolve("/v1/translations/" + cancelled + "/cancel"))
                    .header("Authorization", "Bearer " + apiKey)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
            assertThat(new TranslationClient(first, apiKey).await(cancelled, JOB_TIMEOUT, view -> { })
                    .path("status").asString()).isEqualTo("cancelled");

            // A well-formed id that no gateway knows is still 404 on both, after the grace.
            for (URI gateway : List.of(first, second)) {
                HttpResponse<String> unknown = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                gateway.resolve("/v1/translations/tr_" + "a".repeat(26)))
                        .header("Authorization", "Bearer " + apiKey).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(unknown.statusCode()).isEqualTo(404);
                assertThat(JSON.readTree(unknown.body()).path("code").asString()).isEqualTo("not_found");
            }
        }
    }

    private static JsonNode readUntilSucceeded(URI gateway, String apiKey, String id) {
        TranslationClient client = new TranslationClient(gateway, apiKey);
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> client.get(id, Duration.ZERO), view -> "succeeded".equals(view.path("status").asString()));
    }

    private static Set<Integer> folded(ConfigurableApplicationContext gateway) {
        return gateway.getBean(StatusView.class).foldedPartitions();
    }

    private static ObjectNode params(int seed) {
        return JSON.createObjectNode().put("task", "mask").put("base_steps", "2").put("sr_steps", "2")
                .put("seed", seed);
    }

    private static JsonNode submit(URI api, String apiKey, byte[] mask, ObjectNode params, String key) throws Exception {
        HttpResponse<String> answer = post(api, apiKey, mask, params, key);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
        return JSON.readTree(answer.body());
    }

    private static HttpResponse<String> post(URI api, String apiKey, byte[] mask, ObjectNode params, String key)
            throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("input").put("base64", Base64.getEncoder().encodeToString(mask));
        body.set("params", params);
        HttpRequest request = HttpRequest.newBuilder(api.resolve("/v1/translations"))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The event names of the job's Server-Sent Events stream, up to its end. */
    private static List<String> eventNames(URI api, String apiKey, String id) {
        HttpRequest request = HttpRequest.newBuilder(api.resolve("/v1/translations/" + id + "/events"))
                .header("Authorization", "Bearer " + apiKey)
                .header("Accept", "text/event-stream")
                .timeout(JOB_TIMEOUT)
                .GET().build();
        List<String> names = new ArrayList<>();
        try {
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        names.add(line.substring("event:".length()).trim());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return names;
    }
}
