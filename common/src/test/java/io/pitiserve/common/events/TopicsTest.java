package io.pitiserve.common.events;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicsTest {

    private final Topics topics = Topics.withPrefix("team-a.");

    @Test
    void eachModelHasItsOwnRequestLane() {
        assertThat(topics.lane("demo-mask")).isEqualTo("team-a.requests.demo-mask");
        assertThat(Topics.defaults().lane("demo-mask")).isEqualTo("pitiserve.requests.demo-mask");
    }

    @Test
    void theLanePatternMatchesEveryLaneAndNothingElse() {
        assertThat(topics.lanes().matcher("team-a.requests.demo-mask").matches()).isTrue();
        assertThat(topics.lanes().matcher("team-a.requests.piti_sketch.v2").matches()).isTrue();
        assertThat(topics.lanes().matcher("team-a.requests").matches()).isFalse();
        assertThat(topics.lanes().matcher("team-aXrequests.demo-mask").matches()).isFalse();
        assertThat(topics.lanes().matcher("team-a.events").matches()).isFalse();
    }

    @Test
    void aModelNameThatCannotNameATopicIsRefused() {
        assertThatThrownBy(() -> topics.lane("demo/mask")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("demo/mask").hasMessageContaining("A-Z a-z 0-9 . _ -");
        assertThatThrownBy(() -> topics.lane(".hidden")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> topics.lane("x".repeat(101))).isInstanceOf(IllegalArgumentException.class);
        assertThat(ModelNames.isValid("x".repeat(100))).isTrue();
    }
}
