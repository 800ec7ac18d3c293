package io.pitiserve.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.pitiserve.client.webhook.WebhookPayload;

/**
 * The webhook receiver of {@code bench chaos}: a loopback HTTP server that answers 200
 * ({@link Mode#ACCEPT}), 500 to a random half of the requests ({@link Mode#FLAKY}), or is not
 * listening at all so that connections are refused ({@link Mode#REFUSE}); it comes back on the
 * same port. It records every request it answered: the job, the event, the {@code webhook-id} and
 * its answer.
 */
public final class ChaosWebhookReceiver implements AutoCloseable {

    enum Mode { ACCEPT, FLAKY, REFUSE }

    /** One request: which job and event it announced, its {@code webhook-id}, and the status answered. */
    public record Received(String jobId, String type, String webhookId, int status) {
        public boolean delivered() {
            return status >= 200 && status < 300;
        }
    }

    private final Random random;
    private final List<Received> received = new ArrayList<>();
    private final int port;
    private HttpServer server;
    private ExecutorService executor;
    private Mode mode = Mode.ACCEPT;

    ChaosWebhookReceiver(long seed) {
        this.random = new Random(seed);
        this.server = listen(0);
        this.port = server.getAddress().getPort();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + port + "/hooks/chaos");
    }

    synchronized Mode mode() {
        return mode;
    }

    /** Switches behaviour; REFUSE closes the listening socket, leaving it binds the same port again. */
    synchronized void mode(Mode next) {
        if (next == Mode.REFUSE && server != null) {
            stopListening();
        } else if (next != Mode.REFUSE && server == null) {
            server = listen(port);
        }
        mode = next;
    }

    synchronized List<Received> received() {
        return List.copyOf(received);
    }

    private HttpServer listen(int onPort) {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", onPort), 64);
            http.createContext("/hooks/chaos", this::handle);
            executor = Executors.newFixedThreadPool(4, runnable -> {
                Thread thread = new Thread(runnable, "chaos-webhook-receiver");
                thread.setDaemon(true);
                return thread;
            });
            http.setExecutor(executor);
            http.start();
            return http;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + onPort, e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        String jobId = null;
        String type = null;
        try {
            WebhookPayload payload = WebhookPayload.fromJson(body);
            jobId = payload.data().id();
            type = payload.type();
        } catch (RuntimeException e) {
            // recorded without a job: a body the gateway should never send
        }
        int status;
        synchronized (this) {
            status = mode == Mode.FLAKY && random.nextBoolean() ? 500 : 200;
            received.add(new Received(jobId, type, exchange.getRequestHeaders().getFirst("webhook-id"), status));
        }
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    private void stopListening() {
        server.stop(0);
        executor.shutdown();
        server = null;
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            stopListening();
        }
    }
}
