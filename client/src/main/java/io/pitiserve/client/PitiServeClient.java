package io.pitiserve.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client of the piti-serve HTTP API v1: submit translations (multipart or JSON, with an
 * Idempotency-Key), read them, wait for them (long polling with {@code Prefer: wait}, or
 * Server-Sent Events with reconnection), cancel them, ask for a webhook again, download their
 * results (checked against the sha256 the API gives), list the models, and submit, read, wait
 * for and cancel evaluations. Refusals throw a
 * {@link ProblemException} carrying the Problem Details; anything else that goes wrong a
 * {@link PitiServeException}. Instances are immutable and thread-safe; share one.
 *
 * <pre>{@code
 * PitiServeClient client = PitiServeClient.builder(URI.create("http://127.0.0.1:8080")).apiKey(key).build();
 * Accepted accepted = client.submit(TranslationRequest.builder("mask").input(Path.of("mask.png")).build());
 * Translation done = client.await(accepted.id(), Duration.ofMinutes(5));
 * }</pre>
 */
public final class PitiServeClient {

    /** The longest wait one request may ask the gateway for ({@code Prefer: wait=60}). */
    public static final Duration MAX_WAIT = Duration.ofSeconds(60);

    private static final String JSON_TYPE = "application/json";
    private static final String USER_AGENT = "pitiserve-client";

    private final URI base;
    private final String apiKey;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final Duration reconnectDelay;
    private final JsonMapper json;

    private PitiServeClient(Builder builder) {
        String text = builder.baseUri.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.apiKey = builder.apiKey;
        this.http = builder.httpClient != null ? builder.httpClient
                : HttpClient.newBuilder().connectTimeout(builder.connectTimeout)
                        .followRedirects(HttpClient.Redirect.NEVER).build();
        this.requestTimeout = builder.requestTimeout;
        this.reconnectDelay = builder.reconnectDelay;
        this.json = JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
                .build();
    }

    /** A client of the gateway at {@code baseUri}, e.g. {@code http://127.0.0.1:8080}. */
    public static Builder builder(URI baseUri) {
        return new Builder(baseUri);
    }

    /** {@code builder(baseUri).apiKey(apiKey).build()}. */
    public static PitiServeClient create(URI baseUri, String apiKey) {
        return builder(baseUri).apiKey(apiKey).build();
    }

    /** The gateway's base URI. */
    public URI baseUri() {
        return base;
    }

    // ---- submit ------------------------------------------------------------------------------

    /**
     * {@code POST /v1/translations}. Answers once the input is stored and the job queued durably,
     * or, with {@link TranslationRequest.Builder#waitFor(Duration)}, once it finished or the wait
     * is over.
     *
     * @throws ProblemException for a refusal: 400 ({@code invalid_parameter}, {@code invalid_input}, ...),
     *                          409 (an Idempotency-Key reused for another request), 413, 429, 503
     */
    public Accepted submit(TranslationRequest request) {
        HttpRequest.BodyPublisher body;
        String contentType;
        if (request.encoding() == TranslationRequest.Encoding.MULTIPART) {
            String boundary = "pitiserve-" + UUID.randomUUID();
            contentType = "multipart/form-data; boundary=" + boundary;
            body = HttpRequest.BodyPublishers.ofByteArray(multipart(boundary, request));
        } else {
            contentType = JSON_TYPE;
            body = HttpRequest.BodyPublishers.ofByteArray(jsonBody(request));
        }
        HttpRequest.Builder builder = authorized("v1/translations", request.waitFor())
                .header("Content-Type", contentType)
                .POST(body);
        if (request.idempotencyKey() != null) {
            builder.header("Idempotency-Key", request.idempotencyKey());
        }
        if (request.traceparent() != null) {
            builder.header("traceparent", request.traceparent());
        }
        prefer(builder, request.waitFor());
        HttpResponse<byte[]> response = send(builder.build());
        expect(response, 200, 202);
        Translation translation = read(response, Translation.class);
        URI location = response.headers().firstValue("Location").map(base::resolve)
                .orElseGet(() -> base.resolve("v1/translations/" + translation.id()));
        boolean replayed = response.headers().firstValue("Idempotent-Replayed").map("true"::equalsIgnoreCase)
                .orElse(false);
        return new Accepted(translation, location, replayed);
    }

    // ---- read and wait -----------------------------------------------------------------------

    /** {@code GET /v1/translations/{id}}: the job now. */
    public Translation get(String id) {
        return get(id, Duration.ZERO);
    }

    /**
     * {@code GET /v1/translations/{id}} with {@code Prefer: wait}: the job once it finished, or as it
     * is after {@code wait} (whole seconds, at most 60).
     *
     * @throws ProblemException 404 {@code not_found} when the API key has no such job
     */
    public Translation get(String id, Duration wait) {
        return read(jobPath(id), wait, Translation.class);
    }

    /**
     * Waits for job {@code id} to finish by long polling ({@code Prefer: wait}, up to 60 s a request).
     *
     * @return the finished job: succeeded, failed or cancelled
     * @throws NotFinishedException when {@code timeout} passed first
     */
    public Translation await(String id, Duration timeout) {
        Translation last = poll(timeout, MAX_WAIT, wait -> get(id, wait), Translation::terminal, state -> { });
        if (last.terminal()) {
            return last;
        }
        throw new NotFinishedException(id, timeout, last);
    }

    /**
     * Long polls with {@code get} (no wait first, then up to {@code longest} a request) until
     * {@code terminal} holds or {@code timeout} has passed, handing each state read to {@code listener};
     * the last state read.
     */
    private static <T> T poll(Duration timeout, Duration longest, Function<Duration, T> get, Predicate<T> terminal,
            Consumer<T> listener) {
        Instant deadline = Instant.now().plus(timeout);
        T last = get.apply(Duration.ZERO);
        listener.accept(last);
        while (!terminal.test(last)) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.isNegative() || left.isZero()) {
                return last;
            }
            // Whole seconds: the gateway's wait granularity; the last round trip asks for the rest.
            last = get.apply(Duration.ofSeconds(Math.min(longest.toSeconds(), Math.max(1, left.toSeconds()))));
            listener.accept(last);
        }
        return last;
    }

    /**
     * Follows job {@code id} over Server-Sent Events ({@code GET /v1/translations/{id}/events}) until
     * it finishes, handing each new state to {@code listener} in order. When the stream breaks off or
     * ends early, or the gateway answers 429 or 5xx, it reconnects after the delay the stream asked
     * for ({@code retry}; else the builder's reconnect delay; longer when the answer's
     * {@code Retry-After} says so), sending {@code Last-Event-ID}; a state not newer than one already
     * handed over (the gateway resends the current state first) is skipped.
     *
     * @return the finished job
     * @throws NotFinishedException when {@code timeout} passed first
     * @throws ProblemException     when the API refuses the stream (401, 404)
     */
    public Translation follow(String id, Duration timeout, Consumer<TranslationEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        Instant deadline = Instant.now().plus(timeout);
        ServerSentEventParser parser = new ServerSentEventParser();
        long lastVersion = Long.MIN_VALUE;
        Translation last = null;
        while (true) {
            Duration retryAfter = null;
            try (EventStream stream = open(id, parser.lastEventId(), deadline)) {
                Object item;
                while ((item = stream.next(deadline)) instanceof String line) {
                    ServerSentEventParser.Event event = parser.line(line);
                    if (event == null) {
                        continue;
                    }
                    Translation translation = read(event.data(), Translation.class);
                    long version = version(event.id());
                    if (version != Long.MIN_VALUE && version <= lastVersion) {
                        continue;
                    }
                    lastVersion = Math.max(lastVersion, version);
                    last = translation;
                    listener.accept(new TranslationEvent(event.id(), event.name(), translation));
                    if (translation.terminal()) {
                        return translation;
                    }
                }
                parser.endOfStream();
                if (item == EventStream.TIMED_OUT) {
                    throw new NotFinishedException(id, timeout, last);
                }
                if (item instanceof ProblemException problem) {
                    if (problem.status() != 429 && problem.status() < 500) {
                        throw problem;
                    }
                    retryAfter = problem.retryAfter();
                }
                // else: the stream ended or broke off before the job finished; reconnect
            }
            Duration delay = parser.retryMillis() != null ? Duration.ofMillis(parser.retryMillis()) : reconnectDelay;
            if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
                delay = retryAfter;
            }
            Duration left = Duration.between(Instant.now(), deadline);
            if (left.compareTo(delay) <= 0) {
                throw new NotFinishedException(id, timeout, last);
            }
            pause(delay);
        }
    }

    // ---- cancel and webhooks -----------------------------------------------------------------

    /**
     * {@code POST /v1/translations/{id}/cancel}: asks the workers to stop the job; it becomes
     * cancelled when one does (or finishes first).
     *
     * @return the job as it was when the request was queued
     * @throws ProblemException 409 {@code already_terminal} when it already finished
     */
    public Translation cancel(String id) {
        return post(jobPath(id) + "/cancel", Translation.class);
    }

    /**
     * {@code POST /v1/translations/{id}/webhook/redeliver}: sends a finished job's terminal webhook
     * again, with the same {@code webhook-id}.
     *
     * @throws ProblemException 409 {@code no_webhook}, {@code not_finished} or {@code event_not_subscribed}
     */
    public Redelivery redeliverWebhook(String id) {
        return post(jobPath(id) + "/webhook/redeliver", Redelivery.class);
    }

    // ---- evaluations -------------------------------------------------------------------------

    /**
     * {@code POST /v1/evaluations}: measures a served model on a dataset at the given settings.
     *
     * @throws ProblemException 400 ({@code unknown_model}, {@code unknown_dataset}, {@code empty_dataset},
     *                          {@code incomplete_dataset}, {@code invalid_parameter}, {@code job_too_costly},
     *                          {@code evaluation_too_large}), 404 for a dataset prefix this API key may not
     *                          read, 409 for an Idempotency-Key reused for another evaluation
     */
    public Evaluation submitEvaluation(EvaluationRequest request) {
        HttpRequest.Builder builder = authorized("v1/evaluations", Duration.ZERO)
                .header("Content-Type", JSON_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(request.body())));
        if (request.idempotencyKey() != null) {
            builder.header("Idempotency-Key", request.idempotencyKey());
        }
        HttpResponse<byte[]> response = send(builder.build());
        expect(response, 202, 200);
        return read(response, Evaluation.class);
    }

    /** {@code GET /v1/evaluations/{id}} with {@code Prefer: wait} (zero: none, at most 60 s). */
    public Evaluation getEvaluation(String id, Duration wait) {
        return read(evaluationPath(id), wait, Evaluation.class);
    }

    /**
     * Waits for evaluation {@code id} to finish by long polling ({@code Prefer: wait}, up to 60 s a request).
     *
     * @throws NotFinishedException when {@code timeout} passed first
     */
    public Evaluation awaitEvaluation(String id, Duration timeout) {
        return awaitEvaluation(id, timeout, MAX_WAIT, state -> { });
    }

    /**
     * Waits for evaluation {@code id} to finish by long polling with waits of at most {@code every}
     * (whole seconds, 1 to 60), handing each state read to {@code listener}, in order: a wait ends only
     * when the evaluation finishes, so {@code every} is how often its progress is seen.
     *
     * @throws NotFinishedException when {@code timeout} passed first
     */
    public Evaluation awaitEvaluation(String id, Duration timeout, Duration every, Consumer<Evaluation> listener) {
        Objects.requireNonNull(listener, "listener");
        if (every.toSeconds() < 1 || every.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("a long poll's wait must be 1 to 60 s, not " + every);
        }
        Evaluation last = poll(timeout, every, wait -> getEvaluation(id, wait), Evaluation::terminal, listener);
        if (last.terminal()) {
            return last;
        }
        throw new NotFinishedException(id, timeout, last);
    }

    /**
     * {@code POST /v1/evaluations/{id}/cancel}.
     *
     * @throws ProblemException 409 {@code already_terminal} when it already finished
     */
    public Evaluation cancelEvaluation(String id) {
        return post(evaluationPath(id) + "/cancel", Evaluation.class);
    }

    // ---- results -----------------------------------------------------------------------------

    /**
     * The PNG bytes of a result, from its presigned URL (no API key travels with it), checked
     * against the result's size and sha256.
     *
     * @throws PitiServeException when the URL has expired (read the job again for fresh ones), the
     *                            store refuses, or the bytes do not match
     */
    public byte[] download(Translation.Result result) {
        if (result.url() == null) {
            throw new PitiServeException("result " + result.kind() + " " + result.index()
                    + " has no URL (a webhook payload leaves them out when truncated; read the job)");
        }
        HttpRequest request = HttpRequest.newBuilder(base.resolve(result.url())).timeout(requestTimeout)
                .header("User-Agent", USER_AGENT).GET().build();
        HttpResponse<byte[]> response = send(request);
        if (response.statusCode() != 200) {
            boolean expired = result.expiresAt() != null && Instant.now().isAfter(result.expiresAt());
            throw new PitiServeException("download of result " + result.kind() + " " + result.index()
                    + " answered HTTP " + response.statusCode()
                    + (expired ? "; its URL expired at " + result.expiresAt() + ", read the job again for a fresh one"
                            : ""));
        }
        byte[] bytes = response.body();
        if (bytes.length != result.bytes() || (result.sha256() != null && !sha256(bytes).equals(result.sha256()))) {
            throw new PitiServeException("download of result " + result.kind() + " " + result.index()
                    + " does not match: " + bytes.length + " bytes with sha256 " + sha256(bytes) + ", the job says "
                    + result.bytes() + " bytes with sha256 " + result.sha256());
        }
        return bytes;
    }

    /**
     * Downloads a result into {@code target} (see {@link #download(Translation.Result)}): a file already
     * there is replaced only once the download is complete and checked.
     */
    public Path download(Translation.Result result, Path target) {
        byte[] bytes = download(result);
        Path absolute = target.toAbsolutePath();
        Path partial = absolute.resolveSibling(absolute.getFileName() + ".part");
        try {
            Files.createDirectories(absolute.getParent());
            Files.write(partial, bytes);
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // the first failure is the one to report
            }
            throw new PitiServeException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    // ---- models ------------------------------------------------------------------------------

    /** {@code GET /v1/models}: the tasks, and every model a request may name with its live state. */
    public Models models() {
        HttpResponse<byte[]> response = send(authorized("v1/models", Duration.ZERO).GET().build());
        expect(response, 200);
        return read(response, Models.class);
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private static String jobPath(String id) {
        return "v1/translations/" + URLEncoder.encode(Objects.requireNonNull(id, "id"), StandardCharsets.UTF_8);
    }

    private static String evaluationPath(String id) {
        return "v1/evaluations/" + URLEncoder.encode(Objects.requireNonNull(id, "id"), StandardCharsets.UTF_8);
    }

    /** GET of a job with {@code Prefer: wait} (zero: none): 200 once finished or not waiting, 202 otherwise. */
    private <T> T read(String path, Duration wait, Class<T> type) {
        if (wait.isNegative() || wait.compareTo(MAX_WAIT) > 0) {
            throw new IllegalArgumentException("the wait must be 0 to 60 s, not " + wait);
        }
        HttpRequest.Builder builder = authorized(path, wait).GET();
        prefer(builder, wait);
        HttpResponse<byte[]> response = send(builder.build());
        expect(response, 200, 202);
        return read(response, type);
    }

    /** A body-less POST answered 202 (or 200) with a resource. */
    private <T> T post(String path, Class<T> type) {
        HttpResponse<byte[]> response = send(authorized(path, Duration.ZERO)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        expect(response, 202, 200);
        return read(response, type);
    }

    private HttpRequest.Builder authorized(String path, Duration wait) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path))
                .timeout(requestTimeout.plus(wait))
                .header("Accept", JSON_TYPE)
                .header("User-Agent", USER_AGENT);
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        return builder;
    }

    private static void prefer(HttpRequest.Builder builder, Duration wait) {
        if (!wait.isZero()) {
            builder.header("Prefer", "wait=" + Math.max(1, wait.toSeconds()));
        }
    }

    private HttpResponse<byte[]> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new PitiServeException(request.method() + " " + request.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PitiServeException(request.method() + " " + request.uri() + " was interrupted", e);
        }
    }

    private void expect(HttpResponse<byte[]> response, int... statuses) {
        for (int status : statuses) {
            if (response.statusCode() == status) {
                return;
            }
        }
        throw problem(response.statusCode(), response.headers(), response.body());
    }

    /** The Problem Details of a refusal; a body that is none becomes the detail of a code-less problem. */
    ProblemException problem(int status, HttpHeaders headers, byte[] body) {
        Duration retryAfter = headers.firstValue("Retry-After").map(PitiServeClient::retryAfter).orElse(null);
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.isObject()) {
                Map<String, Object> others = new LinkedHashMap<>();
                node.properties().forEach(member -> {
                    if (!Problem.MEMBERS.contains(member.getKey())) {
                        others.put(member.getKey(), json.treeToValue(member.getValue(), Object.class));
                    }
                });
                return new ProblemException(new Problem(textOf(node, "type"), textOf(node, "title"),
                        node.path("status").asInt(status), textOf(node, "detail"), textOf(node, "instance"),
                        textOf(node, "code"), others), retryAfter);
            }
        } catch (JacksonException e) {
            // not JSON: the text says what happened
        }
        String detail = text.isBlank() ? null : text.strip().substring(0, Math.min(200, text.strip().length()));
        return new ProblemException(new Problem("about:blank", null, status, detail, null, null, Map.of()), retryAfter);
    }

    private static String textOf(JsonNode node, String name) {
        JsonNode member = node.get(name);
        return member == null || member.isNull() ? null : member.asString();
    }

    private static Duration retryAfter(String value) {
        try {
            return Duration.ofSeconds(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration until = Duration.between(Instant.now(), at);
                return until.isNegative() ? Duration.ZERO : until;
            } catch (DateTimeParseException unreadable) {
                return null;
            }
        }
    }

    private <T> T read(HttpResponse<byte[]> response, Class<T> type) {
        return read(new String(response.body(), StandardCharsets.UTF_8), type);
    }

    private <T> T read(String body, Class<T> type) {
        try {
            return json.readValue(body, type);
        } catch (JacksonException e) {
            throw new PitiServeException("the answer is not a " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    private byte[] jsonBody(TranslationRequest request) {
        Map<String, Object> input = new LinkedHashMap<>();
        if (request.s3Input() != null) {
            input.put("s3", request.s3Input());
        } else {
            input.put("base64", Base64.getEncoder().encodeToString(request.input()));
            input.put("content_type", request.contentType());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("input", input);
        body.put("params", request.params());
        return json.writeValueAsBytes(body);
    }

    private byte[] multipart(String boundary, TranslationRequest request) {
        byte[] input = request.input();
        String fileName = request.fileName().replace("\"", "").replace("\r", "").replace("\n", "");
        byte[] head = ("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"params\"\r\n"
                + "Content-Type: application/json\r\n\r\n"
                + json.writeValueAsString(request.params()) + "\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"input\"; filename=\"" + fileName + "\"\r\n"
                + "Content-Type: " + request.contentType() + "\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[head.length + input.length + tail.length];
        System.arraycopy(head, 0, body, 0, head.length);
        System.arraycopy(input, 0, body, head.length, input.length);
        System.arraycopy(tail, 0, body, head.length + input.length, tail.length);
        return body;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static long version(String eventId) {
        try {
            return Long.parseLong(eventId);
        } catch (NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    private static void pause(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PitiServeException("interrupted while waiting to reconnect", e);
        }
    }

    private EventStream open(String id, String lastEventId, Instant deadline) {
        HttpRequest.Builder builder = authorized(jobPath(id) + "/events", Duration.ZERO)
                .setHeader("Accept", "text/event-stream")
                .header("Cache-Control", "no-cache")
                .GET();
        if (!lastEventId.isEmpty()) {
            builder.header("Last-Event-ID", lastEventId);
        }
        EventStream stream = new EventStream();
        CompletableFuture<HttpResponse<Void>> exchange = http.sendAsync(builder.build(), stream);
        // A failure before any body (no connection, reset) reaches only the exchange.
        exchange.whenComplete((response, failure) -> {
            if (failure != null) {
                stream.failed(failure);
            }
        });
        return stream;
    }

    /**
     * One connection's event stream as a queue the caller polls with its deadline: the lines of a
     * 200 answer (split at CR, LF or CRLF; a last line without its line ending is dropped), then
     * {@link #ENDED}; or a {@link ProblemException} for another status; or the failure. Closing it
     * cancels the connection.
     */
    private final class EventStream implements HttpResponse.BodyHandler<Void>, Flow.Subscriber<List<ByteBuffer>>,
            AutoCloseable {

        static final Object ENDED = new Object();
        static final Object TIMED_OUT = new Object();
        private static final int MAX_REFUSAL_BYTES = 64 * 1024;

        private final BlockingQueue<Object> items = new LinkedBlockingQueue<>();
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private boolean afterCarriageReturn;
        private volatile HttpResponse.ResponseInfo info;
        private volatile Flow.Subscription subscription;
        private volatile boolean closed;

        @Override
        public HttpResponse.BodySubscriber<Void> apply(HttpResponse.ResponseInfo responseInfo) {
            info = responseInfo;
            return HttpResponse.BodySubscribers.fromSubscriber(this);
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (closed) {
                s.cancel();
            } else {
                s.request(Long.MAX_VALUE);
            }
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            boolean stream = info.statusCode() == 200;
            for (ByteBuffer buffer : buffers) {
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (!stream) {
                        if (line.size() < MAX_REFUSAL_BYTES) {
                            line.write(b);
                        }
                    } else if (b == '\n' && afterCarriageReturn) {
                        afterCarriageReturn = false;
                    } else if (b == '\n' || b == '\r') {
                        // CR and LF never occur inside a UTF-8 sequence: splitting bytes is safe.
                        items.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                        afterCarriageReturn = b == '\r';
                    } else {
                        afterCarriageReturn = false;
                        line.write(b);
                    }
                }
            }
        }

        @Override
        public void onError(Throwable failure) {
            items.add(failure);
        }

        @Override
        public void onComplete() {
            if (info.statusCode() != 200) {
                items.add(problem(info.statusCode(), info.headers(), line.toByteArray()));
            } else {
                items.add(ENDED);
            }
        }

        void failed(Throwable failure) {
            items.add(failure);
        }

        /** The next line, or what ended the stream: {@link #ENDED}, {@link #TIMED_OUT}, a failure or a problem. */
        Object next(Instant deadline) {
            long millis = Duration.between(Instant.now(), deadline).toMillis();
            try {
                Object item = millis <= 0 ? items.poll() : items.poll(millis, TimeUnit.MILLISECONDS);
                return item == null ? TIMED_OUT : item;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PitiServeException("interrupted while following a job", e);
            }
        }

        @Override
        public void close() {
            closed = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }

    /** Builds a {@link PitiServeClient}. */
    public static final class Builder {

        private final URI baseUri;
        private String apiKey;
        private HttpClient httpClient;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(60);
        private Duration reconnectDelay = Duration.ofSeconds(1);

        private Builder(URI baseUri) {
            this.baseUri = Objects.requireNonNull(baseUri, "baseUri");
        }

        /** The API key, sent as {@code Authorization: Bearer <key>} to the gateway (never to result URLs). */
        public Builder apiKey(String apiKey) {
            this.apiKey = apiKey;
            return this;
        }

        /** The JDK HTTP client to use (proxy, TLS, executor); by default one of its own. */
        public Builder httpClient(HttpClient httpClient) {
            this.httpClient = httpClient;
            return this;
        }

        /** Connect timeout of the client's own HTTP client (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout);
            return this;
        }

        /** How long one request may take, on top of any {@code Prefer: wait} (default 60 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout);
            return this;
        }

        /** How long to wait before reconnecting an event stream when it named no {@code retry} (default 1 s). */
        public Builder reconnectDelay(Duration delay) {
            this.reconnectDelay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        public PitiServeClient build() {
            return new PitiServeClient(this);
        }

        private static Duration positive(Duration duration) {
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("a timeout must be positive");
            }
            return duration;
        }
    }
}
