package io.pitiserve.worker.scheduler;

/**
 * The limits of one stage's running batch (per model).
 *
 * @param maxRows  decoder rows admitted into one step of the stage (a guided sample counts two); a
 *                 job with more rows than this is admitted only into an empty batch
 * @param callRows rows of one decoder call: a step with more rows makes several calls
 */
public record StageLimits(int maxRows, int callRows) {

    public StageLimits {
        if (maxRows < 1) {
            throw new IllegalArgumentException("max rows per step must be >= 1, got " + maxRows);
        }
        if (callRows < 1 || callRows > maxRows) {
            throw new IllegalArgumentException("rows per decoder call must be in 1.." + maxRows + ", got " + callRows);
        }
    }
}
