package io.pitiserve.common.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The published JSON Schemas describe exactly what {@link EventCodec} writes. */
class EventSchemasTest {

    // Test-only: the validator reads Jackson 2 trees; the product code uses Jackson 3.
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .formatAssertionsEnabled(true)
            .build();

    private final EventCodec codec = new EventCodec("/pitiserve/test");

    static Stream<JobEvent> everyType() {
        return SampleEvents.everyType();
    }

    @Test
    void everyEventTypeHasASchemaThatNamesIt() throws IOException {
        for (String type : EventTypes.all()) {
            JsonNode schema = readResource(EventTypes.schemaResource(type));
            assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
            assertThat(schema.path("$id").asText()).endsWith("/" + type + ".json");
            assertThat(schema.path("description").asText()).contains(type);
            assertThat(schema.path("required")).extracting(JsonNode::asText)
                    .contains("job_id", "tenant", "time");
        }
    }

    @ParameterizedTest
    @MethodSource("everyType")
    void everyEncodedEventValidatesAgainstItsSchema(JobEvent event) throws IOException {
        JsonNode value = JSON.readTree(codec.encode(event, null).value());

        assertThat(schemaOf(event.type()).validate(value)).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("everyType")
    void everyPropertyTheCodecWritesIsDeclaredInTheSchema(JobEvent event) throws IOException {
        JsonNode schema = readResource(EventTypes.schemaResource(event.type()));
        JsonNode value = JSON.readTree(codec.encode(event, null).value());

        assertThat(undeclared(value, schema, schema, "")).isEmpty();
    }

    @Test
    void anEvaluationRequestAndItsProgressInImagesValidate() throws IOException, UnreadableEventException {
        JsonNode request = JSON.readTree(codec.encode(SampleEvents.anEvaluationJob(), null).value());
        JsonNode progress = JSON.readTree(codec.encode(new TranslationProgress(SampleEvents.JOB, SampleEvents.TENANT,
                SampleEvents.TIME, "evaluation", 3, 32), null).value());

        assertThat(request.path("kind").asText()).isEqualTo("evaluation");
        assertThat(schemaOf(EventTypes.REQUESTED).validate(request)).isEmpty();
        assertThat(schemaOf(EventTypes.PROGRESS).validate(progress)).isEmpty();
        assertThat(EventCodec.fromJson(codec.encode(SampleEvents.aRequestedJob(), null).value(),
                TranslationRequested.class).evaluation()).isFalse();
    }

    @Test
    void anEventWithoutJobIdFailsValidation() throws IOException {
        ObjectNode value = (ObjectNode) JSON.readTree(codec.encode(SampleEvents.aSucceededJob(), null).value());
        value.remove("job_id");

        Set<ValidationMessage> errors = schemaOf(EventTypes.SUCCEEDED).validate(value);

        assertThat(errors).extracting(ValidationMessage::getMessage).anySatisfy(m -> assertThat(m).contains("job_id"));
    }

    @Test
    void aMalformedFieldFailsValidation() throws IOException {
        ObjectNode value = (ObjectNode) JSON.readTree(codec.encode(SampleEvents.aRequestedJob(), null).value());
        ((ObjectNode) value.get("params")).put("num_samples", 9);
        value.put("time", "yesterday");

        Set<ValidationMessage> errors = schemaOf(EventTypes.REQUESTED).validate(value);

        assertThat(errors).extracting(ValidationMessage::getInstanceLocation).extracting(Object::toString)
                .contains("/params/num_samples", "/time");
    }

    @Test
    void propertiesAddedLaterDoNotBreakOldSchemas() throws IOException {
        ObjectNode value = (ObjectNode) JSON.readTree(codec.encode(SampleEvents.aStartedJob(), null).value());
        value.put("gpu", "H100");

        assertThat(schemaOf(EventTypes.STARTED).validate(value)).isEmpty();
    }

    private static JsonSchema schemaOf(String type) {
        try (InputStream in = resource(EventTypes.schemaResource(type))) {
            return FACTORY.getSchema(in, CONFIG);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Paths of properties in {@code value} that {@code schema} does not declare (following local $refs). */
    private static List<String> undeclared(JsonNode value, JsonNode schema, JsonNode root, String path) {
        JsonNode resolved = schema;
        while (resolved.has("$ref")) {
            resolved = root.at(resolved.get("$ref").asText().substring(1));
        }
        List<String> missing = new ArrayList<>();
        if (value.isObject() && resolved.has("properties")) {
            for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                JsonNode declared = resolved.get("properties").get(name);
                if (declared == null) {
                    missing.add(path + "/" + name);
                } else {
                    missing.addAll(undeclared(value.get(name), declared, root, path + "/" + name));
                }
            }
        } else if (value.isArray() && resolved.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                missing.addAll(undeclared(value.get(i), resolved.get("items"), root, path + "/" + i));
            }
        }
        return missing;
    }

    private static JsonNode readResource(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return JSON.readTree(in);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = EventSchemasTest.class.getClassLoader().getResourceAsStream(name);
        assertThat(in).as("class-path resource %s", name).isNotNull();
        return in;
    }
}
