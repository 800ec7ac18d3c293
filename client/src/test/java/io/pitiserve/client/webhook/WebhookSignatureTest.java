package io.pitiserve.client.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class WebhookSignatureTest {

    // The test vector published by the Standard Webhooks specification.
    static final String SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long SPEC_TIMESTAMP = 1614265330L;
    static final byte[] SPEC_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    static final String SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    static final String OTHER_SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void theSignerReproducesTheSpecificationsTestVector() {
        WebhookSigner signer = new WebhookSigner(List.of(WebhookSecret.parse(SPEC_SECRET)));

        assertThat(signer.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)).isEqualTo(SPEC_SIGNATURE);
    }

    @Test
    void theVerifierAcceptsTheSpecificationsTestVectorAtItsTime() {
        WebhookVerification result = verifierAt(SPEC_TIMESTAMP, SPEC_SECRET).verify(specHeaders(SPEC_SIGNATURE), SPEC_BODY);

        assertThat(result).isInstanceOfSatisfying(WebhookVerification.Verified.class, verified -> {
            assertThat(verified.webhookId()).isEqualTo(SPEC_ID);
            assertThat(verified.signedAt()).isEqualTo(Instant.ofEpochSecond(SPEC_TIMESTAMP));
            assertThat(verified.body()).isEqualTo(SPEC_BODY);
        });
    }

    @Test
    void theVerifierAcceptsWhenAnyOfSeveralSignaturesMatchesAnyOfItsSecrets() {
        String header = "v1,bm9wZQ== v2,abc " + SPEC_SIGNATURE;

        assertThat(verifierAt(SPEC_TIMESTAMP, OTHER_SECRET, SPEC_SECRET).verify(specHeaders(header), SPEC_BODY).verified())
                .isTrue();
    }

    @Test
    void duringARotationEverySecretSignsAndEitherAloneVerifies() {
        WebhookSigner signer = new WebhookSigner(List.of(WebhookSecret.parse(OTHER_SECRET), WebhookSecret.parse(SPEC_SECRET)));
        String header = signer.sign(SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY);

        assertThat(header.split(" ")).hasSize(2).contains(SPEC_SIGNATURE);
        assertThat(verifierAt(SPEC_TIMESTAMP, SPEC_SECRET).verify(specHeaders(header), SPEC_BODY).verified()).isTrue();
        assertThat(verifierAt(SPEC_TIMESTAMP, OTHER_SECRET).verify(specHeaders(header), SPEC_BODY).verified()).isTrue();
    }

    @Test
    void aTamperedBodyIsRejectedForItsSignature() {
        byte[] tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);

        assertRejected(verifierAt(SPEC_TIMESTAMP, SPEC_SECRET).verify(specHeaders(SPEC_SIGNATURE), tampered),
                WebhookVerification.Reason.NO_MATCHING_SIGNATURE);
    }

    @Test
    void aSignatureMadeWithAnotherSecretIsRejected() {
        assertRejected(verifierAt(SPEC_TIMESTAMP, OTHER_SECRET).verify(specHeaders(SPEC_SIGNATURE), SPEC_BODY),
                WebhookVerification.Reason.NO_MATCHING_SIGNATURE);
    }

    @Test
    void aChangedIdOrTimestampBreaksTheSignature() {
        Map<String, String> otherId = Map.of("webhook-id", "msg_other", "webhook-timestamp", "" + SPEC_TIMESTAMP,
                "webhook-signature", SPEC_SIGNATURE);
        Map<String, String> otherTime = Map.of("webhook-id", SPEC_ID, "webhook-timestamp", "" + (SPEC_TIMESTAMP + 1),
                "webhook-signature", SPEC_SIGNATURE);

        assertRejected(verifierAt(SPEC_TIMESTAMP, SPEC_SECRET).verify(otherId, SPEC_BODY),
                WebhookVerification.Reason.NO_MATCHING_SIGNATURE);
        assertRejected(verifierAt(SPEC_TIMESTAMP, SPEC_SECRET).verify(otherTime, SPEC_BODY),
                WebhookVerification.Reason.NO_MATCHING_SIGNATURE);
    }

    @Test
    void timestampsMoreThanFiveMinutesAwayEitherWayAreRejected() {
        assertThat(verifierAt(SPEC_TIMESTAMP + 300, SPEC_SECRET).verify(specHeaders(SPEC_SIGNATURE), SPEC_BODY).verified())
                .isTrue();
        assertRejected(verifierAt(SPEC_TIMESTAMP + 301, SPEC_SECRET).verify(specHeaders(SPEC_SIGNATURE), SPEC_BODY),
                WebhookVerification.Reason.TIMESTAMP_TOO_OLD);
        assertRejected(verifierAt(SPEC_TIMESTAMP - 301, SPEC_SECRET).verify(specHeaders(SPEC_SIGNATURE), SPEC_BODY),
                WebhookVerification.Reason.TIMESTAMP_IN_FUTURE);
    }

    @Test
    void missingHeadersAndAMalformedTimestampAreNamed() {
        WebhookVerifier verifier = verifierAt(SPEC_TIMESTAMP, SPEC_SECRET);

        WebhookVerification noSignature = verifier.verify(Map.of("webhook-id", SPEC_ID,
                "webhook-timestamp", "" + SPEC_TIMESTAMP), SPEC_BODY);
        WebhookVerification badTime = verifier.verify(Map.of("webhook-id", SPEC_ID, "webhook-timestamp", "soon",
                "webhook-signature", SPEC_SIGNATURE), SPEC_BODY);

        assertRejected(noSignature, WebhookVerification.Reason.MISSING_HEADER);
        assertThat(((WebhookVerification.Rejected) noSignature).message()).contains("webhook-signature");
        assertRejected(badTime, WebhookVerification.Reason.MALFORMED_TIMESTAMP);
    }

    @Test
    void headerNamesAreMatchedWhateverTheirCase() {
        Map<String, String> headers = Map.of("Webhook-Id", SPEC_ID, "WEBHOOK-TIMESTAMP", "" + SPEC_TIMESTAMP,
                "Webhook-Signature", SPEC_SIGNATURE);

        assertThat(verifierAt(SPEC_TIMESTAMP, SPEC_SECRET).verify(headers, SPEC_BODY).verified()).isTrue();
    }

    @Test
    void malformedSignatureEntriesAreSkippedNotFatal() {
        String header = "v1 v1,!!!notbase64 ,,, " + SPEC_SIGNATURE;

        assertThat(verifierAt(SPEC_TIMESTAMP, SPEC_SECRET).verify(specHeaders(header), SPEC_BODY).verified()).isTrue();
    }

    @Test
    void secretsAreParsedStrictlyAndNeverPrinted() {
        assertThat(WebhookSecret.parse(SPEC_SECRET).toString()).doesNotContain("MfKQ");
        assertThatThrownBy(() -> WebhookSecret.parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
                .hasMessageContaining("whsec_");
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_c2hvcnQ="))
                .hasMessageContaining("24 to 64 bytes");
        assertThatThrownBy(() -> WebhookSecret.parse("whsec_***"))
                .hasMessageContaining("base64").hasMessageNotContaining("***");
    }

    private static Map<String, String> specHeaders(String signature) {
        return Map.of("webhook-id", SPEC_ID, "webhook-timestamp", Long.toString(SPEC_TIMESTAMP),
                "webhook-signature", signature);
    }

    private static WebhookVerifier verifierAt(long epochSecond, String... secrets) {
        return new WebhookVerifier(List.of(secrets).stream().map(WebhookSecret::parse).toList(),
                Duration.ofMinutes(5), Clock.fixed(Instant.ofEpochSecond(epochSecond), ZoneOffset.UTC));
    }

    private static void assertRejected(WebhookVerification result, WebhookVerification.Reason reason) {
        assertThat(result).isInstanceOfSatisfying(WebhookVerification.Rejected.class,
                rejected -> assertThat(rejected.reason()).isEqualTo(reason));
    }
}
