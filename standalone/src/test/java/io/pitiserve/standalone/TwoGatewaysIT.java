package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.pitiserve.client.Accepted;
import io.pitiserve.client.PitiServeClient;
import io.pitiserve.client.ProblemException;
import io.pitiserve.client.Translation;
import io.pitiserve.client.TranslationRequest;
import io.pitiserve.client.TranslationStatus;
import io.pitiserve.gateway.status.StatusView;
import io.pitiserve.worker.models.BundledModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two gateway instances over one broker and bucket, as two replicas behind a load balancer run: a
 * client may submit to one and read, follow or repeat on the other. They share the status view's
 * folding (one application id) and each keeps every job's view. Driven with the Java client.
 */
class TwoGatewaysIT {

    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    @TempDir
    Path dataDir;

    @Test
    void jobsAcceptedOnEitherGatewayAreFollowedRepeatedAndReadOnTheOther() throws Exception {
        LocalSettings settings = LocalSettings.onFreePorts(dataDir).withModelDir(LocalStackIT.MICRO_MODEL);
        try (LocalStack stack = LocalStack.start(settings, Map.of())) {
            ConfigurableApplicationContext secondContext = stack.addGateway();
            String apiKey = stack.credentials().apiKey();
            PitiServeClient first = PitiServeClient.create(stack.apiUrl(), apiKey);
            PitiServeClient second = PitiServeClient.create(stack.apiUrl(secondContext), apiKey);
            // Both instances fold a share of the jobs before any is submitted.
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    !folded(stack.gatewayContext()).isEmpty() && !folded(secondContext).isEmpty());
            assertThat(folded(stack.gatewayContext())).doesNotContainAnyElementsOf(folded(secondContext));

            byte[] mask = BundledModels.example("mask.png");
            List<String> ids = new ArrayList<>();
            List<CompletableFuture<List<String>>> streams = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                PitiServeClient acceptedBy = i % 2 == 0 ? first : second;
                PitiServeClient followedOn = i % 2 == 0 ? second : first;
                Accepted accepted = acceptedBy.submit(request(mask, i, "job-" + i));
                assertThat(accepted.translation().status()).isEqualTo(TranslationStatus.QUEUED);
                assertThat(accepted.replayed()).isFalse();
                String id = accepted.id();
                ids.add(id);
                streams.add(CompletableFuture.supplyAsync(() -> eventNames(followedOn, id)));
            }

            for (int i = 0; i < ids.size(); i++) {
                // Followed over SSE on the gateway that did not accept it, to the end.
                assertThat(streams.get(i).get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS)).last().isEqualTo("succeeded");
                // The instance that did not fold the job reads its view back from the job-views topic
                // moments later (two producers and a consumer away), so each is read until it agrees.
                Translation onFirst = readUntilSucceeded(first, ids.get(i));
                Translation onSecond = readUntilSucceeded(second, ids.get(i));
                assertThat(onSecond.results().get(0).sha256()).isEqualTo(onFirst.results().get(0).sha256());
            }

            // A repeat sent to the other gateway is the same job; other params under that key are refused.
            Accepted repeated = second.submit(request(mask, 0, "job-0"));
            assertThat(repeated.id()).isEqualTo(ids.get(0));
            assertThat(repeated.replayed()).isTrue();
            assertThat(repeated.translation().status()).isEqualTo(TranslationStatus.SUCCEEDED);
            assertThatThrownBy(() -> second.submit(request(mask, 1, "job-0")))
                    .isInstanceOfSatisfying(ProblemException.class, e -> {
                        assertThat(e.status()).isEqualTo(409);
                        assertThat(e.code()).isEqualTo("idempotency_conflict");
                    });

            // A cancellation sent to the other gateway right after the 202 reaches the job (the most steps allowed).
            String cancelled = first.submit(TranslationRequest.builder("mask").input(mask, "image/png")
                    .encoding(TranslationRequest.Encoding.JSON).baseSteps("250").srSteps("100")
                    .idempotencyKey("long-job").build()).id();
            assertThat(second.cancel(cancelled).id()).isEqualTo(cancelled);
            assertThat(first.await(cancelled, JOB_TIMEOUT).status()).isEqualTo(TranslationStatus.CANCELLED);

            // A well-formed id that no gateway knows is still 404 on both, after the grace.
            for (PitiServeClient gateway : List.of(first, second)) {
                assertThatThrownBy(() -> gateway.get("tr_" + "a".repeat(26)))
                        .isInstanceOfSatisfying(ProblemException.class, e -> {
                            assertThat(e.status()).isEqualTo(404);
                            assertThat(e.code()).isEqualTo("not_found");
                        });
            }
        }
    }

    private static Translation readUntilSucceeded(PitiServeClient gateway, String id) {
        return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> gateway.get(id), view -> view.status() == TranslationStatus.SUCCEEDED);
    }

    private static Set<Integer> folded(ConfigurableApplicationContext gateway) {
        return gateway.getBean(StatusView.class).foldedPartitions();
    }

    /** A two-step job sent as JSON with a base64 input under {@code key}. */
    private static TranslationRequest request(byte[] mask, int seed, String key) {
        return TranslationRequest.builder("mask").input(mask, "image/png").encoding(TranslationRequest.Encoding.JSON)
                .baseSteps("2").srSteps("2").seed(seed).idempotencyKey(key).build();
    }

    /** The event names of the job's Server-Sent Events stream, up to its end. */
    private static List<String> eventNames(PitiServeClient gateway, String id) {
        List<String> names = new ArrayList<>();
        gateway.follow(id, JOB_TIMEOUT, event -> names.add(event.name()));
        return names;
    }
}
