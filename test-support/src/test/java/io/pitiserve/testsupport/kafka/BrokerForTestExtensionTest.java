package io.pitiserve.testsupport.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

class BrokerForTestExtensionTest {

    private final String before = System.getProperty(BrokerKind.PROPERTY);

    @AfterEach
    void restoreProperty() {
        if (before == null) {
            System.clearProperty(BrokerKind.PROPERTY);
        } else {
            System.setProperty(BrokerKind.PROPERTY, before);
        }
    }

    @Test
    void askingForTheContainerWithoutDockerSkipsTheClassWithAMessageSayingWhy() {
        assumeFalse(BrokerKind.dockerAvailable(), "Docker answers here, so the container would run");
        System.setProperty(BrokerKind.PROPERTY, "container");

        ConditionEvaluationResult result = new BrokerForTestExtension().evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isTrue();
        assertThat(result.getReason()).hasValueSatisfying(reason -> assertThat(reason)
                .contains("-Dpitiserve.test.broker=container", "no Docker engine", "embedded broker"));
    }

    @Test
    void theEmbeddedBrokerRunsWhenAskedForWithOrWithoutDocker() {
        System.setProperty(BrokerKind.PROPERTY, "embedded");

        ConditionEvaluationResult result = new BrokerForTestExtension().evaluateExecutionCondition(null);

        assertThat(result.isDisabled()).isFalse();
        assertThat(result.getReason()).hasValue("Kafka broker: embedded");
    }
}
