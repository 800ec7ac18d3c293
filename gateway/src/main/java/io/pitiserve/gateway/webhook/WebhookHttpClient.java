package io.pitiserve.gateway.webhook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A minimal HTTP/1.1 client for webhook POSTs that connects to the address the guard checked:
 * the socket is opened to that address (no lookup of its own), TLS names the URL's host for SNI
 * and certificate checks, and {@code Host} carries the URL's host. One request per connection
 * ({@code Connection: close}); redirects are never followed (a 3xx is just an answer). The connect
 * phase is bounded by the connect timeout and the whole exchange by the request timeout, however
 * slowly the receiver drips its answer; at most {@code maxBody} bytes of the response body are read.
 */
public final class WebhookHttpClient {

    private static final int MAX_HEADER_BYTES = 16 * 1024;

    /** A receiver's answer: status, headers (lower-case names) and the start of the body. */
    public record Answer(int status, Map<String, String> headers, String bodyStart) {
    }

    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxBody;
    private final SSLSocketFactory tls;

    public WebhookHttpClient(Duration connectTimeout, Duration requestTimeout, int maxBody, SSLSocketFactory tls) {
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        this.maxBody = maxBody;
        this.tls = tls;
    }

    /**
     * POSTs {@code body} as JSON to the target.
     *
     * @throws SocketTimeoutException when the connect or the whole request ran out of time
     * @throws IOException            when the connection failed or the answer was not HTTP
     */
    public Answer post(WebhookUrlGuard.Target target, Map<String, String> headers, byte[] body) throws IOException {
        long deadline = System.nanoTime() + requestTimeout.toNanos();
        try (Socket plain = new Socket()) {
            plain.setTcpNoDelay(true);
            int connectMs = (int) Math.max(1, Math.min(connectTimeout.toMillis(), remainingMillis(deadline)));
            plain.connect(new InetSocketAddress(target.address(), target.port()), connectMs);
            Socket socket = plain;
            if (target.https()) {
                SSLSocket secure = (SSLSocket) tls.createSocket(plain, target.host(), target.port(), true);
                SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                if (!target.host().contains(":") && !target.host().matches("[0-9.]+")) {
                    parameters.setServerNames(List.of(new SNIHostName(target.host())));
                }
                secure.setSSLParameters(parameters);
                secure.setSoTimeout((int) Math.max(1, Math.min(connectTimeout.toMillis(), remainingMillis(deadline))));
                secure.startHandshake();
                socket = secure;
            }
            try {
                socket.setSoTimeout((int) Math.max(1, remainingMillis(deadline)));
                write(socket.getOutputStream(), target, headers, body);
                return read(socket, deadline);
            } finally {
                if (socket != plain) {
                    socket.close();
                }
            }
        }
    }

    private static void write(OutputStream out, WebhookUrlGuard.Target target, Map<String, String> headers,
                              byte[] body) throws IOException {
        String path = target.uri().getRawPath() == null || target.uri().getRawPath().isEmpty()
                ? "/" : target.uri().getRawPath();
        if (target.uri().getRawQuery() != null) {
            path += "?" + target.uri().getRawQuery();
        }
        boolean defaultPort = target.port() == (target.https() ? 443 : 80);
        String hostHeader = (target.host().contains(":") ? "[" + target.host() + "]" : target.host())
                + (defaultPort ? "" : ":" + target.port());
        StringBuilder head = new StringBuilder()
                .append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(hostHeader).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(body.length).append("\r\n")
                .append("Connection: close\r\n")
                .append("User-Agent: pitiserve-webhooks/1\r\n");
        for (Map.Entry<String, String> header : headers.entrySet()) {
            head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private Answer read(Socket socket, long deadline) throws IOException {
        InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
        String statusLine = line(socket, in, deadline);
        String[] parts = statusLine.split(" ", 3);
        int status;
        try {
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new NumberFormatException();
            }
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("the receiver did not answer HTTP (status line '" + abbreviate(statusLine) + "')");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        int headerBytes = statusLine.length();
        for (String line = line(socket, in, deadline); !line.isEmpty(); line = line(socket, in, deadline)) {
            headerBytes += line.length();
            if (headerBytes > MAX_HEADER_BYTES) {
                throw new IOException("the receiver's response headers exceed " + MAX_HEADER_BYTES + " bytes");
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.put(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
            }
        }
        // The status decides the outcome; the body is only a hint for the delivery log, so a
        // receiver that stalls or closes while sending it does not change the verdict.
        ByteArrayOutputStream bodyStart = new ByteArrayOutputStream();
        try {
            byte[] buffer = new byte[1024];
            while (bodyStart.size() < maxBody) {
                socket.setSoTimeout((int) Math.max(1, remainingMillis(deadline)));
                int n = in.read(buffer, 0, Math.min(buffer.length, maxBody - bodyStart.size()));
                if (n < 0) {
                    break;
                }
                bodyStart.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // Keep the status.
        }
        return new Answer(status, headers, abbreviate(bodyStart.toString(StandardCharsets.UTF_8)));
    }

    private static String line(Socket socket, InputStream in, long deadline) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            long left = remainingMillis(deadline);
            if (left <= 0) {
                throw new SocketTimeoutException("the receiver did not answer within the request timeout");
            }
            socket.setSoTimeout((int) left);
            int c = in.read();
            if (c < 0) {
                throw new IOException("the receiver closed the connection before answering");
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            if (line.length() > MAX_HEADER_BYTES) {
                throw new IOException("a response header line exceeds " + MAX_HEADER_BYTES + " bytes");
            }
            line.append((char) c);
        }
    }

    private static long remainingMillis(long deadline) {
        return (deadline - System.nanoTime()) / 1_000_000;
    }

    static String abbreviate(String text) {
        String single = text.replaceAll("[\\r\\n\\t]+", " ").strip();
        return single.length() > 200 ? single.substring(0, 197) + "..." : single;
    }
}
