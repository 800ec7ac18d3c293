package io.pitiserve.gateway.webhook;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLContext;

import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The HTTP client of webhook POSTs (Apache HttpClient 5), connecting only to the address the SSRF
 * guard checked.
 *
 * <p>Each request names its target as host plus the checked address, so the connection goes to
 * that address while TLS verifies the URL's host (SNI and certificate) and {@code Host} carries
 * it; the client's own resolver refuses every lookup, so no second lookup can rebind the name.
 * Connections are pooled per (host, address, port). Redirects are never followed (a 3xx is just
 * an answer), nothing is retried by the client, no proxy or cookie is used. Connect is bounded by
 * the connect timeout and the whole exchange by the request timeout, however slowly the receiver
 * drips its answer. The response body is decoded (chunked, gzip, deflate) and at most
 * {@code maxBody} bytes of it are read.
 */
public final class WebhookHttpClient implements AutoCloseable {

    private static final int MAX_HEADER_LINE = 8 * 1024;
    private static final int MAX_HEADERS = 100;
    static final int RECORDED_CHARS = 200;
    /** The payload is UTF-8 JSON, which needs no charset parameter (RFC 8259). */
    private static final ContentType JSON = ContentType.create("application/json");

    /** A receiver's answer: status, headers (lower-case names) and the start of the decoded body. */
    public record Answer(int status, Map<String, String> headers, String bodyStart) {
    }

    private final Duration requestTimeout;
    private final int maxBody;
    private final CloseableHttpClient client;
    private final ScheduledExecutorService deadlines;

    public WebhookHttpClient(Duration connectTimeout, Duration requestTimeout, int maxBody, SSLContext tls,
                             int maxConnections) {
        this.requestTimeout = requestTimeout;
        this.maxBody = maxBody;
        DnsResolver noLookups = new DnsResolver() {
            @Override
            public InetAddress[] resolve(String host) throws UnknownHostException {
                throw new UnknownHostException("webhooks connect only to the address the SSRF guard checked, not to "
                        + host + " looked up again");
            }

            @Override
            public String resolveCanonicalHostname(String host) throws UnknownHostException {
                return resolve(host)[0].getHostName();
            }
        };
        Timeout connect = Timeout.of(connectTimeout);
        Timeout whole = Timeout.of(requestTimeout);
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(noLookups)
                        .setTlsSocketStrategy(new DefaultClientTlsStrategy(tls))
                        .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                                .http1Config(Http1Config.custom().setMaxLineLength(MAX_HEADER_LINE)
                                        .setMaxHeaderCount(MAX_HEADERS).build())
                                .build())
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(connect)
                                .setSocketTimeout(whole).setTimeToLive(TimeValue.ofMinutes(5)).build())
                        .setMaxConnTotal(Math.max(1, maxConnections))
                        .setMaxConnPerRoute(Math.max(1, maxConnections))
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setConnectionRequestTimeout(whole)
                        .setResponseTimeout(whole).build())
                .setUserAgent("pitiserve-webhooks/1")
                .disableRedirectHandling()
                .disableAutomaticRetries()
                .disableCookieManagement()
                .disableAuthCaching()
                .evictIdleConnections(TimeValue.ofSeconds(30))
                .build();
        this.deadlines = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "pitiserve-webhook-deadlines");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * POSTs {@code body} as JSON to the target.
     *
     * @throws SocketTimeoutException when the connect or the whole request ran out of time
     * @throws IOException            when the connection failed or the answer was not HTTP
     */
    public Answer post(WebhookUrlGuard.Target target, Map<String, String> headers, byte[] body) throws IOException {
        HttpHost host = new HttpHost(target.https() ? "https" : "http", target.address(), target.host(),
                target.port());
        HttpPost post = new HttpPost(target.uri());
        headers.forEach(post::setHeader);
        post.setEntity(new ByteArrayEntity(body, JSON));
        AtomicBoolean expired = new AtomicBoolean();
        ScheduledFuture<?> deadline = deadlines.schedule(() -> {
            expired.set(true);
            post.cancel();
        }, requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
        ClassicHttpResponse response;
        try {
            response = client.executeOpen(host, post, null);
        } catch (IOException e) {
            deadline.cancel(false);
            if (expired.get() && !(e instanceof SocketTimeoutException)) {
                throw timeout(e);
            }
            throw e;
        }
        try (response) {
            Map<String, String> answerHeaders = new LinkedHashMap<>();
            for (Header header : response.getHeaders()) {
                answerHeaders.put(header.getName().toLowerCase(Locale.ROOT), header.getValue());
            }
            // The status decides the outcome; the body is only a hint for the delivery log, so a
            // receiver that stalls, closes or sends garbage while sending it does not change the verdict.
            String start = bodyStart(response.getEntity(), post::cancel);
            return new Answer(response.getCode(), answerHeaders, start);
        } finally {
            deadline.cancel(false);
        }
    }

    /** The start of the decoded body; stops reading after {@code maxBody} bytes and drops the connection. */
    private String bodyStart(HttpEntity entity, Runnable abort) {
        if (entity == null) {
            return "";
        }
        byte[] start;
        boolean more;
        try (InputStream in = entity.getContent()) {
            start = in.readNBytes(maxBody);
            more = in.read() >= 0;
            if (more) {
                // Closing would drain the rest of the body; abort the connection instead.
                abort.run();
            }
        } catch (IOException | RuntimeException e) {
            abort.run();
            return "";
        }
        return abbreviate(new String(start, StandardCharsets.UTF_8));
    }

    private static SocketTimeoutException timeout(IOException cause) {
        SocketTimeoutException timeout = new SocketTimeoutException(
                "the receiver did not answer within the request timeout");
        timeout.initCause(cause);
        return timeout;
    }

    static String abbreviate(String text) {
        String single = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        return single.length() > RECORDED_CHARS ? single.substring(0, RECORDED_CHARS - 3) + "..." : single;
    }

    @Override
    public void close() {
        client.close(CloseMode.GRACEFUL);
        deadlines.shutdownNow();
    }
}
