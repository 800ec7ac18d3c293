package io.pitiserve.worker.runtime.job;

import io.pitiserve.worker.TestResources;
import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.PitiModel;

import java.nio.file.Path;

/** The real TorchScript test models: the micro diffusion fixtures and the bundled single-pass model. */
final class Models {

    private Models() {
    }

    static PitiModel microMask() {
        return load("fixtures/models/micro-mask");
    }

    static PitiModel microSketch() {
        return load("fixtures/models/micro-sketch");
    }

    static PitiModel spadeMask() {
        return load("pitiserve/models/spade-mask");
    }

    private static PitiModel load(String resource) {
        return PitiModel.load(TestResources.path(resource), new EngineOptions("cpu", true));
    }
}
