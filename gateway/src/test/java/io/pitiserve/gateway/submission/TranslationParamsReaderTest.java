package io.pitiserve.gateway.submission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.gateway.config.GatewayProperties;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

class TranslationParamsReaderTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

    private final TranslationParamsReader reader = new TranslationParamsReader(properties(List.of(
            new GatewayProperties.Model("mask", "tiny-mask", "1", true))), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void onlyATaskIsNeededAndEveryOtherParameterGetsItsDefault() {
        TranslationParams params = read("{\"task\": \"Mask\"}");

        assertThat(params).isEqualTo(new TranslationParams("mask", null, 1, 1.3, "cfg", null, null, null, 0.0, 99L,
                false, null, Map.of()));
    }

    @Test
    void theSolverIsASamplerWithItsSpacingInTheName() {
        assertThat(read("{\"task\": \"mask\", \"sampler\": \"DPMPP_2M_Karras\"}").sampler()).isEqualTo("dpmpp_2m_karras");
        assertThat(read("{\"task\": \"mask\", \"sampler\": \"dpmpp_2m\"}").sampler()).isEqualTo("dpmpp_2m");
    }

    @Test
    void everyParameterIsReadFromSnakeCaseMembers() {
        TranslationParams params = read("{\"task\": \"mask\", \"model\": \"tiny-mask\", \"num_samples\": 4,"
                + " \"guidance_scale\": 3.5, \"guidance\": \"normalized\", \"base_steps\": \"ddim25\","
                + " \"sr_steps\": \"fast27\", \"sampler\": \"ddim\", \"eta\": 0.5, \"seed\": 12, \"return_base\": true,"
                + " \"webhook\": {\"url\": \"https://example.com/hook\", \"events\": [\"succeeded\"]},"
                + " \"metadata\": {\"order\": \"7\"}}");

        assertThat(params).isEqualTo(new TranslationParams("mask", "tiny-mask", 4, 3.5, "normalized", "ddim25",
                "fast27", "ddim", 0.5, 12L, true, new TranslationParams.Webhook("https://example.com/hook",
                List.of("succeeded")), Map.of("order", "7")));
    }

    @Test
    void aWebhookWithoutEventsGetsTheTerminalOnes() {
        assertThat(read("{\"task\": \"sketch\", \"webhook\": {\"url\": \"http://example.com\"}}").webhook().events())
                .containsExactly("succeeded", "failed", "cancelled");
    }

    @ParameterizedTest
    @ValueSource(strings = {"100", "10,10,3,2,2", "ddim50", "fast27", "1"})
    void respacingsOfEveryFormAreAccepted(String respacing) {
        assertThat(read("{\"task\": \"mask\", \"base_steps\": \"" + respacing + "\"}").baseSteps()).isEqualTo(respacing);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "fast", "ddim", "10,,2", "0", "-5", "ddim0", "20000", "10;20"})
    void malformedRespacingsAreRefusedNamingTheForms(String respacing) {
        assertThatThrownBy(() -> read("{\"task\": \"mask\", \"sr_steps\": \"" + respacing + "\"}"))
                .isInstanceOfSatisfying(ServiceException.class, p -> {
                    assertThat(p.code().wire()).isEqualTo("invalid_parameter");
                    assertThat(p.members()).containsEntry("parameter", "sr_steps");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"1000", "ddim1000", "200,200", "251"})
    void aBaseRespacingBeyondTheStepLimitIsRefusedNamingTheLimit(String respacing) {
        assertThatThrownBy(() -> read("{\"task\": \"mask\", \"base_steps\": \"" + respacing + "\"}"))
                .isInstanceOfSatisfying(ServiceException.class, p -> {
                    assertThat(p.code().wire()).isEqualTo("invalid_parameter");
                    assertThat(p.members()).containsEntry("parameter", "base_steps").containsEntry("limit", 250);
                    assertThat(p.getMessage()).contains("at most 250", "max-base-steps");
                });
    }

    @Test
    void respacingsUpToTheStepLimitsAreAccepted() {
        TranslationParams params = read("{\"task\": \"mask\", \"base_steps\": \"ddim250\", \"sr_steps\": \"50,50\"}");

        assertThat(params.baseSteps()).isEqualTo("ddim250");
        assertThat(params.srSteps()).isEqualTo("50,50");
        assertThatThrownBy(() -> read("{\"task\": \"mask\", \"sr_steps\": \"101\"}"))
                .isInstanceOfSatisfying(ServiceException.class, p -> assertThat(p.members()).containsEntry("limit", 100));
    }

    @Test
    void outOfRangeNumbersAreRefusedWithTheRangeAndTheValue() {
        assertProblem("{\"task\": \"mask\", \"num_samples\": 0}", "num_samples", "1..4", "was 0");
        assertProblem("{\"task\": \"mask\", \"num_samples\": 2.5}", "num_samples", "integer");
        assertProblem("{\"task\": \"mask\", \"guidance_scale\": 21}", "guidance_scale", "0..20", "21");
        assertProblem("{\"task\": \"mask\", \"eta\": -0.1}", "eta", "0..1");
        assertProblem("{\"task\": \"mask\", \"seed\": -1}", "seed", "integer");
        assertProblem("{\"task\": \"mask\", \"sampler\": \"euler\"}", "sampler", "ddpm, ddim", "euler");
        assertProblem("{\"task\": \"mask\", \"return_base\": \"yes\"}", "return_base", "true or false");
    }

    @Test
    void aMissingOrUnknownTaskAndUnknownMembersAreRefused() {
        assertProblem("{}", "task", "required");
        assertProblem("{\"task\": \"colour\"}", "task", "mask, sketch or depth");
        assertProblem("{\"task\": \"mask\", \"steps\": 5}", "steps", "unknown parameter");
        assertThatThrownBy(() -> reader.read(null, 1)).isInstanceOf(ServiceException.class);
    }

    @Test
    void webhookUrlsMustBeAbsoluteHttpUrlsWithoutCredentials() {
        assertProblem("{\"task\": \"mask\", \"webhook\": {\"url\": \"ftp://example.com\"}}", "webhook.url", "http");
        assertProblem("{\"task\": \"mask\", \"webhook\": {\"url\": \"/relative\"}}", "webhook.url", "absolute");
        assertProblem("{\"task\": \"mask\", \"webhook\": {\"url\": \"https://u:p@example.com\"}}", "webhook.url", "user info");
        assertProblem("{\"task\": \"mask\", \"webhook\": {\"url\": \"https://example.com\", \"events\": [\"done\"]}}",
                "webhook.events", "succeeded");
    }

    @Test
    void metadataIsLimitedToSixteenStringEntriesAndTwoKilobytes() {
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i < 17; i++) {
            many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\": \"v\"");
        }
        many.append("}");
        assertProblem("{\"task\": \"mask\", \"metadata\": " + many + "}", "metadata", "17 entries", "16");
        assertProblem("{\"task\": \"mask\", \"metadata\": {\"big\": \"" + "x".repeat(2100) + "\"}}", "metadata", "2048");
        assertProblem("{\"task\": \"mask\", \"metadata\": {\"n\": 1}}", "metadata.n", "strings");
    }

    @Test
    void withoutPriorityOrDeadlineTheEventCarriesNeitherAndTheDefaultPriorityIsFive() {
        TranslationParams params = read("{\"task\": \"mask\"}");

        assertThat(params.priority()).isNull();
        assertThat(params.deadline()).isNull();
        assertThat(params.priorityOrDefault()).isEqualTo(5);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 5, 9})
    void aPriorityFromZeroToNineIsCarried(int priority) {
        assertThat(read("{\"task\": \"mask\", \"priority\": " + priority + "}").priority()).isEqualTo(priority);
    }

    @Test
    void aPriorityOutOfRangeOrNotAnIntegerIsRefusedNamingTheRange() {
        assertProblem("{\"task\": \"mask\", \"priority\": 10}", "priority", "0..9", "10");
        assertProblem("{\"task\": \"mask\", \"priority\": -1}", "priority", "0..9", "-1");
        assertProblem("{\"task\": \"mask\", \"priority\": 2.5}", "priority", "0..9");
        assertProblem("{\"task\": \"mask\", \"priority\": \"high\"}", "priority", "0..9", "high");
    }

    @Test
    void aRelativeDeadlineBecomesAnAbsoluteInstantAtSubmission() {
        assertThat(read("{\"task\": \"mask\", \"deadline_ms\": 30000}").deadline())
                .isEqualTo(NOW.plusSeconds(30));
    }

    @Test
    void anAbsoluteDeadlineWithAnyOffsetIsCarriedAsAnInstant() {
        assertThat(read("{\"task\": \"mask\", \"deadline\": \"2026-11-27T11:30:00+01:00\"}").deadline())
                .isEqualTo(Instant.parse("2026-11-27T10:30:00Z"));
    }

    @Test
    void deadlinesThatPassedAreTooFarOrMalformedAreRefused() {
        assertProblem("{\"task\": \"mask\", \"deadline\": \"2026-11-27T09:59:59Z\"}", "deadline", "passed");
        assertProblem("{\"task\": \"mask\", \"deadline\": \"2026-11-29T10:00:00Z\"}", "deadline", "24 hours");
        assertProblem("{\"task\": \"mask\", \"deadline\": \"tomorrow\"}", "deadline", "RFC 3339", "tomorrow");
        assertProblem("{\"task\": \"mask\", \"deadline\": 1764237600}", "deadline", "RFC 3339");
        assertProblem("{\"task\": \"mask\", \"deadline_ms\": 0}", "deadline_ms", "1..86400000", "0");
        assertProblem("{\"task\": \"mask\", \"deadline_ms\": 86400001}", "deadline_ms", "1..86400000");
        assertProblem("{\"task\": \"mask\", \"deadline_ms\": \"5s\"}", "deadline_ms", "1..86400000");
        assertProblem("{\"task\": \"mask\", \"deadline_ms\": 1000, \"deadline\": \"2026-11-27T10:30:00Z\"}",
                "deadline", "not both");
    }

    private TranslationParams read(String json) {
        return reader.read(JSON.readTree(json), 99L);
    }

    private void assertProblem(String json, String parameter, String... detailParts) {
        assertThatThrownBy(() -> read(json)).isInstanceOfSatisfying(ServiceException.class, p -> {
            assertThat(p.code().wire()).isEqualTo("invalid_parameter");
            assertThat(p.members()).containsEntry("parameter", parameter);
            assertThat(p.getMessage()).contains(detailParts);
        });
    }

    static GatewayProperties properties(List<GatewayProperties.Model> models) {
        return new GatewayProperties(List.of(), models, DataSize.ofMegabytes(8), 4096, 4096, Duration.ofHours(1),
                Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(30), Duration.ofSeconds(5),
                java.nio.file.Path.of("state"), "pitiserve-gateway-status", Duration.ofSeconds(2), "pitiserve-worker");
    }
}
