package io.pitiserve.client.webhook;

import java.security.MessageDigest;
import java.util.Base64;

/**
 * A Standard Webhooks signing secret: {@code whsec_} followed by the base64 of 24 to 64 random
 * bytes; the bytes are the HMAC-SHA256 key. {@link #toString()} never shows the key, so a secret
 * that ends up in a log line or an exception message gives nothing away.
 */
public final class WebhookSecret {

    /** The prefix every secret carries. */
    public static final String PREFIX = "whsec_";
    static final int MIN_BYTES = 24;
    static final int MAX_BYTES = 64;

    private final byte[] key;

    private WebhookSecret(byte[] key) {
        this.key = key;
    }

    /**
     * Reads a {@code whsec_<base64>} secret.
     *
     * @throws IllegalArgumentException naming what is wrong (never echoing the value)
     */
    public static WebhookSecret parse(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a webhook secret is required (whsec_<base64 of 24..64 bytes>)");
        }
        String trimmed = value.strip();
        if (!trimmed.startsWith(PREFIX)) {
            throw new IllegalArgumentException("a webhook secret must start with " + PREFIX);
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(trimmed.substring(PREFIX.length()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a webhook secret must be " + PREFIX + " followed by standard base64");
        }
        if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
            throw new IllegalArgumentException("a webhook secret must hold " + MIN_BYTES + " to " + MAX_BYTES
                    + " bytes of key, this one holds " + key.length);
        }
        return new WebhookSecret(key);
    }

    /** Whether {@code value} is a well-formed secret. */
    public static boolean isValid(String value) {
        try {
            parse(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A copy of the HMAC key. */
    byte[] key() {
        return key.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WebhookSecret s && MessageDigest.isEqual(key, s.key);
    }

    @Override
    public int hashCode() {
        return key.length;
    }

    @Override
    public String toString() {
        return "WebhookSecret[whsec_***]";
    }
}
