package io.pitiserve.gateway.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.jobs.JobState;
import io.pitiserve.common.errors.ServiceException;
import io.pitiserve.gateway.api.ProblemStatus;
import io.pitiserve.gateway.status.JobUpdates;
import io.pitiserve.gateway.status.JobView;
import io.pitiserve.gateway.support.MutableClock;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

class TenantQuotasTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

    private final RecordingUpdates updates = new RecordingUpdates();

    @Test
    void aJobsCostCountsGuidedBaseStepsTwiceThenTheUpsamplerTimesTheSamples() {
        QuotaProperties quotas = QuotaProperties.defaults();

        assertThat(JobCost.of(params(2, 1.3, "50", "fast27"), quotas, false)).isEqualTo(2 * (2 * 50 + 27));
        assertThat(JobCost.of(params(1, 1.0, "ddim25", "10,10"), quotas, false)).isEqualTo(25 + 20);
        assertThat(JobCost.of(params(1, 3.0, null, null), quotas, false)).isEqualTo(2 * 100 + 27);
    }

    @Test
    void aSinglePassJobCostsOneEvaluationPerSampleWhateverStepsItNames() {
        QuotaProperties quotas = QuotaProperties.defaults();

        assertThat(JobCost.of(params(3, 1.3, "250", "100"), quotas, true)).isEqualTo(3);
    }

    @Test
    void aJobAboveItsTenantsCostCeilingIsRefusedNamingCostAndLimit() {
        TenantQuotas quotas = quotas(new QuotaProperties(600, Duration.ofMinutes(1), 16, 2000, 250, 100, 100, 27,
                Duration.ofSeconds(5), Map.of("small", new QuotaProperties.TenantLimits(null, null, null, 500L))));

        quotas.checkCost("big", params(4, 1.3, "200", "100"), false);
        assertThatThrownBy(() -> quotas.checkCost("small", params(2, 1.3, "200", "fast27"), false))
                .isInstanceOfSatisfying(ServiceException.class, p -> {
                    assertThat(ProblemStatus.of(p.code())).isEqualTo(HttpStatus.BAD_REQUEST);
                    assertThat(p.code().wire()).isEqualTo("job_too_costly");
                    assertThat(p.members()).containsEntry("cost", 854L).containsEntry("limit", 500L);
                });
    }

    @Test
    void aTenantsJobsCountUntilTheirViewsAreTerminalAndOtherTenantsAreNotTouched() {
        TenantQuotas quotas = quotas(limits(2));
        quotas.admit("acme", "tr_1");
        quotas.admit("acme", "tr_2");

        assertThatThrownBy(() -> quotas.admit("acme", "tr_3")).isInstanceOfSatisfying(ServiceException.class, p -> {
            assertThat(ProblemStatus.of(p.code())).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
            assertThat(p.code().wire()).isEqualTo("too_many_jobs_in_flight");
            assertThat(p.retryAfter()).isEqualTo(Duration.ofSeconds(5));
        });
        quotas.admit("globex", "tr_4");

        updates.tell(view("tr_1", "acme", JobState.RUNNING, 3));
        updates.tell(view("tr_1", "acme", JobState.SUCCEEDED, 9));
        quotas.admit("acme", "tr_3");

        assertThat(quotas.jobsInFlight("acme")).isEqualTo(2);
        assertThat(quotas.jobsInFlight("globex")).isEqualTo(1);
    }

    @Test
    void jobsAcceptedByAnotherInstanceCountFromTheirViewsAndALateOlderViewDoesNotCountAFinishedJobAgain() {
        TenantQuotas quotas = quotas(limits(1));

        updates.tell(view("tr_elsewhere", "acme", JobState.QUEUED, 1));
        assertThatThrownBy(() -> quotas.admit("acme", "tr_here")).isInstanceOf(ServiceException.class);

        updates.tell(view("tr_elsewhere", "acme", JobState.CANCELLED, 5));
        updates.tell(view("tr_elsewhere", "acme", JobState.RUNNING, 4));
        assertThat(quotas.jobsInFlight("acme")).isZero();
        quotas.admit("acme", "tr_here");
    }

    @Test
    void aReleasedAdmissionNoLongerCounts() {
        TenantQuotas quotas = quotas(limits(1));
        quotas.admit("acme", "tr_1");

        quotas.release("tr_1");

        quotas.admit("acme", "tr_2");
        assertThat(quotas.jobsInFlight("acme")).isEqualTo(1);
    }

    @Test
    void anAdmissionWhoseViewNeverArrivesStopsCountingAfterAMinute() {
        MutableClock clock = new MutableClock(NOW);
        TenantQuotas quotas = new TenantQuotas(limits(1), updates, clock);
        quotas.admit("acme", "tr_lost");

        clock.advance(Duration.ofSeconds(30));
        assertThatThrownBy(() -> quotas.admit("acme", "tr_next")).isInstanceOf(ServiceException.class);
        clock.advance(Duration.ofSeconds(31));
        quotas.admit("acme", "tr_next");

        assertThat(quotas.jobsInFlight("acme")).isEqualTo(1);
    }

    @Test
    void theRequestRateRefusesTheRequestAfterTheBurstWithTheWaitAndTheHeaders() {
        TenantQuotas quotas = quotas(new QuotaProperties(3, Duration.ofMinutes(1), 16, 2000, 250, 100, 100, 27,
                Duration.ofSeconds(5), Map.of()));

        TenantQuotas.RateDecision first = quotas.tryRequest("acme");
        quotas.tryRequest("acme");
        quotas.tryRequest("acme");
        TenantQuotas.RateDecision fourth = quotas.tryRequest("acme");

        assertThat(first.allowed()).isTrue();
        assertThat(first.rateLimitHeader()).isEqualTo("\"tenant\";r=2;t=20");
        assertThat(fourth.allowed()).isFalse();
        assertThat(fourth.retryAfter()).isBetween(Duration.ofSeconds(19), Duration.ofSeconds(20));
        assertThat(fourth.policyHeader()).isEqualTo("\"tenant\";q=3;w=60");
        assertThat(quotas.tryRequest("globex").allowed()).isTrue();
    }

    private TenantQuotas quotas(QuotaProperties properties) {
        return new TenantQuotas(properties, updates, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static QuotaProperties limits(int maxJobsInFlight) {
        return new QuotaProperties(600, Duration.ofMinutes(1), maxJobsInFlight, 2000, 250, 100, 100, 27,
                Duration.ofSeconds(5), Map.of());
    }

    private static TranslationParams params(int samples, double guidanceScale, String baseSteps, String srSteps) {
        return new TranslationParams("mask", null, samples, guidanceScale, "cfg", baseSteps, srSteps, "ddpm", 0, 1L,
                false, null, Map.of());
    }

    private static JobView view(String jobId, String tenant, JobState state, long version) {
        return new JobView(jobId, tenant, state, version, NOW, null, null, NOW, "f", "inputs/" + tenant + "/" + jobId,
                null, 1, null, null, null, null, null, null, null, null, null, null);
    }

    /** JobUpdates whose publication a test drives (publish is the status view's, package-private). */
    static final class RecordingUpdates extends JobUpdates {
        private final java.util.List<java.util.function.Consumer<JobView>> all = new java.util.ArrayList<>();

        @Override
        public void subscribeAll(java.util.function.Consumer<JobView> listener) {
            all.add(listener);
        }

        void tell(JobView view) {
            all.forEach(listener -> listener.accept(view));
        }
    }
}
