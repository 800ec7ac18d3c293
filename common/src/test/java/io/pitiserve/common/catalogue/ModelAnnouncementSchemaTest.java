package io.pitiserve.common.catalogue;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import org.junit.jupiter.api.Test;

/** The published schema of catalogue records describes what workers announce, for both model kinds. */
class ModelAnnouncementSchemaTest {

    // Test-only: the validator reads Jackson 2 trees; the product code uses Jackson 3.
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = "pitiserve/schemas/catalogue/model-announcement.v1.json";
    private static final Instant NOW = Instant.parse("2026-12-07T18:00:00Z");

    private static ModelAnnouncement diffusion() {
        return new ModelAnnouncement("worker-1", "demo-mask", "v2", "mask", 128, new ModelAnnouncement.Resolution(64, 256),
                new ModelAnnouncement.Defaults("ddpm", "15", "10", "cfg", 1.3), "fp32", "cpu", NOW, NOW.plusSeconds(30),
                null);
    }

    private static ModelAnnouncement singlePass() {
        return new ModelAnnouncement("worker-1", "spade-mask", "v1", "mask", 128,
                new ModelAnnouncement.Resolution(256, 256), null, "fp32", "cpu", NOW, NOW.plusSeconds(30), 40.0,
                ModelAnnouncement.SINGLE_PASS);
    }

    @Test
    void bothKindsOfAnnouncementValidateAgainstThePublishedSchema() throws Exception {
        for (ModelAnnouncement announcement : new ModelAnnouncement[] {diffusion(), singlePass()}) {
            String json = new String(CatalogueCodec.toJson(announcement), StandardCharsets.UTF_8);
            assertThat(schema().validate(JSON.readTree(json))).as(json).isEmpty();
        }
        assertThat(new String(CatalogueCodec.toJson(singlePass()), StandardCharsets.UTF_8))
                .contains("\"kind\":\"single-pass\"").doesNotContain("defaults");
    }

    @Test
    void aDiffusionRecordWithoutDefaultsOrASinglePassOneWithThemFailsValidation() throws Exception {
        ObjectNode diffusion = (ObjectNode) JSON.readTree(CatalogueCodec.toJson(diffusion()));
        diffusion.remove("defaults");
        assertThat(schema().validate(diffusion)).isNotEmpty();
        ObjectNode singlePass = (ObjectNode) JSON.readTree(CatalogueCodec.toJson(singlePass()));
        singlePass.set("defaults", JSON.readTree(CatalogueCodec.toJson(diffusion())).get("defaults"));
        assertThat(schema().validate(singlePass)).isNotEmpty();
    }

    @Test
    void aRecordWithoutKindReadsAsADiffusionModel() throws Exception {
        ObjectNode record = (ObjectNode) JSON.readTree(CatalogueCodec.toJson(diffusion()));
        record.remove("kind");
        ModelAnnouncement read = CatalogueCodec.fromJson(JSON.writeValueAsBytes(record));
        assertThat(read.kind()).isNull();
        assertThat(read.kindOrDefault()).isEqualTo(ModelAnnouncement.DIFFUSION);
        assertThat(CatalogueCodec.fromJson(CatalogueCodec.toJson(singlePass())).kindOrDefault())
                .isEqualTo(ModelAnnouncement.SINGLE_PASS);
    }

    private static JsonSchema schema() throws IOException {
        try (InputStream in = ModelAnnouncementSchemaTest.class.getClassLoader().getResourceAsStream(SCHEMA)) {
            assertThat(in).as(SCHEMA).isNotNull();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        }
    }
}
