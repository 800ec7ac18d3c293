package io.pitiserve.gateway.quota;

import java.time.Duration;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Per-tenant quotas and the limits of a single job, prefix {@code pitiserve.gateway.quotas}. The
 * top-level {@code requests}, {@code period}, {@code max-jobs-in-flight} and {@code max-job-cost}
 * apply to every tenant; {@code tenants.<name>.*} overrides any of them for one tenant.
 *
 * <p>A job's cost is counted in network evaluations: per sample, the base steps (twice when the
 * guidance scale is not 1, since classifier-free guidance runs the network on a conditional and an
 * unconditional row) plus the upsampler steps, times {@code num_samples}. A request that names no
 * respacing is counted with {@code assumed-base-steps} and {@code assumed-sr-steps}, the models'
 * usual schedules: the gateway does not know which schedule a model's manifest sets.
 *
 * @param requests         requests a tenant may make per {@code period} (every {@code /v1} route),
 *                         also the largest burst
 * @param period           the window of {@code requests}
 * @param maxJobsInFlight  jobs of a tenant that may be queued or running at once
 * @param maxJobCost       the most network evaluations one job may ask for
 * @param maxBaseSteps     the most base-stage steps a respacing may ask for
 * @param maxSrSteps       the most upsampler steps a respacing may ask for
 * @param assumedBaseSteps base steps counted for a job that names no {@code base_steps}
 * @param assumedSrSteps   upsampler steps counted for a job that names no {@code sr_steps}
 * @param inFlightRetryAfter the {@code Retry-After} of a 429 for too many jobs in flight
 * @param tenants          overrides per tenant name
 */
@ConfigurationProperties("pitiserve.gateway.quotas")
public record QuotaProperties(
        @DefaultValue("600") int requests,
        @DefaultValue("1m") Duration period,
        @DefaultValue("16") int maxJobsInFlight,
        @DefaultValue("2000") long maxJobCost,
        @DefaultValue("250") int maxBaseSteps,
        @DefaultValue("100") int maxSrSteps,
        @DefaultValue("100") int assumedBaseSteps,
        @DefaultValue("27") int assumedSrSteps,
        @DefaultValue("5s") Duration inFlightRetryAfter,
        @DefaultValue Map<String, TenantLimits> tenants) {

    private static final String PREFIX = "pitiserve.gateway.quotas.";

    public QuotaProperties {
        tenants = Map.copyOf(tenants);
        positive(requests, "requests");
        positive(maxJobsInFlight, "max-jobs-in-flight");
        positive(maxJobCost, "max-job-cost");
        positive(maxBaseSteps, "max-base-steps");
        positive(maxSrSteps, "max-sr-steps");
        positive(assumedBaseSteps, "assumed-base-steps");
        positive(assumedSrSteps, "assumed-sr-steps");
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException(PREFIX + "period must be positive, was " + period);
        }
        tenants.forEach((name, override) -> {
            String key = "tenants." + name + ".";
            if (override.requests() != null) {
                positive(override.requests(), key + "requests");
            }
            if (override.period() != null && (override.period().isNegative() || override.period().isZero())) {
                throw new IllegalArgumentException(PREFIX + key + "period must be positive, was " + override.period());
            }
            if (override.maxJobsInFlight() != null) {
                positive(override.maxJobsInFlight(), key + "max-jobs-in-flight");
            }
            if (override.maxJobCost() != null) {
                positive(override.maxJobCost(), key + "max-job-cost");
            }
        });
    }

    /** The defaults, as configured by no property. */
    public static QuotaProperties defaults() {
        return new QuotaProperties(600, Duration.ofMinutes(1), 16, 2000, 250, 100, 100, 27, Duration.ofSeconds(5),
                Map.of());
    }

    /** The limits that apply to {@code tenant}: its overrides over the defaults. */
    public Limits limitsOf(String tenant) {
        TenantLimits override = tenants.get(tenant);
        if (override == null) {
            return new Limits(requests, period, maxJobsInFlight, maxJobCost);
        }
        return new Limits(override.requests() == null ? requests : override.requests(),
                override.period() == null ? period : override.period(),
                override.maxJobsInFlight() == null ? maxJobsInFlight : override.maxJobsInFlight(),
                override.maxJobCost() == null ? maxJobCost : override.maxJobCost());
    }

    private static void positive(long value, String key) {
        if (value < 1) {
            throw new IllegalArgumentException(PREFIX + key + " must be at least 1, was " + value);
        }
    }

    /** One tenant's overrides; an absent member keeps the default. */
    public record TenantLimits(Integer requests, Duration period, Integer maxJobsInFlight, Long maxJobCost) {
    }

    /** The limits in force for one tenant. */
    public record Limits(int requests, Duration period, int maxJobsInFlight, long maxJobCost) {
    }
}
