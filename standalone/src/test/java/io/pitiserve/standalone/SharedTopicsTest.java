package io.pitiserve.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import io.pitiserve.common.events.TopicSettings;
import io.pitiserve.gateway.config.KafkaConfiguration;
import io.pitiserve.worker.runtime.WorkerConfiguration;

import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

/**
 * Gateway and worker each create the topics they use when missing; whichever starts first decides a
 * topic's partitions for good. So for the same settings both must declare every shared topic alike.
 */
class SharedTopicsTest {

    @Test
    void gatewayAndWorkerDeclareEverySharedTopicAlikeWithTheDefaults() {
        assertDeclaredAlike(TopicSettings.defaults());
    }

    @Test
    void gatewayAndWorkerDeclareEverySharedTopicAlikeWithEverySettingChanged() {
        assertDeclaredAlike(new TopicSettings("team-a.", true, 8, 4, 3, (short) 2));
    }

    private static void assertDeclaredAlike(TopicSettings settings) {
        List<Declared> worker = WorkerConfiguration.declaredTopics(settings, List.of("demo-mask")).stream()
                .map(Declared::of).toList();
        List<String> shared = new java.util.ArrayList<>(settings.sharedTopics().stream()
                .map(TopicSettings.TopicSpec::name).toList());
        shared.add(settings.topics().lane("demo-mask"));
        List<Declared> gateway = KafkaConfiguration.declaredTopics(settings, List.of("demo-mask", "demo-sketch"))
                .stream().map(Declared::of).filter(topic -> shared.contains(topic.name())).toList();

        assertThat(worker).extracting(Declared::name).containsExactlyElementsOf(shared);
        assertThat(gateway).containsExactlyInAnyOrderElementsOf(worker);
        assertThat(worker).filteredOn(topic -> topic.name().equals(settings.topics().control()))
                .singleElement().satisfies(control -> {
                    assertThat(control.partitions()).isEqualTo(settings.controlPartitions());
                    assertThat(control.configs()).containsEntry("cleanup.policy", "compact");
                });
        assertThat(worker).filteredOn(topic -> topic.name().equals(settings.topics().models()))
                .singleElement().satisfies(catalogue ->
                        assertThat(catalogue.configs()).containsEntry("cleanup.policy", "compact"));
        assertThat(worker).filteredOn(topic -> topic.name().equals(settings.topics().lane("demo-mask")))
                .singleElement().satisfies(lane -> assertThat(lane.partitions()).isEqualTo(settings.requestPartitions()));
    }

    /** What a created topic keeps: name, partitions, replication (-1: the broker's default), configs. */
    private record Declared(String name, int partitions, short replication, Map<String, String> configs) {

        static Declared of(NewTopic topic) {
            return new Declared(topic.name(), topic.numPartitions(), topic.replicationFactor(),
                    topic.configs() == null ? Map.of() : Map.copyOf(topic.configs()));
        }
    }
}
