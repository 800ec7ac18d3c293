package io.pitiserve.common.consumption;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Polled records not yet started, one queue per topic, taken from the topics in turn: a burst on one
 * topic holds back another topic's records by at most one record per topic. Used by the polling
 * thread only.
 */
final class Backlogs<K, V> {

    private final Map<String, Deque<ConsumerRecord<K, V>>> byTopic = new LinkedHashMap<>();
    private final List<String> order = new ArrayList<>();
    private int next;

    void add(ConsumerRecord<K, V> record) {
        byTopic.computeIfAbsent(record.topic(), topic -> {
            order.add(topic);
            return new ArrayDeque<>();
        }).add(record);
    }

    /** The next record of the topics in turn, or null when none has one. */
    ConsumerRecord<K, V> next() {
        for (int i = 0; i < order.size(); i++) {
            String topic = order.get(next);
            next = (next + 1) % order.size();
            ConsumerRecord<K, V> record = byTopic.get(topic).poll();
            if (record != null) {
                return record;
            }
        }
        return null;
    }

    /** Whether records of the topic wait. */
    boolean waiting(String topic) {
        Deque<ConsumerRecord<K, V>> backlog = byTopic.get(topic);
        return backlog != null && !backlog.isEmpty();
    }

    /** Drops the waiting records of these partitions. */
    void drop(Collection<TopicPartition> partitions) {
        byTopic.values().forEach(backlog -> backlog.removeIf(
                record -> partitions.contains(new TopicPartition(record.topic(), record.partition()))));
    }

    void clear() {
        byTopic.values().forEach(Deque::clear);
    }
}
