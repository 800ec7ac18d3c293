package io.pitiserve.gateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP receiver on 127.0.0.1 (the JDK's HttpServer): records every request and answers with
 * the scripted replies in order, then 200, each with a small chunked JSON body.
 */
public final class WebhookReceiver implements AutoCloseable {

    /** A scripted answer; {@code delayMs} before answering simulates a slow receiver. */
    public record Reply(int status, Map<String, String> headers, long delayMs) {
        public static Reply status(int status) {
            return new Reply(status, Map.of(), 0);
        }
    }

    /** One request as received: headers by lower-case name, body, arrival (System.nanoTime). */
    public record Received(String path, Map<String, String> headers, byte[] body, long arrivedNanos) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();

    private WebhookReceiver(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** Starts on any free port. */
    public static WebhookReceiver start() {
        return start(0);
    }

    public static WebhookReceiver start(int port) {
        try {
            return new WebhookReceiver(HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0));
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a receiver on port " + port, e);
        }
    }

    public WebhookReceiver reply(Reply... replies) {
        script.addAll(List.of(replies));
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** A URL on this receiver under {@code host} (which the test's resolver maps to 127.0.0.1). */
    public String url(String host, String path) {
        return "http://" + host + ":" + port() + path;
    }

    public List<Received> received() {
        return new ArrayList<>(received);
    }

    public List<Received> received(String path) {
        return received.stream().filter(r -> r.path().equals(path)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) ->
                    headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            String path = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
            received.add(new Received(path, Map.copyOf(headers), body, System.nanoTime()));
            Reply reply = script.poll();
            if (reply == null) {
                reply = Reply.status(200);
            }
            if (reply.delayMs() > 0) {
                try {
                    Thread.sleep(reply.delayMs());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            reply.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
            byte[] answer = ("{\"status\": " + reply.status() + "}").getBytes(StandardCharsets.UTF_8);
            // Chunked, as many real receivers answer (length 0 selects chunked transfer coding).
            exchange.sendResponseHeaders(reply.status(), 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
