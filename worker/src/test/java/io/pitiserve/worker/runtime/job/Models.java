package io.pitiserve.worker.runtime.job;

import io.pitiserve.worker.engine.EngineOptions;
import io.pitiserve.worker.engine.PitiModel;

import java.net.URISyntaxException;
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
        try {
            var url = Models.class.getClassLoader().getResource(resource);
            if (url == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            return PitiModel.load(Path.of(url.toURI()), new EngineOptions("cpu", true));
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
