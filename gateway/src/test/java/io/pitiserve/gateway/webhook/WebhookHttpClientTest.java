package io.pitiserve.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pinned HTTP/1.1 client against real servers on loopback, with TLS from a certificate made for the test. */
class WebhookHttpClientTest {

    static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    static Path dir;

    static SSLContext serverTls;
    static SSLContext clientTls;
    static HttpsServer https;
    static final List<Map<String, String>> HTTPS_HEADERS = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void makeACertificateForReceiverTest() throws Exception {
        Path keystore = dir.resolve("receiver.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=receiver.test", "-ext", "SAN=dns:receiver.test", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, PASSWORD);
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keys.getKeyManagers(), null, null);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("receiver", store.getCertificate("receiver"));
        TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trusted.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trusted.getTrustManagers(), null);

        https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        https.setHttpsConfigurator(new HttpsConfigurator(serverTls));
        https.createContext("/", exchange -> {
            Map<String, String> seen = new java.util.TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> seen.put(k.toLowerCase(), v.get(0)));
            seen.put(":body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            HTTPS_HEADERS.add(seen);
            answer(exchange, 204, "");
        });
        https.setExecutor(Executors.newCachedThreadPool());
        https.start();
    }

    @AfterAll
    static void stop() {
        https.stop(0);
    }

    @Test
    void anHttpsPostReachesThePinnedAddressWithTheUrlsHostForTlsAndTheHostHeader() throws Exception {
        WebhookHttpClient client = client(Duration.ofSeconds(5));

        WebhookHttpClient.Answer answer = client.post(target("https", "receiver.test", https.getAddress().getPort(),
                "/hooks?x=1"), Map.of("webhook-id", "msg_1"), "{\"a\":1}".getBytes(StandardCharsets.UTF_8));

        assertThat(answer.status()).isEqualTo(204);
        Map<String, String> seen = HTTPS_HEADERS.get(HTTPS_HEADERS.size() - 1);
        assertThat(seen).containsEntry("host", "receiver.test:" + https.getAddress().getPort())
                .containsEntry("webhook-id", "msg_1").containsEntry(":body", "{\"a\":1}")
                .containsEntry("content-type", "application/json");
    }

    @Test
    void aCertificateForAnotherNameIsRefusedEvenAtThePinnedAddress() {
        WebhookHttpClient client = client(Duration.ofSeconds(5));

        assertThatThrownBy(() -> client.post(target("https", "impostor.test", https.getAddress().getPort(), "/"),
                Map.of(), new byte[0])).isInstanceOf(SSLException.class);
    }

    @Test
    void aRedirectIsAnAnswerNotFollowed() throws Exception {
        try (Server server = Server.start(exchange -> {
            exchange.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data");
            answer(exchange, 302, "");
        })) {
            WebhookHttpClient.Answer answer = client(Duration.ofSeconds(5))
                    .post(target("http", "receiver.test", server.port(), "/"), Map.of(), new byte[0]);

            assertThat(answer.status()).isEqualTo(302);
            assertThat(server.requests()).isEqualTo(1);
        }
    }

    @Test
    void aReceiverThatDripsItsAnswerRunsIntoTheWholeRequestTimeout() throws Exception {
        try (Server server = Server.start(exchange -> {
            try {
                Thread.sleep(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, "late");
        })) {
            long begin = System.nanoTime();

            assertThatThrownBy(() -> client(Duration.ofMillis(700))
                    .post(target("http", "receiver.test", server.port(), "/"), Map.of(), new byte[0]))
                    .isInstanceOf(SocketTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofMillis(2900));
        }
    }

    @Test
    void onlyTheStartOfALargeResponseBodyIsRead() throws Exception {
        try (Server server = Server.start(exchange -> answer(exchange, 500, "x".repeat(1_000_000)))) {
            WebhookHttpClient.Answer answer = client(Duration.ofSeconds(5))
                    .post(target("http", "receiver.test", server.port(), "/"), Map.of(), new byte[0]);

            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.bodyStart()).hasSizeLessThanOrEqualTo(200).startsWith("xxx");
        }
    }

    @Test
    void aClosedPortIsAConnectionFailure() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        int closed = port;

        assertThatThrownBy(() -> client(Duration.ofSeconds(2)).post(target("http", "receiver.test", closed, "/"),
                Map.of(), new byte[0])).isInstanceOf(IOException.class);
    }

    @Test
    void aChunkedAnswerIsDecodedBeforeItIsRecorded() throws Exception {
        try (Server server = Server.start(exchange -> chunked(exchange, 500, "{\"seq\":1,\"verified\":true}"))) {
            WebhookHttpClient.Answer answer = client(Duration.ofSeconds(5))
                    .post(target("http", "receiver.test", server.port(), "/"), Map.of(), new byte[0]);

            assertThat(answer.status()).isEqualTo(500);
            assertThat(answer.bodyStart()).isEqualTo("{\"seq\":1,\"verified\":true}");
        }
    }

    @Test
    void aGzippedChunkedAnswerIsDecompressedAndCutToTheRecordedLength() throws Exception {
        try (Server server = Server.start(exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Content-Encoding", "gzip");
            exchange.sendResponseHeaders(503, 0);
            try (OutputStream out = new GZIPOutputStream(exchange.getResponseBody())) {
                out.write(("busy " + "y".repeat(5000)).getBytes(StandardCharsets.UTF_8));
            }
        })) {
            WebhookHttpClient.Answer answer = client(Duration.ofSeconds(5))
                    .post(target("http", "receiver.test", server.port(), "/"), Map.of(), new byte[0]);

            assertThat(answer.status()).isEqualTo(503);
            assertThat(answer.bodyStart()).startsWith("busy yyy").endsWith("...")
                    .hasSize(WebhookHttpClient.RECORDED_CHARS);
        }
    }

    @Test
    void eachRequestGoesToItsOwnCheckedAddressEvenForTheSameHostAndPort() throws Exception {
        try (Server first = Server.start(exchange -> answer(exchange, 201, "first"));
             Server second = Server.start(InetAddress.getByName("127.0.0.2"), first.port(),
                     exchange -> answer(exchange, 202, "second"))) {
            WebhookHttpClient client = client(Duration.ofSeconds(5));

            WebhookHttpClient.Answer one = client.post(target("http", "receiver.test", first.port(), "/"), Map.of(),
                    new byte[0]);
            WebhookHttpClient.Answer two = client.post(new WebhookUrlGuard.Target(
                    URI.create("http://receiver.test:" + first.port() + "/"), "receiver.test", first.port(), false,
                    InetAddress.getByName("127.0.0.2")), Map.of(), new byte[0]);

            assertThat(one.bodyStart()).isEqualTo("first");
            assertThat(two.bodyStart()).isEqualTo("second");
            assertThat(first.requests()).isEqualTo(1);
            assertThat(second.requests()).isEqualTo(1);
        }
    }

    private static WebhookHttpClient client(Duration requestTimeout) {
        return new WebhookHttpClient(Duration.ofMillis(Math.min(1000, requestTimeout.toMillis())), requestTimeout,
                16 * 1024, clientTls, 4);
    }

    private static WebhookUrlGuard.Target target(String scheme, String host, int port, String path) throws Exception {
        return new WebhookUrlGuard.Target(URI.create(scheme + "://" + host + ":" + port + path), host, port,
                scheme.equals("https"), InetAddress.getByName("127.0.0.1"));
    }

    /** Answers with a chunked body (length 0 makes the JDK server use chunked transfer coding). */
    static void chunked(HttpExchange exchange, int status, String body) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(status, 0);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                } catch (IOException e) {
                    // The client stopped reading: that is the point of the cap.
                }
            }
        }
    }

    /** A plain HTTP server on loopback counting its requests. */
    record Server(HttpServer server, java.util.concurrent.atomic.AtomicInteger count) implements AutoCloseable {

        static Server start(HttpHandler handler) throws IOException {
            return start(InetAddress.getByName("127.0.0.1"), 0, handler);
        }

        static Server start(InetAddress address, int port, HttpHandler handler) throws IOException {
            HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 0);
            java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
            server.createContext("/", exchange -> {
                count.incrementAndGet();
                handler.handle(exchange);
            });
            server.setExecutor(Executors.newCachedThreadPool());
            server.start();
            return new Server(server, count);
        }

        int port() {
            return server.getAddress().getPort();
        }

        int requests() {
            return count.get();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
