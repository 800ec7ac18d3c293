package io.pitiserve.worker.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.pitiserve.worker.TestResources;
import io.pitiserve.worker.engine.DenoisingStep;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.Guidance;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.Sampler;
import io.pitiserve.worker.engine.TranslationRequest;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

/** The native manager of each thread's step workspace lives exactly as long as the thread running steps. */
class StepWorkspaceTest {

    @Test
    void theWorkspaceManagersOfTheComputeThreadsAreClosedWhenTheSchedulerShutsDown() throws Exception {
        try (PitiModel model = PitiModel.load(fixture(), new EngineOptions("cpu", true))) {
            assertWorkspacesClosedOnShutdown(model, 2);
        }
    }

    @Test
    void theWorkspaceManagersOfTheLaneThreadsAreClosedWhenTheSchedulerShutsDown() throws Exception {
        try (PitiModel model = PitiModel.load(fixture(), new EngineOptions("cpu", true))) {
            assertWorkspacesClosedOnShutdown(model, 0);
        }
    }

    private static void assertWorkspacesClosedOnShutdown(PitiModel model, int computeThreads) {
        int before = DenoisingStep.openWorkspaceManagers();
        SchedulerSettings settings = new SchedulerSettings(2, new StageLimits(8, 4), new StageLimits(8, 4),
                StagePolicy.THROUGHPUT, false, 0, Map.of()).withComputeThreads(computeThreads);
        try (StepScheduler scheduler = new StepScheduler(settings)) {
            scheduler.run(JobSpec.of("job", "t", model, request(model)));
            assertThat(DenoisingStep.openWorkspaceManagers()).as("managers while the threads live")
                    .isGreaterThan(before);
        }
        assertThat(DenoisingStep.openWorkspaceManagers()).as("managers after shutdown").isEqualTo(before);
    }

    private static TranslationRequest request(PitiModel model) {
        int size = model.manifest().input().size();
        return new TranslationRequest(new float[3 * size * size], 3, size, 1, 3, "3", "2", new Sampler.Ddpm(),
                new Guidance(Guidance.Mode.CFG, 1.3), null, false);
    }

    private static Path fixture() {
        return TestResources.microMask();
    }
}
