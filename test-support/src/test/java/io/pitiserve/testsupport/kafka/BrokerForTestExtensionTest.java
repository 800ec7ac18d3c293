package io.pitiserve.testsupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.RegisterExtension;

class BrokerForTestExtensionTest {

    @RegisterExtension
    final BrokerKindProperty brokerKind = new BrokerKindProperty();

    @Test
    void askingForTheContainerWithoutDockerSkipsTheClassWithAMessageSayingWhy() {
        assumeFalse(BrokerKind.dockerAvailable(), "Docker answers here, so the container would run");
        brokerKind.set("container");

        ConditionEvaluationResult result = new BrokerForTestExtension().evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("-Dpitiserve.test.broker=container", "no Docker engine", "embedded broker"));
    }

    @Test
    void theEmbeddedBrokerRunsWhenAskedForWithOrWithoutDocker() {
        brokerKind.set("embedded");

        ConditionEvaluationResult result = new BrokerForTestExtension().evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isFalse();
        assertThat(result.getReason()).hasValue("Kafka broker: embedded");
    }
}
