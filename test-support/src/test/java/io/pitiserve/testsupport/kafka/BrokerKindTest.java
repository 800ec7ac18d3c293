package io.pitiserve.testsupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class BrokerKindTest {

    @RegisterExtension
    final BrokerKindProperty brokerKind = new BrokerKindProperty();

    @Test
    void thePropertyNamesTheKindAndAutoOrNothingLeavesItToDetection() {
        brokerKind.set("container");
        assertThat(BrokerKind.requested()).contains(BrokerKind.CONTAINER);
        brokerKind.set(" Embedded ");
        assertThat(BrokerKind.requested()).contains(BrokerKind.EMBEDDED);
        brokerKind.set("auto");
        assertThat(BrokerKind.requested()).isEqualTo(Optional.empty());
    }

    @Test
    void anUnknownKindIsRefusedWithThePropertyNamed() {
        brokerKind.set("docker");
        assertThatThrownBy(BrokerKind::requested)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(BrokerKind.PROPERTY).hasMessageContaining("'docker'");
    }

    @Test
    void automaticDetectionTakesTheContainerExactlyWhenDockerAnswers() {
        brokerKind.set("auto");
        assertThat(BrokerKind.selected())
                .isEqualTo(BrokerKind.dockerAvailable() ? BrokerKind.CONTAINER : BrokerKind.EMBEDDED);
    }

    @Test
    void theContainerGetsEveryBrokerPropertyUnderTheImagesEnvironmentNames() {
        assertThat(ContainerBroker.environmentName("group.initial.rebalance.delay.ms"))
                .isEqualTo("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS");
        assertThat(ContainerBroker.environmentName("a_b-c.d")).isEqualTo("KAFKA_A__B___C_D");
        Map<String, String> properties = new BrokerSettings(3).brokerProperties();
        assertThat(properties).containsEntry("num.partitions", "3").containsEntry("auto.create.topics.enable", "true");
    }

    @Test
    void theContainerImageFollowsTheKafkaClientOnTheClassPath() {
        assertThat(ContainerBroker.image().asCanonicalNameString())
                .isEqualTo("apache/kafka:" + org.apache.kafka.common.utils.AppInfoParser.getVersion());
    }
}
