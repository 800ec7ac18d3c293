package io.pitiserve.worker.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IntraOpThreadsTest {

    @Test
    void aConfiguredThreadCountIsKept() {
        assertThat(WorkerConfiguration.intraOpThreads(3, 2, 16)).isEqualTo(3);
    }

    @Test
    void theCoresAreSharedOutBetweenTheComputeThreads() {
        assertThat(WorkerConfiguration.intraOpThreads(0, 2, 2)).isEqualTo(1);
        assertThat(WorkerConfiguration.intraOpThreads(0, 2, 16)).isEqualTo(8);
        assertThat(WorkerConfiguration.intraOpThreads(0, 4, 2)).isEqualTo(1);
    }

    @Test
    void withoutComputeThreadsPyTorchKeepsItsOwnDefault() {
        assertThat(WorkerConfiguration.intraOpThreads(0, 0, 16)).isZero();
    }
}
