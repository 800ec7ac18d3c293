package io.pitiserve.common.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.pitiserve.common.webhook.WebhookTopics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** docs/asyncapi.yaml stays in step with the topics, event types and schemas in the code. */
class AsyncApiDocumentTest {

    // Surefire runs in the module directory; the document lives at the repository root.
    private static final Path DOCUMENT = Path.of("..", "docs", "asyncapi.yaml");

    private static Map<String, Object> document;

    @BeforeAll
    static void parse() throws IOException {
        try (Reader reader = Files.newBufferedReader(DOCUMENT, StandardCharsets.UTF_8)) {
            document = new Yaml().load(reader);
        }
    }

    @Test
    void itIsAnAsyncApiThreeDocument() {
        assertThat(document.get("asyncapi")).hasToString("3.0.0");
        assertThat(map(document, "info")).containsKeys("title", "version");
    }

    @Test
    void itNamesEveryTopicAndNoOther() {
        Topics topics = Topics.defaults();
        List<Object> addresses = map(document, "channels").values().stream()
                .map(channel -> (Object) ((Map<?, ?>) channel).get("address"))
                .toList();

        WebhookTopics webhooks = WebhookTopics.defaults();
        assertThat(addresses).containsExactlyInAnyOrder(topics.prefix() + Topics.LANE_INFIX + "{model}",
                topics.events(), topics.control(), topics.deadLetter(), topics.models(), webhooks.retryPrefix() + "{delay_seconds}s", webhooks.deliveries(),
                webhooks.deadLetter(), webhooks.disabledUrls());
    }

    @Test
    void itDescribesEveryEventTypeWithItsSchema() {
        Set<String> described = new HashSet<>();
        for (Object value : map(map(document, "components"), "messages").values()) {
            Map<String, Object> message = cast(value);
            String type = ceTypeOf(message);
            if (type == null) {
                continue;
            }
            described.add(type);
            Map<String, Object> payload = map(message, "payload");
            String ref = (String) map(payload, "schema").get("$ref");
            assertThat(ref).as("schema of %s", type).endsWith("/" + EventTypes.schemaResource(type));
            assertThat(DOCUMENT.resolveSibling(ref).normalize()).as("schema file of %s", type).isRegularFile();
        }

        assertThat(described).containsExactlyInAnyOrderElementsOf(EventTypes.all());
    }

    @Test
    void everyOperationUsesAChannelAndMessagesThatExist() {
        List<String> refs = new ArrayList<>();
        for (Object value : map(document, "operations").values()) {
            Map<String, Object> operation = cast(value);
            refs.add((String) map(operation, "channel").get("$ref"));
            for (Object message : (List<?>) operation.get("messages")) {
                refs.add((String) ((Map<?, ?>) message).get("$ref"));
            }
        }

        assertThat(refs).isNotEmpty().allSatisfy(ref -> assertThat(resolve(ref)).as(ref).isNotNull());
    }

    private static String ceTypeOf(Map<String, Object> message) {
        Object headers = message.get("headers");
        if (!(headers instanceof Map<?, ?> h) || !(h.get("allOf") instanceof List<?> parts)) {
            return null;
        }
        for (Object part : parts) {
            Object properties = ((Map<?, ?>) part).get("properties");
            if (properties instanceof Map<?, ?> p && p.get("ce_type") instanceof Map<?, ?> ceType) {
                return (String) ceType.get("const");
            }
        }
        return null;
    }

    /** Follows a local reference like {@code #/channels/events/messages/translationStarted}. */
    private static Object resolve(String ref) {
        Object node = document;
        for (String segment : ref.substring(2).split("/")) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(segment);
        }
        return node;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as(key).isInstanceOf(Map.class);
        return cast(value);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object value) {
        return (Map<String, Object>) value;
    }
}
