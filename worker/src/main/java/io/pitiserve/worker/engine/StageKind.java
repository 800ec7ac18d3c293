package io.pitiserve.worker.engine;

/** The two diffusion stages of a PITI model. */
public enum StageKind {
    /** 64 px, guided. */
    BASE("base"),
    /** 256 px super-resolution, conditioned on the quantised base image. */
    UPSAMPLER("upsampler");

    private final String label;

    StageKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
