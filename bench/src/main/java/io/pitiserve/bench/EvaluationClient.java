package io.pitiserve.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code /v1/evaluations} over HTTP with the API key, as any client would call it. */
public final class EvaluationClient {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(90);

    private final URI api;
    private final String apiKey;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final JsonMapper json = JsonMapper.builder().build();

    public EvaluationClient(URI api, String apiKey) {
        this.api = api;
        this.apiKey = apiKey;
    }

    /** An answer of the API: its status code and JSON body (a Problem Details object when refused). */
    public record Answer(int status, JsonNode body) {
    }

    /** {@code POST /v1/evaluations}, whatever the answer. */
    public Answer submit(JsonNode evaluation) {
        return send(request("/v1/evaluations").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(evaluation))).build());
    }

    /** {@code GET /v1/evaluations/{id}}, waiting up to {@code wait} (at most 60 s) for it to finish. */
    public Answer get(String id, Duration wait) {
        HttpRequest.Builder request = request("/v1/evaluations/" + id);
        if (!wait.isZero()) {
            request.header("Prefer", "wait=" + Math.min(60, Math.max(1, wait.toSeconds())));
        }
        return send(request.GET().build());
    }

    /** {@code POST /v1/evaluations/{id}/cancel}. */
    public Answer cancel(String id) {
        return send(request("/v1/evaluations/" + id + "/cancel").POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    /** Polls evaluation {@code id} until it is finished, handing each version to {@code onUpdate}. */
    public JsonNode await(String id, Duration timeout, Consumer<JsonNode> onUpdate) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw new IllegalStateException("evaluation " + id + " did not finish within " + timeout.toSeconds()
                        + " s");
            }
            Answer answer = get(id, left.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : left);
            if (answer.status() != 200 && answer.status() != 202) {
                throw new IllegalStateException("GET evaluation " + id + ": HTTP " + answer.status() + " "
                        + answer.body());
            }
            onUpdate.accept(answer.body());
            String status = answer.body().path("status").asString();
            if (status.equals("succeeded") || status.equals("failed") || status.equals("cancelled")) {
                return answer.body();
            }
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(api.resolve(path)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + apiKey).header("Accept", "application/json");
    }

    private Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            return new Answer(response.statusCode(), body == null || body.isBlank()
                    ? json.createObjectNode() : json.readTree(body));
        } catch (IOException e) {
            throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
