package io.pitiserve.gateway.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.UUID;

import org.awaitility.Awaitility;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Talks to a running gateway over real HTTP. */
public final class ApiClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public ApiClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** A response with its body read as JSON (null when empty). */
    public record Answer(int status, java.net.http.HttpHeaders headers, String body) {
        public JsonNode json() {
            return body == null || body.isEmpty() ? null : JSON.readTree(body);
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }

    public HttpRequest.Builder request(String path, String apiKey) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(90));
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        return builder;
    }

    public Answer send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Answer submit(String apiKey, byte[] input, String paramsJson, String... headers) {
        String boundary = "pitiserve-" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        write(body, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"input\"; filename=\"input.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n");
        body.writeBytes(input);
        write(body, "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"params\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + paramsJson + "\r\n--" + boundary + "--\r\n");
        HttpRequest.Builder request = request("/v1/translations", apiKey)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }

    public Answer submitJson(String apiKey, String json, String... headers) {
        HttpRequest.Builder request = request("/v1/translations", apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }

    /** Waits, up to a minute, until the gateway reports itself ready. */
    public void awaitReady() {
        Awaitility.await().atMost(Duration.ofSeconds(60))
                .until(() -> get("/actuator/health/readiness", null).status() == 200);
    }

    public Answer get(String path, String apiKey, String... headers) {
        HttpRequest.Builder request = request(path, apiKey).GET();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.build());
    }

    public Answer post(String path, String apiKey) {
        return send(request(path, apiKey).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public HttpClient http() {
        return http;
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
}
