package io.pitiserve.common.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import io.pitiserve.client.webhook.WebhookPayload;
import org.junit.jupiter.api.Test;

/** The published schema of the webhook body describes what the dispatcher sends. */
class WebhookPayloadSchemaTest {

    // Test-only: the validator reads Jackson 2 trees; the product code uses Jackson 3.
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = "pitiserve/schemas/webhooks/webhook-payload.v1.json";

    @Test
    void aSucceededPayloadValidatesAgainstThePublishedSchema() throws IOException {
        assertThat(schema().validate(JSON.readTree(succeeded().toJson()))).isEmpty();
    }

    @Test
    void aPayloadWithoutItsJobIdOrWithAnUnknownTypeFailsValidation() throws IOException {
        ObjectNode value = (ObjectNode) JSON.readTree(succeeded().toJson());
        ((ObjectNode) value.get("data")).remove("id");
        value.put("type", "translation.done");

        assertThat(schema().validate(value)).extracting(m -> m.getInstanceLocation().toString())
                .contains("/data", "/type");
    }

    private static WebhookPayload succeeded() {
        return new WebhookPayload("translation.succeeded", Instant.parse("2026-11-27T08:00:00Z"),
                new WebhookPayload.Data("tr_abcdefghijklmnopqrstuvwxyz", "succeeded", null, null,
                        List.of(new WebhookPayload.Result("sample", 0, "https://s3.example.com/r?X-Amz-Signature=1",
                                Instant.parse("2026-11-27T09:00:00Z"), 256, 256, "ab".repeat(32), 1234)),
                        null, null, Map.of("order", "42"), Map.of("total", 812.5), "tiny-mask", 7L,
                        new WebhookPayload.Links("/v1/translations/tr_abcdefghijklmnopqrstuvwxyz"), null));
    }

    private static JsonSchema schema() throws IOException {
        try (InputStream in = WebhookPayloadSchemaTest.class.getClassLoader().getResourceAsStream(SCHEMA)) {
            assertThat(in).as(SCHEMA).isNotNull();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        }
    }
}
