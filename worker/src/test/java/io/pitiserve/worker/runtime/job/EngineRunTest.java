package io.pitiserve.worker.runtime.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.tracing.TraceContext;
import io.pitiserve.common.errors.ErrorCode;
import io.pitiserve.common.events.JobEvent;
import io.pitiserve.common.events.TranslationParams;
import io.pitiserve.common.events.TranslationProgress;
import io.pitiserve.common.events.TranslationRequested;
import io.pitiserve.common.image.ConditionImage;
import io.pitiserve.worker.engine.PitiModel;
import io.pitiserve.worker.engine.TranslationCancelledException;
import io.pitiserve.worker.engine.TranslationRequest;
import io.pitiserve.worker.engine.TranslationResult;
import io.pitiserve.worker.scheduler.SchedulerSettings;
import io.pitiserve.worker.scheduler.StepScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** EngineRun on a real step scheduler running the micro TorchScript model. */
class EngineRunTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

    private static PitiModel model;

    private final RecordingSink events = new RecordingSink();
    private final StepScheduler scheduler = new StepScheduler(SchedulerSettings.defaults(2));

    @BeforeAll
    static void load() {
        model = Models.microMask();
    }

    @AfterAll
    static void unload() {
        model.close();
    }

    @AfterEach
    void stop() {
        scheduler.close();
    }

    @Test
    void aTranslationRunsThroughTheSchedulerAndTellsItsProgressBeforeItReturns() {
        EngineRun run = engineRun(CancelledJobs.NONE);
        TranslationRequested request = request(params(null));

        TranslationResult result = run.translate(request, model, resolved(request), null, () -> false);

        assertThat(result.images()).hasSize(1);
        assertThat(result.size()).isEqualTo(64);
        assertThat(result.timings().baseSteps()).isEqualTo(10);
        // An interval of zero lets every step through: micro-mask's 10 base steps and its upsampler's
        // steps but the last, which the job's end tells.
        List<TranslationProgress> progress = events.progress();
        assertThat(progress).extracting(event -> event.stage() + " " + event.step() + "/" + event.of())
                .containsExactly("base 1/10", "base 2/10", "base 3/10", "base 4/10", "base 5/10", "base 6/10",
                        "base 7/10", "base 8/10", "base 9/10", "base 10/10", "upsampler 1/4", "upsampler 2/4",
                        "upsampler 3/4");
        assertThat(progress).allSatisfy(event -> {
            assertThat(event.jobId()).isEqualTo("tr_run");
            assertThat(event.tenant()).isEqualTo("acme");
            assertThat(event.time()).isEqualTo(NOW);
        });
    }

    @Test
    void aCancelledJobStopsWithACancellation() {
        EngineRun run = engineRun(cancelledJobs("tr_run"));
        TranslationRequested request = request(params(null));

        assertThatThrownBy(() -> run.translate(request, model, resolved(request), null, () -> false))
                .isInstanceOf(TranslationCancelledException.class);
    }

    @Test
    void aJobWhoseDeadlineHasPassedFailsWithDeadlineExceeded() {
        EngineRun run = engineRun(CancelledJobs.NONE);
        TranslationRequested request = request(params(Instant.now().minusSeconds(60)));

        assertThatThrownBy(() -> run.translate(request, model, resolved(request), null, () -> false))
                .isInstanceOfSatisfying(JobFailure.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED));
    }

    @Test
    void whatStopsAJobIsItsCancellationOrTheConsumerGivingItUp() {
        EngineRun run = engineRun(cancelledJobs("tr_cancelled"));

        assertThat(run.stopped("tr_cancelled", () -> false).getAsBoolean()).isTrue();
        assertThat(run.stopped("tr_other", () -> true).getAsBoolean()).isTrue();
        assertThat(run.stopped("tr_other", () -> false).getAsBoolean()).isFalse();
    }

    private EngineRun engineRun(CancelledJobs cancellations) {
        return new EngineRun(scheduler, events, cancellations, Duration.ZERO, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static TranslationRequest resolved(TranslationRequested request) {
        int size = model.manifest().input().size();
        ConditionImage condition = new ConditionImage(new float[3 * size * size], 3, size, List.of());
        return ParameterResolution.resolve(request.params(), condition, model);
    }

    private static TranslationParams params(Instant deadline) {
        return new TranslationParams("mask", null, 1, 0, null, null, null, null, 0, 7, false, null, null, null,
                deadline);
    }

    private static TranslationRequested request(TranslationParams params) {
        return new TranslationRequested("tr_run", "acme", NOW, "inputs/a.png", null, "image/png", params);
    }

    private static CancelledJobs cancelledJobs(String cancelled) {
        return new CancelledJobs() {
            @Override
            public boolean isCancelled(String jobId) {
                return jobId.equals(cancelled);
            }

            @Override
            public boolean awaitCaughtUp(long sinceNanos, Duration max) {
                return true;
            }
        };
    }

    /** Keeps what is published without waiting; the others are not used by an engine run. */
    private static final class RecordingSink implements EventSink {
        private final List<JobEvent> eventually = new CopyOnWriteArrayList<>();

        @Override
        public void publish(JobEvent event, TraceContext trace) {
            throw new AssertionError("an engine run publishes no acknowledged event");
        }

        @Override
        public Acknowledgement publishLater(JobEvent event, TraceContext trace) {
            throw new AssertionError("an engine run publishes no acknowledged event");
        }

        @Override
        public void publishEventually(JobEvent event, TraceContext trace) {
            eventually.add(event);
        }

        List<TranslationProgress> progress() {
            return eventually.stream().map(TranslationProgress.class::cast).toList();
        }
    }
}
