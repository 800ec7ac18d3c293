package io.pitiserve.standalone;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of the REST API v1 with nothing but the JDK's HTTP client: submit an input as a
 * multipart upload, follow the job (Server-Sent Events, long polling as a fallback) and download
 * the results through their presigned URLs.
 */
public final class TranslationClient {

    private static final Logger log = LoggerFactory.getLogger(TranslationClient.class);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(90);

    private final URI api;
    private final String apiKey;
    private final HttpClient http;
    private final JsonMapper json = JsonMapper.builder().build();

    public TranslationClient(URI api, String apiKey) {
        this.api = api;
        this.apiKey = apiKey;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** A request the API refused or that could not be carried out; the message is one line. */
    public static final class ApiException extends RuntimeException {
        public ApiException(String message) {
            super(message);
        }

        public ApiException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** {@code POST /v1/translations}: the job as the gateway answered (202 or 200). */
    public JsonNode submit(byte[] input, String fileName, String contentType, JsonNode params) {
        String boundary = "pitiserve-" + UUID.randomUUID();
        byte[] body = multipart(boundary, input, fileName, contentType, json.writeValueAsString(params));
        HttpRequest request = authorized(api.resolve("/v1/translations"))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<String> response = send(request);
        if (response.statusCode() != 200 && response.statusCode() != 202) {
            throw refused("submission", response);
        }
        return json.readTree(response.body());
    }

    /** {@code GET /v1/models}: the tasks and every model the gateway knows, with their live state. */
    public JsonNode models() {
        HttpRequest request = authorized(api.resolve("/v1/models")).timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json").GET().build();
        HttpResponse<String> response = send(request);
        if (response.statusCode() != 200) {
            throw refused("the model list", response);
        }
        return json.readTree(response.body());
    }

    /** {@code GET /v1/translations/{id}}, waiting up to {@code wait} (at most 60 s) for a terminal state. */
    public JsonNode get(String id, Duration wait) {
        HttpRequest.Builder request = authorized(api.resolve("/v1/translations/" + id))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json");
        if (!wait.isZero()) {
            request.header("Prefer", "wait=" + Math.min(60, wait.toSeconds()));
        }
        HttpResponse<String> response = send(request.GET().build());
        if (response.statusCode() != 200 && response.statusCode() != 202) {
            throw refused("status of " + id, response);
        }
        return json.readTree(response.body());
    }

    /**
     * Follows job {@code id} until it is finished or {@code timeout} has passed, handing every
     * version of the job to {@code onUpdate}; returns the last version seen. Uses the Server-Sent
     * Events stream and falls back to long polling when the stream breaks off.
     */
    public JsonNode await(String id, Duration timeout, Consumer<JsonNode> onUpdate) {
        Instant deadline = Instant.now().plus(timeout);
        JsonNode last = null;
        try {
            last = follow(id, deadline, onUpdate);
        } catch (ApiException e) {
            // The stream is a convenience; polling below has the final word.
            log.info("{}; following the job by polling instead", e.getMessage());
        }
        while (last == null || !terminal(last)) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                throw new ApiException("job " + id + " did not finish within " + timeout.toSeconds() + " s"
                        + (last == null ? "" : " (last status " + last.path("status").asString() + ")"));
            }
            JsonNode current = get(id, left.compareTo(Duration.ofSeconds(20)) > 0 ? Duration.ofSeconds(20) : left);
            onUpdate.accept(current);
            last = current;
        }
        return last;
    }

    /** Downloads a presigned URL into {@code target}; no API key travels with it. */
    public Path download(URI url, Path target) {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET().build();
        // Into a file of its own first: a file already at target (an earlier run's) is replaced whole
        // once the download is complete, and kept when it fails.
        Path partial = target.resolveSibling(target.getFileName() + ".part");
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            HttpResponse<Path> response = http.send(request, HttpResponse.BodyHandlers.ofFile(partial,
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING));
            if (response.statusCode() != 200) {
                Files.deleteIfExists(partial);
                throw new ApiException("download of " + target.getFileName() + " answered HTTP " + response.statusCode());
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            deleteQuietly(partial);
            throw new ApiException("download of " + target.getFileName() + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException("interrupted", e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("could not delete {}: {}", file, e.toString());
        }
    }

    public static boolean terminal(JsonNode job) {
        String status = job.path("status").asString("");
        return status.equals("succeeded") || status.equals("failed") || status.equals("cancelled");
    }

    private JsonNode follow(String id, Instant deadline, Consumer<JsonNode> onUpdate) {
        Duration left = Duration.between(Instant.now(), deadline);
        HttpRequest request = authorized(api.resolve("/v1/translations/" + id + "/events"))
                .timeout(left.isNegative() ? Duration.ofSeconds(1) : left)
                .header("Accept", "text/event-stream")
                .GET().build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw new ApiException("event stream of " + id + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException("interrupted", e);
        }
        JsonNode last = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                throw new ApiException("event stream of " + id + " answered HTTP " + response.statusCode());
            }
            List<String> data = new ArrayList<>();
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        last = json.readTree(String.join("\n", data));
                        data.clear();
                        onUpdate.accept(last);
                        if (terminal(last)) {
                            return last;
                        }
                    }
                } else if (line.startsWith("data:")) {
                    data.add(line.substring(line.startsWith("data: ") ? 6 : 5));
                }
            }
            return last;
        } catch (IOException e) {
            throw new ApiException("event stream of " + id + " broke off: " + e.getMessage(), e);
        }
    }

    private HttpRequest.Builder authorized(URI uri) {
        return HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + apiKey);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ApiException(request.method() + " " + request.uri().getPath() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException("interrupted", e);
        }
    }

    private ApiException refused(String what, HttpResponse<String> response) {
        String detail = response.body();
        try {
            JsonNode problem = json.readTree(response.body());
            detail = problem.path("code").asString("") + ": " + problem.path("detail").asString(response.body());
        } catch (RuntimeException e) {
            // not a Problem Details body; the raw text says it
        }
        return new ApiException(what + " answered HTTP " + response.statusCode() + " (" + detail.strip() + ")");
    }

    private static byte[] multipart(String boundary, byte[] input, String fileName, String contentType,
                                    String params) {
        StringBuilder head = new StringBuilder()
                .append("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"params\"\r\n")
                .append("Content-Type: application/json\r\n\r\n")
                .append(params).append("\r\n")
                .append("--").append(boundary).append("\r\n")
                .append("Content-Disposition: form-data; name=\"input\"; filename=\"").append(fileName).append("\"\r\n")
                .append("Content-Type: ").append(contentType).append("\r\n\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[headBytes.length + input.length + tail.length];
        System.arraycopy(headBytes, 0, body, 0, headBytes.length);
        System.arraycopy(input, 0, body, headBytes.length, input.length);
        System.arraycopy(tail, 0, body, headBytes.length + input.length, tail.length);
        return body;
    }
}
