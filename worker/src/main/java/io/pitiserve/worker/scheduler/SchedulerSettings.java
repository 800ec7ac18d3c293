package io.pitiserve.worker.scheduler;

import java.util.Map;

/**
 * How the step scheduler batches.
 *
 * @param maxJobs         jobs admitted at once (in either stage or between them); more wait in the queue
 * @param base            limits of the base stage's running batch
 * @param upsampler       limits of the upsampler's running batch
 * @param policy          whether new base work waits for upsampling to finish
 * @param fixedCallShape  pad every decoder call of a stage to its {@code callRows}, so that a job's
 *                        result does not depend on what it was batched with (bit-identical)
 * @param deviceRowLimit  a decoder call with more rows fails as a device out of memory does (0 = none);
 *                        simulates a device's memory for tests and benchmarks
 * @param tenantWeights   weighted share of admissions per tenant; absent tenants weigh 1
 * @param computeThreads  threads shared by both stages that run the decoder calls (one call group of
 *                        up to a stage's call rows each, a job never split); 0: each stage's lane runs its
 *                        own calls, one after another
 */
public record SchedulerSettings(int maxJobs, StageLimits base, StageLimits upsampler, StagePolicy policy,
                                boolean fixedCallShape, int deviceRowLimit, Map<String, Integer> tenantWeights,
                                int computeThreads) {

    /** Compute threads unless set: two, one per stage's worth of work, as many as the lanes. */
    public static final int DEFAULT_COMPUTE_THREADS = 2;

    /** Settings with {@link #DEFAULT_COMPUTE_THREADS} compute threads. */
    public SchedulerSettings(int maxJobs, StageLimits base, StageLimits upsampler, StagePolicy policy,
                             boolean fixedCallShape, int deviceRowLimit, Map<String, Integer> tenantWeights) {
        this(maxJobs, base, upsampler, policy, fixedCallShape, deviceRowLimit, tenantWeights, DEFAULT_COMPUTE_THREADS);
    }

    public SchedulerSettings {
        if (computeThreads < 0) {
            throw new IllegalArgumentException("compute threads must be >= 0, got " + computeThreads);
        }
        if (maxJobs < 1) {
            throw new IllegalArgumentException("max jobs must be >= 1, got " + maxJobs);
        }
        if (base == null || upsampler == null || policy == null) {
            throw new IllegalArgumentException("stage limits and policy are required");
        }
        if (deviceRowLimit < 0) {
            throw new IllegalArgumentException("device row limit must be >= 0, got " + deviceRowLimit);
        }
        tenantWeights = tenantWeights == null ? Map.of() : Map.copyOf(tenantWeights);
        tenantWeights.forEach((tenant, weight) -> {
            if (weight == null || weight < 1) {
                throw new IllegalArgumentException("tenant weight of " + tenant + " must be >= 1, got " + weight);
            }
        });
    }

    /** Defaults for a CPU worker: small fixed calls (CPU kernels gain little from big batches), throughput policy. */
    public static SchedulerSettings defaults(int maxJobs) {
        return new SchedulerSettings(maxJobs, new StageLimits(16, 2), new StageLimits(8, 1), StagePolicy.THROUGHPUT,
                true, 0, Map.of());
    }

    public StageLimits limits(io.pitiserve.worker.engine.StageKind stage) {
        return stage == io.pitiserve.worker.engine.StageKind.BASE ? base : upsampler;
    }

    public SchedulerSettings withPolicy(StagePolicy newPolicy) {
        return new SchedulerSettings(maxJobs, base, upsampler, newPolicy, fixedCallShape, deviceRowLimit, tenantWeights, computeThreads);
    }

    public SchedulerSettings withStages(StageLimits newBase, StageLimits newUpsampler) {
        return new SchedulerSettings(maxJobs, newBase, newUpsampler, policy, fixedCallShape, deviceRowLimit,
                tenantWeights, computeThreads);
    }

    public SchedulerSettings withComputeThreads(int threads) {
        return new SchedulerSettings(maxJobs, base, upsampler, policy, fixedCallShape, deviceRowLimit, tenantWeights,
                threads);
    }

    public SchedulerSettings withDeviceRowLimit(int limit) {
        return new SchedulerSettings(maxJobs, base, upsampler, policy, fixedCallShape, limit, tenantWeights, computeThreads);
    }

    public SchedulerSettings withTenantWeights(Map<String, Integer> weights) {
        return new SchedulerSettings(maxJobs, base, upsampler, policy, fixedCallShape, deviceRowLimit, weights, computeThreads);
    }
}
