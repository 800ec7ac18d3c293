package io.pitiserve.common.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventCodecTest {

    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final EventCodec codec = new EventCodec("/pitiserve/test");

    static Stream<JobEvent> everyType() {
        return SampleEvents.everyType();
    }

    @Test
    void theSamplesCoverEveryEventType() {
        Set<String> sampled = SampleEvents.everyType().map(JobEvent::type).collect(Collectors.toSet());
        assertThat(sampled).containsExactlyInAnyOrderElementsOf(EventTypes.CLASSES.keySet());
    }

    @ParameterizedTest
    @MethodSource("everyType")
    void everyEventTypeSurvivesARoundTrip(JobEvent event) throws Exception {
        EncodedEvent encoded = codec.encode(event, TRACEPARENT);

        assertThat(codec.decode(encoded.value(), encoded.headers())).isEqualTo(event);
    }

    @ParameterizedTest
    @MethodSource("everyType")
    void everyEventCarriesTheCloudEventsHeadersAndTheJobIdAsKey(JobEvent event) {
        EncodedEvent encoded = codec.encode(event, TRACEPARENT);
        Map<String, String> headers = text(encoded.headers());

        assertThat(new String(encoded.key(), StandardCharsets.UTF_8)).isEqualTo(SampleEvents.JOB);
        assertThat(encoded.keyAsString()).isEqualTo(SampleEvents.JOB);
        assertThat(encoded.header(EventCodec.TYPE)).isEqualTo(event.type());
        assertThat(headers)
                .containsEntry("ce_specversion", "1.0")
                .containsEntry("ce_type", event.type())
                .containsEntry("ce_source", "/pitiserve/test")
                .containsEntry("ce_subject", SampleEvents.JOB)
                .containsEntry("ce_time", event.time().toString())
                .containsEntry("content-type", "application/json")
                .containsEntry("traceparent", TRACEPARENT)
                .containsKey("ce_id");
        assertThat(Instant.parse(headers.get("ce_time"))).isEqualTo(event.time());
        assertThat(EventCodec.type(encoded.headers())).isEqualTo(event.type());
        assertThat(EventCodec.traceparent(encoded.headers())).isEqualTo(TRACEPARENT);
    }

    @Test
    void everyEncodingGetsItsOwnCloudEventsId() {
        JobEvent event = SampleEvents.aStartedJob();

        String first = text(codec.encode(event, null).headers()).get("ce_id");
        String second = text(codec.encode(event, null).headers()).get("ce_id");

        assertThat(first).isNotBlank().isNotEqualTo(second);
    }

    @Test
    void anEventWithoutTraceparentHasNoTraceparentHeader() {
        EncodedEvent encoded = codec.encode(SampleEvents.aStartedJob(), null);

        assertThat(encoded.headers()).doesNotContainKey("traceparent");
        assertThat(EventCodec.traceparent(encoded.headers())).isNull();
    }

    @Test
    void theValueUsesSnakeCaseNamesAndIsoInstants() {
        String json = new String(codec.encode(SampleEvents.aRequestedJob(), null).value(), StandardCharsets.UTF_8);

        assertThat(json)
                .contains("\"job_id\":\"" + SampleEvents.JOB + "\"")
                .contains("\"input_sha256\":")
                .contains("\"input_content_type\":\"image/png\"")
                .contains("\"num_samples\":2")
                .contains("\"guidance_scale\":3.0")
                .contains("\"return_base\":true")
                .contains("\"time\":\"2026-11-27T10:15:30.123456Z\"")
                .doesNotContain("jobId");
    }

    @Test
    void nullFieldsAreLeftOutAndReadBackAsNull() throws Exception {
        TranslationParams params = new TranslationParams("sketch", null, 1, 1.0, "cfg", null, null, "ddpm", 0.0, 7L,
                false, null, null);
        TranslationRequested event = new TranslationRequested(SampleEvents.JOB, SampleEvents.TENANT, SampleEvents.TIME,
                "inputs/acme/x", "00", "image/png", params);

        EncodedEvent encoded = codec.encode(event, null);

        assertThat(new String(encoded.value(), StandardCharsets.UTF_8)).doesNotContain("null").doesNotContain("\"model\"");
        assertThat(codec.decode(encoded.value(), encoded.headers())).isEqualTo(event);
    }

    @Test
    void propertiesAddedByANewerProducerAreIgnored() throws Exception {
        String json = """
                {"job_id":"tr_x","tenant":"acme","time":"2026-11-27T10:15:30Z","worker":"w1","attempt":2,
                 "gpu":"H100","future":{"nested":[1,2]}}""";

        JobEvent event = codec.decode(json.getBytes(StandardCharsets.UTF_8), headers(EventTypes.STARTED));

        assertThat(event).isEqualTo(new TranslationStarted("tr_x", "acme", Instant.parse("2026-11-27T10:15:30Z"), "w1", 2));
    }

    @Test
    void aRecordWithoutTypeHeaderIsUnreadable() {
        byte[] value = codec.encode(SampleEvents.aStartedJob(), null).value();

        assertThatThrownBy(() -> codec.decode(value, Map.of()))
                .isInstanceOf(UnreadableEventException.class)
                .hasMessageContaining("missing ce_type");
    }

    @Test
    void aRecordOfAnUnknownTypeIsUnreadableAndNamesTheType() {
        byte[] value = codec.encode(SampleEvents.aStartedJob(), null).value();

        assertThatThrownBy(() -> codec.decode(value, headers("io.pitiserve.translation.exploded.v1")))
                .isInstanceOf(UnreadableEventException.class)
                .hasMessageContaining("unknown event type 'io.pitiserve.translation.exploded.v1'");
    }

    @Test
    void aValueThatIsNotJsonIsUnreadable() {
        assertThatThrownBy(() -> codec.decode("{not json".getBytes(StandardCharsets.UTF_8), headers(EventTypes.STARTED)))
                .isInstanceOf(UnreadableEventException.class)
                .hasMessageContaining("malformed JSON for " + EventTypes.STARTED);
    }

    @Test
    void aValueOfTheWrongShapeIsUnreadable() {
        byte[] value = "{\"job_id\":\"tr_x\",\"tenant\":\"acme\",\"time\":\"yesterday\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> codec.decode(value, headers(EventTypes.STARTED)))
                .isInstanceOf(UnreadableEventException.class)
                .hasMessageContaining("malformed JSON");
    }

    @Test
    void anEmptyValueIsUnreadable() {
        assertThatThrownBy(() -> codec.decode(new byte[0], headers(EventTypes.FAILED)))
                .isInstanceOf(UnreadableEventException.class)
                .hasMessageContaining("empty value");
        assertThatThrownBy(() -> codec.decode(null, headers(EventTypes.FAILED)))
                .isInstanceOf(UnreadableEventException.class);
    }

    @Test
    void aValueWithoutJobIdIsUnreadable() {
        byte[] value = "{\"tenant\":\"acme\",\"time\":\"2026-11-27T10:15:30Z\",\"worker\":\"w\",\"attempt\":1}"
                .getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> codec.decode(value, headers(EventTypes.STARTED)))
                .isInstanceOf(UnreadableEventException.class)
                .hasMessageContaining("missing job_id");
    }

    @Test
    void aValueOfAnotherContentTypeIsUnreadable() {
        EncodedEvent encoded = codec.encode(SampleEvents.aStartedJob(), null);
        Map<String, byte[]> headers = new HashMap<>(encoded.headers());
        headers.put("content-type", "application/avro".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> codec.decode(encoded.value(), headers))
                .isInstanceOf(UnreadableEventException.class)
                .hasMessageContaining("content-type 'application/avro'");
    }

    @Test
    void encodingAnEventWithoutJobIdIsRefusedAtTheProducer() {
        TranslationStarted event = new TranslationStarted(null, "acme", SampleEvents.TIME, "w", 1);

        assertThatThrownBy(() -> codec.encode(event, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("job_id");
    }

    @Test
    void theManifestJsonReadsBackAsTheSucceededEvent() throws Exception {
        TranslationSucceeded event = SampleEvents.aSucceededJob();

        byte[] manifest = EventCodec.toJson(event);

        assertThat(EventCodec.fromJson(manifest, TranslationSucceeded.class)).isEqualTo(event);
        assertThat(manifest).isEqualTo(codec.encode(event, null).value());
    }

    private static Map<String, byte[]> headers(String type) {
        return Map.of("ce_type", type.getBytes(StandardCharsets.UTF_8),
                "ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, String> text(Map<String, byte[]> headers) {
        return headers.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> new String(e.getValue(), StandardCharsets.UTF_8)));
    }
}
