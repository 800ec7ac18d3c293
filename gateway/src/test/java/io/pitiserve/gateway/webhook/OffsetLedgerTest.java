package io.pitiserve.gateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {

    private final TopicPartition tp = new TopicPartition("pitiserve.events", 0);

    @Test
    void onlyTheContiguousPrefixOfFinishedRecordsIsCommitted() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.begin(tp, 10);
        ledger.begin(tp, 11);
        ledger.begin(tp, 12);
        ledger.end(tp, 11);
        ledger.end(tp, 12);

        assertThat(ledger.committable(null)).isEqualTo(Map.of(tp, new OffsetAndMetadata(10)));

        ledger.committed(ledger.committable(null));
        ledger.end(tp, 10);

        assertThat(ledger.committable(null)).isEqualTo(Map.of(tp, new OffsetAndMetadata(13)));
        assertThat(ledger.inFlight()).isZero();
    }

    @Test
    void nothingIsCommittedTwiceOrForAForgottenPartition() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.begin(tp, 0);
        ledger.end(tp, 0);
        ledger.committed(ledger.committable(null));

        assertThat(ledger.committable(null)).isEmpty();

        ledger.begin(tp, 1);
        ledger.forget(java.util.List.of(tp));

        assertThat(ledger.committable(null)).isEmpty();
        assertThat(ledger.busy(java.util.List.of(tp))).isFalse();
    }
}
