package io.pitiserve.client.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.StringJoiner;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook bodies the Standard Webhooks way: HMAC-SHA256 over {@code id.timestamp.body}
 * with each secret's key, base64, prefixed {@code v1,}. With several active secrets (rotation)
 * every signature is sent, separated by spaces, so a receiver that knows any one of them accepts.
 * Instances are immutable and thread-safe.
 */
public final class WebhookSigner {

    static final String VERSION = "v1";
    private static final String HMAC = "HmacSHA256";

    private final List<WebhookSecret> secrets;

    /** @param secrets the active secrets, newest first; at least one */
    public WebhookSigner(List<WebhookSecret> secrets) {
        if (secrets == null || secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one webhook secret is needed to sign");
        }
        this.secrets = List.copyOf(secrets);
    }

    /**
     * The {@code webhook-signature} header value for one attempt.
     *
     * @param webhookId        the {@code webhook-id} header
     * @param timestampSeconds the {@code webhook-timestamp} header, seconds since the epoch
     * @param body             the exact bytes sent
     */
    public String sign(String webhookId, long timestampSeconds, byte[] body) {
        StringJoiner header = new StringJoiner(" ");
        for (WebhookSecret secret : secrets) {
            header.add(VERSION + "," + Base64.getEncoder().encodeToString(
                    hmac(secret, webhookId, timestampSeconds, body)));
        }
        return header.toString();
    }

    static byte[] hmac(WebhookSecret secret, String webhookId, long timestampSeconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret.key(), HMAC));
            mac.update((webhookId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }
}
