package io.pitiserve.client.webhook;

/** The HTTP headers of a webhook request (Standard Webhooks names, lower case). */
public final class WebhookHeaders {

    /** Stable across retries and redeliveries of the same notification: the receiver's dedupe key. */
    public static final String ID = "webhook-id";
    /** Seconds since the epoch when this attempt was signed. */
    public static final String TIMESTAMP = "webhook-timestamp";
    /** Space-separated {@code v1,<base64 HMAC-SHA256>} signatures, one per active secret. */
    public static final String SIGNATURE = "webhook-signature";
    /** W3C trace context of the job's submission, when it had one. */
    public static final String TRACEPARENT = "traceparent";

    private WebhookHeaders() {
    }
}
