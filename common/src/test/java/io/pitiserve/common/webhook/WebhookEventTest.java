package io.pitiserve.common.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class WebhookEventTest {

    @Test
    void webhookEventsHaveWireNamesAndPayloadTypes() {
        assertThat(WebhookEvent.fromWireName("progress")).isEqualTo(WebhookEvent.PROGRESS);
        assertThat(WebhookEvent.SUCCEEDED.payloadType()).isEqualTo("translation.succeeded");
        assertThat(WebhookEvent.DEFAULTS).allMatch(WebhookEvent::terminal);
        assertThatThrownBy(() -> WebhookEvent.fromWireName("done")).hasMessageContaining("done");
    }
}
