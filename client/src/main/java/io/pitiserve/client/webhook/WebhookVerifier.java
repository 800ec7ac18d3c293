package io.pitiserve.client.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

import java.security.MessageDigest;

/**
 * Checks a received piti-serve webhook: the three Standard Webhooks headers, a timestamp within
 * the tolerance (5 minutes by default, either way) and at least one {@code v1} signature that
 * matches one of the receiver's secrets, compared in constant time. Receivers keep several
 * secrets during a rotation; piti-serve sends a signature per active secret.
 *
 * <p>Verify the raw body bytes as received, before any JSON parsing or re-serialisation.
 * Instances are immutable and thread-safe.
 */
public final class WebhookVerifier {

    /** How far a timestamp may be from the receiver's clock. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    private final List<WebhookSecret> secrets;
    private final Duration tolerance;
    private final Clock clock;

    /** @param secrets {@code whsec_...} secrets the receiver accepts; at least one */
    public WebhookVerifier(String... secrets) {
        this(List.of(secrets).stream().map(WebhookSecret::parse).toList(), DEFAULT_TOLERANCE, Clock.systemUTC());
    }

    public WebhookVerifier(List<WebhookSecret> secrets, Duration tolerance, Clock clock) {
        if (secrets == null || secrets.isEmpty()) {
            throw new IllegalArgumentException("at least one webhook secret is needed to verify");
        }
        if (tolerance == null || tolerance.isNegative()) {
            throw new IllegalArgumentException("the timestamp tolerance must be zero or positive");
        }
        this.secrets = List.copyOf(secrets);
        this.tolerance = tolerance;
        this.clock = clock;
    }

    /** Verifies a request whose headers are in a map; header names are matched case-insensitively. */
    public WebhookVerification verify(Map<String, String> headers, byte[] body) {
        Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byName.putAll(headers);
        return verify(byName::get, body);
    }

    /**
     * Verifies a request.
     *
     * @param header the value of a header by its name (e.g. Spring's {@code HttpHeaders::getFirst}), or null
     * @param body   the body bytes exactly as received
     */
    public WebhookVerification verify(UnaryOperator<String> header, byte[] body) {
        String id = header.apply(WebhookHeaders.ID);
        String timestamp = header.apply(WebhookHeaders.TIMESTAMP);
        String signatures = header.apply(WebhookHeaders.SIGNATURE);
        for (String[] required : new String[][] {{WebhookHeaders.ID, id}, {WebhookHeaders.TIMESTAMP, timestamp},
                {WebhookHeaders.SIGNATURE, signatures}}) {
            if (required[1] == null || required[1].isBlank()) {
                return reject(WebhookVerification.Reason.MISSING_HEADER, "the " + required[0] + " header is missing");
            }
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            return reject(WebhookVerification.Reason.MALFORMED_TIMESTAMP,
                    "webhook-timestamp must be whole seconds since the epoch");
        }
        Instant signedAt = Instant.ofEpochSecond(seconds);
        Instant now = clock.instant();
        if (signedAt.isBefore(now.minus(tolerance))) {
            return reject(WebhookVerification.Reason.TIMESTAMP_TOO_OLD, "webhook-timestamp " + signedAt
                    + " is more than " + tolerance.toSeconds() + " s before now (" + now + "): a replay or a stale clock");
        }
        if (signedAt.isAfter(now.plus(tolerance))) {
            return reject(WebhookVerification.Reason.TIMESTAMP_IN_FUTURE, "webhook-timestamp " + signedAt
                    + " is more than " + tolerance.toSeconds() + " s after now (" + now + ")");
        }
        byte[] content = body == null ? new byte[0] : body;
        if (!anySignatureMatches(id, seconds, content, signatures)) {
            return reject(WebhookVerification.Reason.NO_MATCHING_SIGNATURE,
                    "no v1 signature in webhook-signature matches any of the configured secrets");
        }
        return new WebhookVerification.Verified(id, signedAt, content.clone());
    }

    private boolean anySignatureMatches(String id, long seconds, byte[] body, String header) {
        boolean matched = false;
        for (WebhookSecret secret : secrets) {
            byte[] expected = WebhookSigner.hmac(secret, id, seconds, body);
            for (String candidate : header.strip().split(" +")) {
                int comma = candidate.indexOf(',');
                if (comma < 0 || !candidate.substring(0, comma).toLowerCase(Locale.ROOT).equals(WebhookSigner.VERSION)) {
                    continue;
                }
                byte[] presented;
                try {
                    presented = Base64.getDecoder().decode(candidate.substring(comma + 1));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                // Constant time, and no early exit: every pair is compared.
                matched |= MessageDigest.isEqual(expected, presented);
            }
        }
        return matched;
    }

    private static WebhookVerification reject(WebhookVerification.Reason reason, String message) {
        return new WebhookVerification.Rejected(reason, message);
    }
}
