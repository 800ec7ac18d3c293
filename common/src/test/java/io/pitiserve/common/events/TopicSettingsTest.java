package io.pitiserve.common.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import io.pitiserve.common.events.TopicSettings.TopicSpec;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class TopicSettingsTest {

    @Test
    void nothingConfiguredBindsTheDocumentedDefaults() {
        TopicSettings bound = bind(Map.of());

        assertThat(bound).isEqualTo(TopicSettings.defaults());
        assertThat(bound.sharedTopics()).containsExactly(
                new TopicSpec("pitiserve.events", 12, null, false),
                new TopicSpec("pitiserve.control", 1, null, true),
                new TopicSpec("pitiserve.dead-letter", 1, null, false),
                new TopicSpec("pitiserve.models", 1, null, true));
        assertThat(bound.lane("demo-mask")).isEqualTo(new TopicSpec("pitiserve.requests.demo-mask", 48, null, false));
    }

    @Test
    void everyTopicSettingBindsFromItsKebabCasePropertyUnderPitiserveKafka() {
        TopicSettings bound = bind(Map.of(
                "pitiserve.kafka.topic-prefix", "team-a.",
                "pitiserve.kafka.create-topics", "false",
                "pitiserve.kafka.request-partitions", "8",
                "pitiserve.kafka.event-partitions", "4",
                "pitiserve.kafka.control-partitions", "2",
                "pitiserve.kafka.replication-factor", "3"));

        assertThat(bound).isEqualTo(new TopicSettings("team-a.", false, 8, 4, 2, (short) 3));
        assertThat(bound.sharedTopics()).containsExactly(
                new TopicSpec("team-a.events", 4, (short) 3, false),
                new TopicSpec("team-a.control", 2, (short) 3, true),
                new TopicSpec("team-a.dead-letter", 1, (short) 3, false),
                new TopicSpec("team-a.models", 1, (short) 3, true));
        assertThat(bound.lane("sketch.v2")).isEqualTo(new TopicSpec("team-a.requests.sketch.v2", 8, (short) 3, false));
    }

    @Test
    void aPartitionCountBelowOneIsRefusedNamingTheProperty() {
        assertThatThrownBy(() -> new TopicSettings("pitiserve.", true, 48, 12, 0, null))
                .hasMessageContaining("pitiserve.kafka.control-partitions must be >= 1, got 0");
        assertThatThrownBy(() -> new TopicSettings("pitiserve.", true, 0, 12, 1, null))
                .hasMessageContaining("pitiserve.kafka.request-partitions");
        assertThatThrownBy(() -> new TopicSettings("pitiserve.", true, 48, 12, 1, (short) 0))
                .hasMessageContaining("pitiserve.kafka.replication-factor must be >= 1");
    }

    private static TopicSettings bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("pitiserve.kafka", Bindable.of(TopicSettings.class));
    }
}
