package io.pitiserve.common.consumption;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class BacklogsTest {

    private static ConsumerRecord<String, String> record(String topic, int partition, long offset) {
        return new ConsumerRecord<>(topic, partition, offset, null, topic + "@" + offset);
    }

    private static List<String> drain(Backlogs<String, String> backlogs) {
        List<String> taken = new ArrayList<>();
        ConsumerRecord<String, String> next;
        while ((next = backlogs.next()) != null) {
            taken.add(next.value());
        }
        return taken;
    }

    @Test
    void aBurstOnOneTopicIsTakenInTurnWithTheOtherTopics() {
        Backlogs<String, String> backlogs = new Backlogs<>();
        for (long offset = 0; offset < 4; offset++) {
            backlogs.add(record("a", 0, offset));
        }
        backlogs.add(record("b", 0, 0));
        backlogs.add(record("c", 0, 0));

        assertThat(drain(backlogs)).containsExactly("a@0", "b@0", "c@0", "a@1", "a@2", "a@3");
        assertThat(backlogs.waiting("a")).isFalse();
    }

    @Test
    void droppedPartitionsLeaveTheOtherPartitionsOfTheirTopicWaiting() {
        Backlogs<String, String> backlogs = new Backlogs<>();
        backlogs.add(record("a", 0, 0));
        backlogs.add(record("a", 1, 0));

        backlogs.drop(List.of(new TopicPartition("a", 0)));

        assertThat(backlogs.waiting("a")).isTrue();
        assertThat(backlogs.waiting("b")).isFalse();
        assertThat(drain(backlogs)).hasSize(1);
    }
}
