package io.pitiserve.common.consumption;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {

    private static final TopicPartition P0 = new TopicPartition("lane", 0);
    private static final TopicPartition P1 = new TopicPartition("lane", 1);

    @Test
    void nothingIsCommittableWhileTheFirstReceivedOffsetIsUnfinished() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.received(P0, 10);
        ledger.received(P0, 11);
        ledger.finished(P0, 11);

        assertThat(ledger.toCommit(null)).isEmpty();
        assertThat(ledger.unfinished(P0)).isEqualTo(1);
    }

    @Test
    void onlyTheContiguousPrefixOfFinishedOffsetsIsCommittedAndEachMoveOnlyOnce() {
        OffsetLedger ledger = new OffsetLedger();
        for (long offset = 10; offset <= 14; offset++) {
            ledger.received(P0, offset);
        }
        ledger.finished(P0, 10);
        ledger.finished(P0, 11);
        ledger.finished(P0, 13);

        assertThat(ledger.toCommit(null)).isEqualTo(Map.of(P0, new OffsetAndMetadata(12)));
        assertThat(ledger.toCommit(null)).isEmpty();

        ledger.finished(P0, 12);
        assertThat(ledger.toCommit(null)).isEqualTo(Map.of(P0, new OffsetAndMetadata(14)));
    }

    @Test
    void aFailedCommitIsOfferedAgain() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.received(P0, 3);
        ledger.finished(P0, 3);
        assertThat(ledger.toCommit(null)).containsEntry(P0, new OffsetAndMetadata(4));

        ledger.commitFailed(List.of(P0));

        assertThat(ledger.toCommit(null)).containsEntry(P0, new OffsetAndMetadata(4));
    }

    @Test
    void partitionsAreCommittedIndependentlyAndOnlyTheAskedOnes() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.received(P0, 0);
        ledger.received(P1, 7);
        ledger.finished(P0, 0);
        ledger.finished(P1, 7);

        assertThat(ledger.toCommit(List.of(P1))).isEqualTo(Map.of(P1, new OffsetAndMetadata(8)));
        assertThat(ledger.toCommit(null)).isEqualTo(Map.of(P0, new OffsetAndMetadata(1)));
    }

    @Test
    void aRewoundPartitionForgetsTheRecordsFromTheRewindOnSoTheyDoNotHoldItBack() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.received(P0, 0);
        ledger.received(P0, 1);
        ledger.received(P0, 2);
        ledger.finished(P0, 0);

        ledger.rewind(P0, 1);

        assertThat(ledger.unfinished(P0)).isZero();
        assertThat(ledger.toCommit(null)).isEqualTo(Map.of(P0, new OffsetAndMetadata(1)));
    }

    @Test
    void aForgottenPartitionIsNotTrackedAndLateFinishesOfItAreIgnored() {
        OffsetLedger ledger = new OffsetLedger();
        ledger.received(P0, 5);
        ledger.forget(List.of(P0));
        ledger.finished(P0, 5);

        assertThat(ledger.tracks(P0)).isFalse();
        assertThat(ledger.toCommit(null)).isEmpty();
    }
}
