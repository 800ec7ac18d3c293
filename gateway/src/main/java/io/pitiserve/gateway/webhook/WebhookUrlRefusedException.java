package io.pitiserve.gateway.webhook;

/**
 * A webhook URL the guard will not call: malformed, plain http where https is required, a host
 * that resolves to a refused address, or one that does not resolve. The message names the URL's
 * host and the reason, never its path or query (they may hold the receiver's tokens).
 */
public final class WebhookUrlRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why: {@code invalid_url}, {@code https_required}, {@code forbidden_address} or {@code unresolvable}. */
    private final String code;

    WebhookUrlRefusedException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** Whether the same URL may work later: only a host that did not resolve. */
    public boolean retryable() {
        return "unresolvable".equals(code);
    }
}
