package io.pitiserve.worker.engine;

import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class NnpackTest {

    @Test
    void libtorchNoLongerAsksForAnNnpackThatCannotStart() {
        Engine.getEngine("PyTorch");

        Nnpack.Outcome outcome = Nnpack.turnOffWhereUnavailable();

        if (System.getProperty("os.name").toLowerCase().contains("linux")) {
            // the engine's libtorch_cpu is found and asked, on whatever CPU this runs
            assertThat(outcome).isIn(Nnpack.Outcome.AVAILABLE, Nnpack.Outcome.TURNED_OFF);
            assertThat(Nnpack.enabled()).contains(outcome == Nnpack.Outcome.AVAILABLE);
        }
        assertThat(Nnpack.turnOffWhereUnavailable()).isEqualTo(outcome);
    }
}
