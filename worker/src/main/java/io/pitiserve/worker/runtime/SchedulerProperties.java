package io.pitiserve.worker.runtime;

import io.pitiserve.worker.scheduler.SchedulerSettings;
import io.pitiserve.worker.scheduler.StageLimits;
import io.pitiserve.worker.scheduler.StagePolicy;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.util.Map;

/**
 * How the worker batches jobs at step level ({@code pitiserve.worker.scheduler.*}); the number of
 * jobs in flight is {@code pitiserve.worker.concurrency}. See docs/SCHEDULING.md.
 *
 * @param policy            throughput (new base work whenever there is room) or latency (new base
 *                          work only once no job waits for or runs its upsampler)
 * @param baseMaxRows       decoder rows per base step (a guided sample counts two)
 * @param baseCallRows      rows per base decoder call
 * @param upsamplerMaxRows  decoder rows per upsampler step
 * @param upsamplerCallRows rows per upsampler decoder call
 * @param fixedCallShape    pad every call to its stage's call rows: results independent of the batch
 * @param tenantWeights     weighted share of admissions per tenant id (others weigh 1)
 * @param computeThreads    threads shared by both stages that run encodings and decoder calls (0: each
 *                          stage's lane runs its own); on a CPU worker, its cores with
 *                          {@code pitiserve.worker.threads=1}
 */
@ConfigurationProperties("pitiserve.worker.scheduler")
public record SchedulerProperties(
        @DefaultValue("throughput") String policy,
        @DefaultValue("16") int baseMaxRows,
        @DefaultValue("2") int baseCallRows,
        @DefaultValue("8") int upsamplerMaxRows,
        @DefaultValue("1") int upsamplerCallRows,
        @DefaultValue("true") boolean fixedCallShape,
        Map<String, Integer> tenantWeights,
        @DefaultValue("2") int computeThreads) {

    public SchedulerProperties {
        policy = policy == null ? "throughput" : policy.trim().toLowerCase(java.util.Locale.ROOT);
        if (!policy.equals("throughput") && !policy.equals("latency")) {
            throw new IllegalArgumentException("pitiserve.worker.scheduler.policy must be throughput or latency, got '"
                    + policy + "'");
        }
        tenantWeights = tenantWeights == null ? Map.of() : Map.copyOf(tenantWeights);
        // The records below check the numbers and name them.
        settings(1, baseMaxRows, baseCallRows, upsamplerMaxRows, upsamplerCallRows, fixedCallShape, tenantWeights,
                policy, computeThreads);
    }

    /** The scheduler's settings with {@code maxJobs} jobs in flight. */
    public SchedulerSettings toSettings(int maxJobs) {
        return settings(maxJobs, baseMaxRows, baseCallRows, upsamplerMaxRows, upsamplerCallRows, fixedCallShape,
                tenantWeights, policy, computeThreads);
    }

    private static SchedulerSettings settings(int maxJobs, int baseMaxRows, int baseCallRows, int upsamplerMaxRows,
                                              int upsamplerCallRows, boolean fixed, Map<String, Integer> weights,
                                              String policy, int computeThreads) {
        try {
            return new SchedulerSettings(maxJobs, new StageLimits(baseMaxRows, baseCallRows),
                    new StageLimits(upsamplerMaxRows, upsamplerCallRows),
                    policy.equals("latency") ? StagePolicy.LATENCY : StagePolicy.THROUGHPUT, fixed, 0, weights,
                    computeThreads);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("pitiserve.worker.scheduler: " + e.getMessage(), e);
        }
    }
}
