package io.pitiserve.gateway.catalogue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import io.pitiserve.common.catalogue.CatalogueCodec;
import io.pitiserve.common.catalogue.ModelAnnouncement;
import io.pitiserve.gateway.config.GatewayProperties;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ModelCatalogueTest {

    private static final Instant NOW = Instant.parse("2026-12-07T15:00:00Z");

    private final ModelCatalogue catalogue = new ModelCatalogue(List.of(
            new GatewayProperties.Model("mask", "piti-mask", "2022-05", false),
            new GatewayProperties.Model("mask", "demo-mask", "2026-11-27.2", true),
            new GatewayProperties.Model("sketch", "demo-sketch", null, false)),
            "pitiserve.models", Map.of(), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aTaskWithoutAModelRunsOnItsDeclaredDefault() {
        assertThat(catalogue.route("mask", null).name()).isEqualTo("demo-mask");
        assertThat(catalogue.route("sketch", null).name()).isEqualTo("demo-sketch");
    }

    @Test
    void aModelIsFoundByNameVersionOrNameAtVersionWithinItsTask() {
        assertThat(catalogue.route("mask", "piti-mask").name()).isEqualTo("piti-mask");
        assertThat(catalogue.route("mask", "2022-05").name()).isEqualTo("piti-mask");
        assertThat(catalogue.route("mask", "demo-mask@2026-11-27.2").name()).isEqualTo("demo-mask");
        assertThatThrownBy(() -> catalogue.route("sketch", "piti-mask"))
                .isInstanceOf(UnknownModelException.class)
                .hasMessageContaining("no model 'piti-mask' serves task sketch")
                .hasMessageContaining("demo-sketch (sketch)");
    }

    @Test
    void aTaskThatNoModelServesIsRefusedNamingWhatExists() {
        catalogue.apply(record("depth-net/w1", announcement("depth-net", "depth", "w1", NOW.minusSeconds(40))));

        assertThatThrownBy(() -> catalogue.route("depth", null))
                .isInstanceOf(UnknownModelException.class)
                .hasMessage("no model serves task depth; available: piti-mask (mask), demo-mask (mask),"
                        + " demo-sketch (sketch) (see GET /v1/models)");
    }

    @Test
    void anAnnouncedModelIsRoutedToWhileItsLeaseHoldsAndWithdrawnByATombstone() {
        catalogue.apply(record("depth-net/w1", announcement("depth-net", "depth", "w1", NOW.plusSeconds(20))));

        ModelCatalogue.Entry entry = catalogue.route("depth", null);
        assertThat(entry.name()).isEqualTo("depth-net");
        assertThat(entry.declared()).isFalse();
        assertThat(entry.live()).extracting(ModelAnnouncement::worker).containsExactly("w1");

        catalogue.apply(record("depth-net/w1", null));
        assertThat(catalogue.find("depth", null)).isNull();
    }

    @Test
    void liveWorkersAddToTheDeclaredModelTheyServe() {
        catalogue.apply(record("demo-mask/w1", announcement("demo-mask", "mask", "w1", NOW.plusSeconds(20))));
        catalogue.apply(record("demo-mask/w2", announcement("demo-mask", "mask", "w2", NOW.plusSeconds(20))));
        catalogue.apply(record("demo-mask/w3", announcement("demo-mask", "mask", "w3", NOW.minusSeconds(1))));

        ModelCatalogue.Entry demo = catalogue.entries().stream().filter(e -> e.name().equals("demo-mask"))
                .findFirst().orElseThrow();
        assertThat(demo.declared()).isTrue();
        assertThat(demo.live()).extracting(ModelAnnouncement::worker).containsExactly("w1", "w2");
        assertThat(catalogue.entries()).extracting(ModelCatalogue.Entry::name)
                .containsExactly("piti-mask", "demo-mask", "demo-sketch");
    }

    @Test
    void anUnreadableRecordIsSkipped() {
        catalogue.apply(new ConsumerRecord<>("pitiserve.models", 0, 0, "x/y".getBytes(StandardCharsets.UTF_8),
                "{not json".getBytes(StandardCharsets.UTF_8)));

        assertThat(catalogue.entries()).hasSize(3);
    }

    private static ModelAnnouncement announcement(String model, String task, String worker, Instant leaseUntil) {
        return new ModelAnnouncement(worker, model, "v1", task, 256, new ModelAnnouncement.Resolution(64, 256),
                new ModelAnnouncement.Defaults("ddpm", "50", "10", "cfg", 1.3), "fp32", "cpu",
                leaseUntil.minus(Duration.ofSeconds(30)), leaseUntil, null);
    }

    private static ConsumerRecord<byte[], byte[]> record(String key, ModelAnnouncement value) {
        return new ConsumerRecord<>("pitiserve.models", 0, 0, key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : CatalogueCodec.toJson(value));
    }
}
