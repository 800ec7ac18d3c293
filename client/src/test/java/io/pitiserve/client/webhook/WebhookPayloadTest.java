package io.pitiserve.client.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class WebhookPayloadTest {

    @Test
    void aPayloadIsSnakeCaseJsonWithoutEmptyMembersAndReadsBack() {
        WebhookPayload payload = new WebhookPayload("translation.succeeded", Instant.parse("2026-11-27T08:00:00Z"),
                new WebhookPayload.Data("tr_abc", "succeeded", null, null,
                        List.of(new WebhookPayload.Result("sample", 0, "https://s3/x?sig", Instant.parse("2026-11-27T09:00:00Z"),
                                256, 256, "ab", 1234)),
                        null, null, Map.of("order", "42"), Map.of("total", 812.5), "tiny-mask", 7L,
                        new WebhookPayload.Links("/v1/translations/tr_abc"), null));

        String json = new String(payload.toJson(), StandardCharsets.UTF_8);

        assertThat(json).contains("\"expires_at\":\"2026-11-27T09:00:00Z\"", "\"type\":\"translation.succeeded\"")
                .doesNotContain("cancel_reason", "error", "truncated", "null");
        assertThat(WebhookPayload.fromJson(payload.toJson())).isEqualTo(payload);
    }

    @Test
    void withoutResultLinksKeepsTheImagesButDropsTheirUrls() {
        WebhookPayload.Data data = new WebhookPayload.Data("tr_abc", "succeeded", null, null,
                List.of(new WebhookPayload.Result("sample", 0, "https://s3/x", Instant.EPOCH, 256, 256, "ab", 1)),
                null, null, null, null, null, null, null, null);

        WebhookPayload.Data bare = data.withoutResultLinks();

        assertThat(bare.truncated()).isTrue();
        assertThat(bare.results()).singleElement().satisfies(r -> {
            assertThat(r.url()).isNull();
            assertThat(r.sha256()).isEqualTo("ab");
        });
    }

    @Test
    void aBodyThatIsNotAPayloadIsRefusedWithAReason() {
        assertThatThrownBy(() -> WebhookPayload.fromJson("{\"test\": 1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data.id");
        assertThatThrownBy(() -> WebhookPayload.fromJson("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
