package io.pitiserve.worker.runtime.kafka;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PartitionOffsetsTest {

    @Test
    void nothingIsCommittableWhileTheFirstReceivedOffsetIsUnfinished() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.received(10);
        offsets.received(11);
        offsets.finished(11);

        assertThat(offsets.toCommit()).isEmpty();
        assertThat(offsets.unfinished()).isEqualTo(1);
    }

    @Test
    void onlyTheContiguousPrefixOfFinishedOffsetsIsCommitted() {
        PartitionOffsets offsets = new PartitionOffsets();
        for (long offset = 10; offset <= 14; offset++) {
            offsets.received(offset);
        }
        offsets.finished(10);
        offsets.finished(11);
        offsets.finished(13);

        assertThat(offsets.toCommit()).hasValue(12);

        offsets.committed(12);
        assertThat(offsets.toCommit()).isEmpty();

        offsets.finished(12);
        assertThat(offsets.toCommit()).hasValue(14);
    }

    @Test
    void aFailedCommitIsOfferedAgain() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.received(0);
        offsets.finished(0);
        offsets.committed(offsets.toCommit().orElseThrow());

        offsets.commitFailed();

        assertThat(offsets.toCommit()).hasValue(1);
    }

    @Test
    void finishingAnOffsetThatWasNeverReceivedChangesNothing() {
        PartitionOffsets offsets = new PartitionOffsets();
        offsets.received(5);

        offsets.finished(4);

        assertThat(offsets.toCommit()).isEmpty();
    }
}
