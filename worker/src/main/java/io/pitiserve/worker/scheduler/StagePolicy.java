package io.pitiserve.worker.scheduler;

/** What the base stage does while jobs are upsampling. */
public enum StagePolicy {
    /**
     * New jobs start their base stage only when no job is waiting for or running its upsampler:
     * started jobs finish sooner, the device idles more between stages.
     */
    LATENCY,
    /** New jobs start their base stage whenever there is room: both stages stay busy, every job takes longer. */
    THROUGHPUT
}
